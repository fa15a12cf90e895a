/**
 * The support domain's public surface: the help desk (tickets, the inbox, ticket email both ways) and live chat.
 * Pages and later domains import support only through this file and `schema.ts`.
 */
export { replyAddress, ticketToken } from "./access";
export { type AssignableStaff, listAssignableStaff } from "./service/assignees";
export * from "./schema";
export { chatIdentity, endChat, inboxSnapshot, saveTranscript, startChat, sweepAbandonedChats } from "./service/chat";
export { MAX_INBOUND_EMAIL_BYTES, receiveSupportEmail, stripQuotedText } from "./service/inbound-email";
export { createCannedReply, deleteCannedReply, listCannedReplies } from "./service/canned-replies";
export { adminTicketDetail, listTicketsForAdmin, otherTicketsOf } from "./service/inbox";
export { markSlaBreaches } from "./service/sla";
export { mergeTicket, staffReply, updateTicket } from "./service/ticket-changes";
export { accessTicket, addCustomerMessage, createTicket, listTicketsForUser, referenceOf, type TicketRow, ticketView } from "./service/tickets";
export { canMoveTicket, SLA_TARGETS, TICKET_TRANSITIONS } from "./status";
export { TICKET_PRIORITIES, TICKET_STATUSES, type TicketPriority, type TicketStatus } from "./tables";
