// The outbox for staff: listing, reading and sending again, with one-time links kept out of sight.
import { and, count, desc, eq, type SQL, sql } from "drizzle-orm";
import { getDb } from "../../db/client";
import { type AuditActor, auditStatement } from "../../lib/audit";
import { AppError } from "../../lib/errors";
import { type EmailDetail, EmailMessage, type EmailPage, type EmailSummary, type ListEmailsQuery } from "../schema";
import { emailOutbox } from "../tables";
import { enqueueEmail, hideTokens, STALE_SENDING_MS } from "./delivery";

type Row = typeof emailOutbox.$inferSelect;

/** A stored message whose link was hidden cannot be sent again: the link in it would not work. */
const HIDDEN_LINK = /[?&]token=hidden/;

function parsePayload(row: Row): EmailMessage | null {
  if (!row.payload) return null;
  try {
    const parsed = EmailMessage.safeParse(JSON.parse(row.payload));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

function toSummary(row: Row): EmailSummary {
  return {
    id: row.id,
    template: row.template,
    to: row.toAddress,
    subject: row.subject,
    status: row.status,
    attempts: row.attempts,
    provider: row.provider,
    providerMessageId: row.providerMessageId,
    lastError: row.lastError,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    sentAt: row.sentAt,
    retryable: (row.status === "failed" || row.status === "dead") && parsePayload(row) !== null && !HIDDEN_LINK.test(row.payload ?? ""),
  };
}

/** `%` and `_` typed by a person are literal characters, not wildcards. */
const likeContains = (s: string) => `%${s.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** The outbox, newest first, filtered by status, template and part of the recipient's address. */
export async function listEmails(env: Env, q: ListEmailsQuery): Promise<EmailPage> {
  const db = getDb(env.DB);
  const where: SQL[] = [];
  if (q.status) where.push(eq(emailOutbox.status, q.status));
  if (q.template) where.push(eq(emailOutbox.template, q.template));
  if (q.recipient) where.push(sql`${emailOutbox.toAddress} LIKE ${likeContains(q.recipient)} ESCAPE '\\'`);
  const filter = where.length ? and(...where) : undefined;
  const [rows, total] = await Promise.all([
    db
      .select()
      .from(emailOutbox)
      .where(filter)
      .orderBy(desc(emailOutbox.createdAt), desc(emailOutbox.id))
      .limit(q.perPage)
      .offset((q.page - 1) * q.perPage),
    db.select({ n: count() }).from(emailOutbox).where(filter),
  ]);
  return { items: rows.map(toSummary), total: total[0]?.n ?? 0, page: q.page, perPage: q.perPage };
}

async function findRow(env: Env, id: string): Promise<Row> {
  const row = await getDb(env.DB).select().from(emailOutbox).where(eq(emailOutbox.id, id)).get();
  if (!row) throw new AppError("email.not_found", 404, "No email has this id.");
  return row;
}

/** One email with its rendered HTML and text as sent (one-time tokens hidden). */
export async function getEmail(env: Env, id: string): Promise<EmailDetail> {
  const row = await findRow(env, id);
  const payload = parsePayload(row);
  return {
    ...toSummary(row),
    html: hideTokens(row.html),
    text: hideTokens(row.text),
    data: payload ? (JSON.parse(hideTokens(JSON.stringify(payload.data))) as EmailDetail["data"]) : null,
  };
}

/**
 * Re-queues a failed or dead email's stored message (admins). The consumer
 * claims the row again, so the email is delivered once even if the queue
 * still holds an earlier retry of it. Audited.
 */
export async function retryEmail(env: Env, actor: AuditActor, id: string): Promise<{ id: string; status: "queued" }> {
  const row = await findRow(env, id);
  if (row.status === "sent") throw new AppError("email.already_sent", 409, "This email was already sent.");
  const stale = row.updatedAt && Date.parse(row.updatedAt) < Date.now() - STALE_SENDING_MS;
  if (row.status === "sending" && !stale) throw new AppError("email.in_progress", 409, "This email is being sent right now.");
  const message = parsePayload(row);
  if (!message) throw new AppError("email.no_payload", 409, "This email was stored without its message, so it cannot be sent again.");
  if (HIDDEN_LINK.test(row.payload ?? "")) {
    throw new AppError(
      "email.link_not_kept",
      409,
      "This email carried a one-time link, which the store does not keep: the customer asks for a new one (reset, verification or order link).",
    );
  }
  const db = getDb(env.DB);
  await db.batch([
    // An abandoned `sending` row becomes `failed`, so the re-queued message may claim it.
    db
      .update(emailOutbox)
      .set({ status: row.status === "sending" ? "failed" : row.status, updatedAt: new Date().toISOString() })
      .where(eq(emailOutbox.id, id)),
    auditStatement(env.DB, actor, {
      action: "email.retry",
      entityType: "email",
      entityId: id,
      before: { status: row.status, attempts: row.attempts, lastError: row.lastError },
      after: { status: "queued" },
    }),
  ]);
  await enqueueEmail(env.EMAIL_QUEUE, message);
  return { id, status: "queued" };
}
