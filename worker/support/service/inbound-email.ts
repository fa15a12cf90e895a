import PostalMime from "postal-mime";
import { ticketOfReplyAddress } from "../access";
import { addCustomerMessage, getTicket } from "./tickets";

/** Emails larger than this are refused (a reply is text; attachments are not taken in). */
export const MAX_INBOUND_EMAIL_BYTES = 1024 * 1024;

export type InboundResult = { ok: true; ticketId: string; added: boolean } | { ok: false; reason: string };

/**
 * The new part of an emailed reply: everything above the quoted message. Cuts at the first line that starts a
 * quote in the forms mail clients write ("On … wrote:", "-----Original Message-----", an Outlook "From:" header
 * block, a run of `>` lines, a "-- " signature), then trims.
 */
export function stripQuotedText(text: string): string {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  const cut = lines.findIndex((line, i) => {
    const l = line.trim();
    if (/^On\b.{0,300}\bwrote:$/i.test(l)) return true;
    // Gmail wraps a long "On … wrote:" over two lines.
    if (/^On\b/i.test(l) && /\bwrote:$/i.test((lines[i + 1] ?? "").trim())) return true;
    if (/^-{2,}\s*Original Message\s*-{2,}$/i.test(l)) return true;
    if (/^_{10,}$/.test(l)) return true;
    if (/^From:\s/i.test(l) && /^(Sent|Date):\s/i.test((lines[i + 1] ?? "").trim())) return true;
    if (line === "-- ") return true;
    return l.startsWith(">");
  });
  return (cut === -1 ? lines : lines.slice(0, cut)).join("\n").trim();
}

function textOfHtml(html: string): string {
  return html
    .replace(/<(style|script)[\s\S]*?<\/\1>/gi, "")
    .replace(/<blockquote[\s\S]*?<\/blockquote>/gi, "")
    .replace(/<br\s*\/?>|<\/p>|<\/div>/gi, "\n")
    .replace(/<[^>]+>/g, "")
    .replace(/&nbsp;/g, " ")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&");
}

/**
 * A reply to a ticket email, as Email Routing hands it to the Worker: `to` must be a ticket's signed reply
 * address and the sender the ticket's customer, else it is refused (the caller bounces it). The MIME message is
 * parsed with postal-mime, the quoted part cut off, and the rest added to the ticket as the customer (reopening
 * it if resolved). Its Message-ID makes a redelivered email count once.
 */
export async function receiveSupportEmail(
  env: Env,
  mail: { from: string; to: string; raw: ReadableStream | ArrayBuffer | string; rawSize: number },
): Promise<InboundResult> {
  if (mail.rawSize > MAX_INBOUND_EMAIL_BYTES) return { ok: false, reason: "Message too large" };
  const ticketId = await ticketOfReplyAddress(env, mail.to);
  if (!ticketId) return { ok: false, reason: "Unknown address" };
  const ticket = await getTicket(env, ticketId).catch(() => null);
  if (!ticket) return { ok: false, reason: "Unknown address" };
  const parsed = await PostalMime.parse(mail.raw);
  const sender = (parsed.from?.address ?? mail.from).toLowerCase();
  if (sender !== ticket.customerEmail || mail.from.toLowerCase() !== ticket.customerEmail)
    return { ok: false, reason: "Send from the address the ticket belongs to" };
  const body = stripQuotedText(parsed.text ?? textOfHtml(parsed.html ?? "")).slice(0, 5000);
  if (!body) return { ok: true, ticketId, added: false };
  const key =
    parsed.messageId ??
    `sha256:${Buffer.from(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`${parsed.date}|${sender}|${body}`))).toString("hex")}`;
  const { added, ticket: now } = await addCustomerMessage(env, ticket, { body, source: "email", externalId: `email:${key}` });
  return { ok: true, ticketId: now.id, added };
}
