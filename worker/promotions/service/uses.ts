import { and, eq, ne } from "drizzle-orm";
import { getDb } from "../../db/client";
import { AppError } from "../../lib/errors";
import { newId } from "../../lib/ids";
import { refusalMessage } from "../engine";
import { promotionRedemptions } from "../tables";
import type { CartEvaluation } from "./evaluate";

const counter = (env: Env, promotionId: string) => env.PROMOTION_COUNTER.getByName(promotionId);

/** A promotion use an order holds in its counter. */
export interface HeldUse {
  promotionId: string;
  usageLimit: number | null;
  perCustomerLimit: number | null;
}

/**
 * Reserves one use of every promotion an order applies, in its counter
 * Durable Object, until `expiresAt`. All or nothing: when one promotion is
 * used up, the uses already taken are given back and the answer is 409
 * `promotions.limit_reached` naming the promotion and the limit. Safe to
 * retry with the same order id.
 */
export async function reservePromotionUses(env: Env, orderId: string, customerKey: string, ev: CartEvaluation, expiresAt: number): Promise<HeldUse[]> {
  const held: HeldUse[] = [];
  for (const a of ev.applied) {
    const rule = ev.rules.get(a.promotionId);
    if (!rule) continue;
    const use = { promotionId: rule.id, usageLimit: rule.usageLimit, perCustomerLimit: rule.perCustomerLimit };
    const result = await counter(env, rule.id).reserve(orderId, customerKey, rule.usageLimit, rule.perCustomerLimit, expiresAt);
    if (!result.ok) {
      await releaseUses(env, orderId, held);
      const refusal = { code: "promotions.limit_reached", condition: result.reason } as const;
      throw new AppError("promotions.limit_reached", 409, `${rule.name}: ${refusalMessage(refusal, rule)}`, [
        { path: rule.code ? "code" : `promotions.${rule.id}`, message: result.reason },
      ]);
    }
    held.push(use);
  }
  return held;
}

/** Gives back uses taken for an order whose checkout did not complete. */
export async function releaseUses(env: Env, orderId: string, held: HeldUse[]): Promise<void> {
  for (const h of held) await counter(env, h.promotionId).release(orderId);
}

/**
 * The rows recording an order's promotion uses (reserved), for the checkout's
 * batch so they commit with the order.
 */
export function redemptionStatements(
  d1: D1Database,
  order: { id: string; customerKey: string; grandTotal: number; currency: string; shippingDiscount: number },
  ev: CartEvaluation,
) {
  const db = getDb(d1);
  return ev.applied.map((a) =>
    db.insert(promotionRedemptions).values({
      id: newId("prr"),
      promotionId: a.promotionId,
      orderId: order.id,
      customerKey: order.customerKey,
      code: a.code,
      name: a.name,
      amount: a.amount,
      shippingAmount: a.freeShipping ? order.shippingDiscount : 0,
      orderTotal: order.grandTotal,
      currency: order.currency,
    }),
  );
}

/** The promotions an order used (any state), for order pages and emails. */
export async function promotionsOfOrder(env: Env, orderId: string) {
  return getDb(env.DB).select().from(promotionRedemptions).where(eq(promotionRedemptions.orderId, orderId)).all();
}

/**
 * Commits an order's promotion uses after its payment succeeded (idempotent).
 * A use whose reservation lapsed (paid after its hold expired) is committed
 * too, even over the limit: the shopper paid the discounted price, and the
 * record must match the money.
 */
export async function commitPromotionUses(env: Env, orderId: string): Promise<void> {
  const db = getDb(env.DB);
  const rows = await db
    .select()
    .from(promotionRedemptions)
    .where(and(eq(promotionRedemptions.orderId, orderId), ne(promotionRedemptions.status, "committed")));
  for (const r of rows) {
    await counter(env, r.promotionId).commit(r.orderId, r.customerKey, null, null);
    await db.update(promotionRedemptions).set({ status: "committed", updatedAt: new Date().toISOString() }).where(eq(promotionRedemptions.id, r.id)).run();
  }
}

/** Releases an order's promotion uses (cancelled, payment failed or expired). Idempotent. */
export async function releasePromotionUses(env: Env, orderId: string): Promise<void> {
  const db = getDb(env.DB);
  const rows = await db
    .select()
    .from(promotionRedemptions)
    .where(and(eq(promotionRedemptions.orderId, orderId), ne(promotionRedemptions.status, "released")));
  for (const r of rows) {
    await counter(env, r.promotionId).release(r.orderId);
    await db.update(promotionRedemptions).set({ status: "released", updatedAt: new Date().toISOString() }).where(eq(promotionRedemptions.id, r.id)).run();
  }
}
