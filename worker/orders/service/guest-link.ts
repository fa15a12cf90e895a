import { eq } from "drizzle-orm";
import { countAttempt } from "../../accounts";
import { getDb } from "../../db/client";
import { auditStatementIfChanged } from "../../lib/audit";
import { ipLimitKey } from "../../lib/client-ip";
import { changesOf, runBatch } from "../../lib/d1-batch";
import { AppError } from "../../lib/errors";
import { enqueueEmail } from "../../notifications";
import { securitySettings } from "../../store";
import { actors } from "../actor";
import { guestLinkExpiresAt, newOrderAccessToken, orderPageUrl } from "../access";
import { orders } from "../tables";
import { type ChangeContext, getOrder, timelineStatement } from "./orders";

const linkChanged = (number: string) =>
  new AppError("orders.conflict", 409, `The link of order ${number} was replaced while this was being done. Use the newest link.`);

export interface ReplaceOptions {
  /** Email the new link to the order's address. */
  send: boolean;
  /** The link version the caller was let in with: a link replaced since then is a 409. */
  seenVersion?: number;
}

/** What replacing a guest's link did. */
export interface GuestLinkChange {
  orderId: string;
  /** The new link's version (every lower one stopped working). */
  linkVersion: number;
  /** When the new link expires (ISO). */
  expiresAt: string;
  /** Whether the new link was emailed to the order's address. */
  sent: boolean;
}

/**
 * Ends every link to an order that was emailed or remembered so far (the token is derived from the
 * order id and a version, so bumping the version is enough) and issues the next one, valid for the
 * store's `guestLinkDays` from now. With `send`, the new link goes to the order's email address, so
 * revoking a forwarded link never locks the shopper out. Two revocations at once: one wins, the other
 * answers 409. Staff changes are audited; every change is on the order's internal timeline.
 */
export async function replaceGuestLink(env: Env, orderId: string, ctx: ChangeContext, opts: ReplaceOptions): Promise<GuestLinkChange> {
  const order = await getOrder(env, orderId);
  if (opts.seenVersion !== undefined && opts.seenVersion !== order.accessLinkVersion) throw linkChanged(order.number);
  const version = order.accessLinkVersion + 1;
  const { hash } = await newOrderAccessToken(env, order.id, version);
  const issuedAt = new Date().toISOString();
  const d1 = env.DB;
  const [moved] = await runBatch(d1, [
    d1
      .prepare("UPDATE orders SET access_token_hash = ?1, access_link_version = ?2, access_link_issued_at = ?3 WHERE id = ?4 AND access_link_version = ?5")
      .bind(hash, version, issuedAt, order.id, order.accessLinkVersion),
    timelineStatement(
      d1,
      {
        orderId: order.id,
        status: order.status,
        actor: ctx.actor,
        note: opts.send ? "Order link replaced: earlier links stopped working, a new one was emailed." : "Order link revoked: earlier links stopped working.",
        kind: "note",
        internal: true,
      },
      true,
    ),
    ...(ctx.audit
      ? [
          // After the timeline row, which is written only if the link moved: a revocation that lost a race
          // leaves no audit entry either.
          auditStatementIfChanged(d1, ctx.audit, {
            action: "order.guest_link_revoked",
            entityType: "order",
            entityId: order.id,
            before: { linkVersion: order.accessLinkVersion },
            after: { linkVersion: version, sent: opts.send },
          }),
        ]
      : []),
  ]);
  if (changesOf(moved) === 0) throw linkChanged(order.number);
  const { guestLinkDays } = await securitySettings(env);
  const next = { ...order, accessTokenHash: hash, accessLinkVersion: version, accessLinkIssuedAt: issuedAt };
  if (opts.send) {
    await enqueueEmail(env.EMAIL_QUEUE, {
      // One email per version: a retried request sends nothing twice.
      id: `order-link:${order.id}:${version}`,
      template: "order_link",
      to: order.email,
      data: { number: order.number, url: await orderPageUrl(env, env.PUBLIC_ORIGIN || ctx.origin, next), expiresInDays: guestLinkDays },
    });
  }
  return { orderId: order.id, linkVersion: version, expiresAt: new Date(guestLinkExpiresAt(next, guestLinkDays)).toISOString(), sent: opts.send };
}

/** Requests per order and per client address, so the renewal form cannot be used to flood a mailbox. */
const RENEW_PER_ORDER = { limit: 3, windowSeconds: 60 * 60 };
const RENEW_PER_IP = { limit: 10, windowSeconds: 60 * 60 };

/**
 * A guest asks for a new link to an order (theirs expired, or they lost it) by typing the order's email
 * address. The answer is the same whether or not the order exists and the address matches (the new link
 * goes only to the order's own address), so the form reveals nothing about anyone's orders.
 */
export async function renewGuestLink(env: Env, orderId: string, email: string, ctx: { ip: string; origin: string }): Promise<void> {
  await countAttempt(env, `order-link:ip:${ipLimitKey(ctx.ip)}`, RENEW_PER_IP);
  const order = await getDb(env.DB).select({ id: orders.id, email: orders.email }).from(orders).where(eq(orders.id, orderId)).get();
  if (!order || order.email.toLowerCase() !== email.trim().toLowerCase()) return;
  try {
    await countAttempt(env, `order-link:order:${order.id}`, RENEW_PER_ORDER);
  } catch {
    return; // silently: a 429 here would reveal that the address is the order's
  }
  await replaceGuestLink(env, order.id, { actor: actors.guest, origin: ctx.origin }, { send: true });
}
