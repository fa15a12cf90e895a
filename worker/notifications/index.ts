/**
 * The notifications domain's public surface: queue an email (delivery is at least once, sent once per
 * message id), the queue consumers, and the outbox for staff.
 */
export { handleEmailBatch, handleEmailDeadLetters, retryDelaySeconds } from "./consumer";
export { EMAIL_STATUS_VALUES, EMAIL_TEMPLATES, type EmailMessage, ListEmailsQuery } from "./schema";
export { type AdminRecipients, enqueueEmail, listOutboxFor, queuedEmailStatement } from "./service/delivery";
export { getEmail, listEmails, retryEmail } from "./service/outbox";
