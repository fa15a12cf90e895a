import { enqueueEmail } from "../../notifications";
import { referenceOf, replyAddress, ticketPageUrl } from "../access";
import type { supportTickets } from "../tables";

type TicketRow = typeof supportTickets.$inferSelect;

/**
 * Ticket emails go through EMAIL_QUEUE (the consumer renders them with the store's name from Settings) with ids
 * derived from what happened (`support-received:<ticket>`, `support-reply:<message>`), so a repeat never sends
 * twice. Each carries the ticket's signed reply address, so answering the email adds to the ticket.
 */
export async function sendTicketEmail(
  env: Env,
  origin: string,
  ticket: TicketRow,
  email: { kind: "received" } | { kind: "reply"; messageId: string; body: string; author: string },
): Promise<void> {
  const url = await ticketPageUrl(env, origin, ticket);
  const replyTo = await replyAddress(env, ticket.id);
  const common = { reference: referenceOf(ticket), subject: ticket.subject, url, replyTo };
  if (email.kind === "received") {
    await enqueueEmail(env.EMAIL_QUEUE, {
      id: `support-received:${ticket.id}`,
      template: "support_ticket_received",
      to: ticket.customerEmail,
      data: { ...common, name: ticket.customerName },
    });
    return;
  }
  await enqueueEmail(env.EMAIL_QUEUE, {
    id: `support-reply:${email.messageId}`,
    template: "support_reply",
    to: ticket.customerEmail,
    data: { ...common, name: ticket.customerName, body: email.body, author: email.author },
  });
}
