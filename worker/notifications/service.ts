import { and, desc, eq } from "drizzle-orm";
import { users } from "../accounts/tables";
import { getDb } from "../db/client";
import type { EmailMessage } from "./schema";
import { emailOutbox } from "./tables";
import { renderEmail } from "./templates";

/** Queues an email. Delivery is at least once; the id makes sending happen once. */
export async function enqueueEmail(queue: Queue, message: EmailMessage): Promise<void> {
  await queue.send(message, { contentType: "json" });
}

/**
 * Renders and "sends" one message through the local outbox provider: the
 * email is stored in `email_outbox`, where developers and tests read it.
 * A message whose id is already there is skipped (returns false).
 */
export async function deliverEmail(env: Env, message: EmailMessage): Promise<boolean> {
  const db = getDb(env.DB);
  const rendered = renderEmail(message, env.STORE_NAME);
  // "admins" fans out: one email per admin, each with its own idempotency key.
  const recipients =
    message.to === "admins"
      ? (
          await db
            .select({ id: users.id, email: users.email })
            .from(users)
            .where(and(eq(users.role, "admin"), eq(users.status, "active")))
        ).map((u) => ({
          id: `${message.id}:${u.id}`,
          to: u.email,
        }))
      : [{ id: message.id, to: message.to }];
  if (!recipients.length) return false;
  const result = await db
    .insert(emailOutbox)
    .values(recipients.map((r) => ({ id: r.id, template: message.template, toAddress: r.to, ...rendered, provider: "outbox", status: "sent" as const })))
    .onConflictDoNothing()
    .run();
  return (result.meta.changes ?? 0) > 0;
}

/** The newest outbox emails to an address (for tests, the dev outbox and support). */
export function listOutboxFor(d1: D1Database, to: string, template?: string) {
  const db = getDb(d1);
  return db
    .select()
    .from(emailOutbox)
    .where(template ? and(eq(emailOutbox.toAddress, to.toLowerCase()), eq(emailOutbox.template, template)) : eq(emailOutbox.toAddress, to.toLowerCase()))
    .orderBy(desc(emailOutbox.createdAt));
}
