// Sending email: the outbox row written with the change it announces, the queue consumer's claim-and-send, and
// the dead-letter consumer.
import { and, desc, eq } from "drizzle-orm";
import { getDb } from "../../db/client";
import { storeSettings } from "../../store";
import { emailProvider, type ProviderConfig, ProviderError } from "../providers";
import type { EmailMessage } from "../schema";
import { emailOutbox } from "../tables";
import { type RenderedEmail, renderEmail, storeOrigin } from "../templates";

/** A row left in `sending` longer than this belongs to a consumer that died mid-send: it may be claimed again. */
export const STALE_SENDING_MS = 5 * 60_000;

/**
 * The statement that writes `message` into the outbox as `queued`, for the caller's D1 batch, so the email
 * commits with the change it announces and a replayed change writes it no second time (the id is the row's key).
 * The caller then puts the same message on EMAIL_QUEUE (again on every retry of its change: the consumer claims
 * the queued row and sends it once). Only for messages to one address, not "admins".
 */
export async function queuedEmailStatement(env: Env, message: EmailMessage & { to: string }): Promise<D1PreparedStatement> {
  const provider = providerName(env);
  const rendered = renderMessage(env, message, (await storeSettings(env)).storeName);
  const at = now();
  return env.DB.prepare(
    `INSERT INTO email_outbox (id, template, to_address, subject, text, html, provider, status, attempts, payload, created_at, updated_at)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'queued', 0, ?8, ?9, ?9)
     ON CONFLICT(id) DO NOTHING`,
  ).bind(
    message.id,
    message.template,
    message.to.toLowerCase(),
    rendered.subject,
    storedBody(rendered.text, provider),
    storedBody(rendered.html, provider),
    provider,
    storedPayload(message),
    at,
  );
}

/** Queues an email. Delivery is at least once; the id makes sending happen once. */
export async function enqueueEmail(queue: Queue, message: EmailMessage): Promise<void> {
  await queue.send(message, { contentType: "json" });
}

interface Recipient {
  /** The outbox row id and the provider's idempotency key. */
  id: string;
  to: string;
}

/**
 * The active admins' addresses, for messages sent to "admins". Notifications come before accounts in
 * the layer order, so whoever runs the consumer (the Worker's queue handler) passes this in.
 */
export type AdminRecipients = (env: Env) => Promise<{ id: string; email: string }[]>;

/** Who gets a message: its address, or one row per active admin for "admins" (each with its own key). */
async function recipientsOf(env: Env, message: EmailMessage, admins: AdminRecipients): Promise<Recipient[]> {
  if (message.to !== "admins") return [{ id: message.id, to: message.to.toLowerCase() }];
  return (await admins(env)).map((u) => ({ id: `${message.id}:${u.id}`, to: u.email.toLowerCase() }));
}

const now = () => new Date().toISOString();

/**
 * Claims one recipient's row for sending: inserts it, or moves a `failed` /
 * `dead` / abandoned `sending` row back to `sending` with one more attempt.
 * Answers "sent" when there is nothing to do, and "busy" when another
 * delivery claimed it less than STALE_SENDING_MS ago (it may still fail or
 * die, so the caller retries later rather than dropping the message).
 */
async function claim(env: Env, message: EmailMessage, rendered: RenderedEmail, r: Recipient, provider: string): Promise<number | "sent" | "busy"> {
  const at = now();
  const stale = new Date(Date.now() - STALE_SENDING_MS).toISOString();
  const row = await env.DB.prepare(
    `INSERT INTO email_outbox (id, template, to_address, subject, text, html, provider, status, attempts, payload, created_at, updated_at)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'sending', 1, ?8, ?9, ?9)
     ON CONFLICT(id) DO UPDATE SET status = 'sending', attempts = email_outbox.attempts + 1, provider = excluded.provider,
       subject = excluded.subject, text = excluded.text, html = excluded.html, payload = excluded.payload, updated_at = excluded.updated_at
     WHERE email_outbox.status IN ('queued', 'failed', 'dead') OR (email_outbox.status = 'sending' AND email_outbox.updated_at < ?10)
     RETURNING attempts`,
  )
    .bind(
      r.id,
      message.template,
      r.to,
      rendered.subject,
      storedBody(rendered.text, provider),
      storedBody(rendered.html, provider),
      provider,
      storedPayload(message),
      at,
      stale,
    )
    .first<{ attempts: number }>();
  if (row) return row.attempts;
  const current = await env.DB.prepare("SELECT status FROM email_outbox WHERE id = ?").bind(r.id).first<{ status: string }>();
  return current?.status === "sent" ? "sent" : "busy";
}

export interface DeliveryResult {
  sent: number;
  /** Rows already sent (a duplicate delivery). */
  skipped: number;
  /** Rows another delivery is sending right now (the message is retried later). */
  busy: number;
  /** Rows the provider refused for good (marked `dead`, not retried). */
  refused: number;
}

/**
 * Renders and sends one message through the configured provider, each
 * recipient's row claimed first so a message delivered twice is sent once.
 * A provider error marks the row `failed` with the error and is thrown, so
 * the queue retries the message (rows already sent are skipped then).
 */
export async function deliverEmail(env: Env, message: EmailMessage, admins: AdminRecipients): Promise<DeliveryResult> {
  // The name admins keep in Settings, so emails say what the storefront says (not the deploy-time var).
  const { storeName } = await storeSettings(env);
  // A misconfigured provider still records the rows (failed, with the reason) so admins see them waiting.
  let config: ProviderConfig | null = null;
  let configError: ProviderError | null = null;
  try {
    config = emailProvider(env, storeName);
  } catch (err) {
    configError = err instanceof ProviderError ? err : new ProviderError(String(err), false);
  }
  const rendered = renderMessage(env, message, storeName);
  const result: DeliveryResult = { sent: 0, skipped: 0, busy: 0, refused: 0 };
  let failure: ProviderError | null = null;
  for (const r of await recipientsOf(env, message, admins)) {
    const attempts = await claim(env, message, rendered, r, config?.provider.name ?? providerName(env));
    if (attempts === "sent") {
      result.skipped++;
      continue;
    }
    if (attempts === "busy") {
      result.busy++;
      failure ??= new ProviderError(`${r.id} is being sent by another delivery; checking again later`, false);
      continue;
    }
    try {
      if (!config) throw configError;
      const replyTo = "replyTo" in message.data && message.data.replyTo ? message.data.replyTo : undefined;
      const sent = await config.provider.send({ idempotencyKey: r.id, template: message.template, from: config.from, to: r.to, replyTo, ...rendered });
      await env.DB.prepare("UPDATE email_outbox SET status = 'sent', provider_message_id = ?1, sent_at = ?2, updated_at = ?2, last_error = NULL WHERE id = ?3")
        .bind(sent.providerMessageId, now(), r.id)
        .run();
      result.sent++;
    } catch (err) {
      const error = err instanceof ProviderError ? err : new ProviderError(err instanceof Error ? err.message : String(err), false);
      await env.DB.prepare("UPDATE email_outbox SET status = ?1, last_error = ?2, updated_at = ?3 WHERE id = ?4")
        .bind(error.permanent ? "dead" : "failed", error.message.slice(0, 1000), now(), r.id)
        .run();
      if (error.permanent) result.refused++;
      else failure ??= error;
    }
  }
  if (failure) throw failure;
  return result;
}

const providerName = (env: Env) => (env.EMAIL_PROVIDER || "outbox").toLowerCase();

/** The message rendered with the store's name (from Settings) and origin. */
export function renderMessage(env: Env, message: EmailMessage, storeName: string): RenderedEmail {
  return renderEmail(message, { name: storeName || "Store", origin: storeOrigin(message, env.PUBLIC_ORIGIN) });
}

/**
 * The dead-letter queue's consumer: the message ran out of retries, so every
 * recipient row not yet sent becomes `dead` (created if the message never got
 * as far as a claim), payload kept, for an admin to retry.
 */
export async function markEmailDead(env: Env, message: EmailMessage, admins: AdminRecipients): Promise<number> {
  const rendered = renderMessage(env, message, (await storeSettings(env)).storeName);
  const at = now();
  let dead = 0;
  for (const r of await recipientsOf(env, message, admins)) {
    const res = await env.DB.prepare(
      `INSERT INTO email_outbox (id, template, to_address, subject, text, html, provider, status, attempts, payload, last_error, created_at, updated_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'dead', 0, ?8, 'Retries exhausted before a send was attempted.', ?9, ?9)
       ON CONFLICT(id) DO UPDATE SET status = 'dead', updated_at = excluded.updated_at,
         last_error = COALESCE(email_outbox.last_error, 'Retries exhausted.')
       WHERE email_outbox.status <> 'sent'`,
    )
      .bind(
        r.id,
        message.template,
        r.to,
        rendered.subject,
        storedBody(rendered.text, providerName(env)),
        storedBody(rendered.html, providerName(env)),
        providerName(env),
        storedPayload(message),
        at,
      )
      .run();
    dead += res.meta.changes ?? 0;
  }
  return dead;
}

/** The newest outbox emails to an address (for tests, the dev outbox and support). */
export function listOutboxFor(env: Env, to: string, template?: string) {
  const db = getDb(env.DB);
  return db
    .select()
    .from(emailOutbox)
    .where(template ? and(eq(emailOutbox.toAddress, to.toLowerCase()), eq(emailOutbox.template, template)) : eq(emailOutbox.toAddress, to.toLowerCase()))
    .orderBy(desc(emailOutbox.createdAt));
}

/**
 * One-time tokens (password reset, email verification, guest order links)
 * stay out of staff eyes: a support agent reading the outbox must not be able
 * to take over the account the email was for.
 */
export function hideTokens(s: string): string {
  return s.replace(/([?&](?:amp;)?token=)[^&"'\s<>]+/gi, "$1hidden");
}

/**
 * What the outbox keeps of a rendered email. The queue message carries the
 * one-time link to the provider; the stored copy has it hidden, so a read of
 * D1 (a backup, an export, a support agent) cannot take over an account or
 * open a guest's order. The `outbox` provider is the exception: there the row
 * IS the delivered email (local and demo stores read their mail from it).
 */
function storedBody(body: string, provider: string): string {
  return provider === "outbox" ? body : hideTokens(body);
}

/** The queue message as stored for "Send again", its one-time links hidden whatever the provider. */
function storedPayload(message: EmailMessage): string {
  return hideTokens(JSON.stringify(message));
}
