import { AppError } from "../../lib/errors";
import { claimHoldSlots, releaseHoldSlots } from "../../orders";
import { customerKeyOf, type HeldUse, releaseUses, reservePromotionUses } from "../../promotions";
import { holdPoints, releasePoints } from "../../loyalty";
import type { CheckoutPlan } from "./pricing";

/** Holds outlive the payment page (Stripe Checkout sessions last at least 30 minutes). */
export const HOLD_TTL_MS = 45 * 60_000;
/** Slots, promotion uses and points outlive the stock holds by this much, so a cap never frees up while its stock is still held. */
const HOLD_MARGIN_MS = 60_000;

const ledger = (env: Env, sku: string) => env.INVENTORY_LEDGER.getByName(sku);

/** What a checkout holds for its order until it is paid, cancelled or lapses. */
export interface CheckoutHolds {
  /** The order's slots under each open-order cap (see orders' hold limits). */
  slots: Awaited<ReturnType<typeof claimHoldSlots>>;
  promotionUses: HeldUse[];
  points: boolean;
  /** Stock held per SKU, in the order it was taken. */
  stock: Array<{ sku: string; holdId: string }>;
}

/** The hold of one order line in the SKU's ledger (the order line keeps it). */
export const stockHoldId = (orderId: string, sku: string) => `${orderId}:${sku}`;

/**
 * Takes everything the order needs before it is written, in this order: a slot under each
 * open-order cap (429 `checkout.too_many_holds` when one is full), the promotion uses (a used-up
 * code refuses the order before any stock is held), the points, then stock SKU by SKU in sorted
 * order, so two checkouts never wait on each other in opposite orders. If any step fails,
 * everything taken before it is given back (409 `checkout.item_out_of_stock` for short stock).
 */
export async function holdForOrder(env: Env, orderId: string, plan: CheckoutPlan, client: { cartId: string; ip: string }): Promise<CheckoutHolds> {
  const lapse = Date.now() + HOLD_TTL_MS + HOLD_MARGIN_MS;
  const holds: CheckoutHolds = { slots: await claimHoldSlots(env, orderId, client, lapse, plan.limits), promotionUses: [], points: false, stock: [] };
  try {
    holds.promotionUses = await reservePromotionUses(env, orderId, customerKeyOf(plan.shopper), plan.promos, lapse);
    if (plan.pointsPlan && plan.shopper.userId) {
      await holdPoints(env, { id: orderId, userId: plan.shopper.userId, currency: plan.currency, expiresAt: lapse }, plan.pointsPlan, plan.pointsBySku);
      holds.points = true;
    }
    for (const line of plan.lines) {
      const holdId = stockHoldId(orderId, line.sku);
      const result = await ledger(env, line.sku).reserve(line.sku, holdId, line.quantity, HOLD_TTL_MS);
      if (!result.ok) {
        const at = plan.cart.items.findIndex((i) => i.sku === line.sku);
        throw new AppError(
          "checkout.item_out_of_stock",
          409,
          result.available > 0 ? `Only ${result.available} of ${line.name} left.` : `${line.name} just sold out.`,
          [{ path: `items.${at}.quantity`, message: result.available > 0 ? `Only ${result.available} available` : "Out of stock" }],
        );
      }
      holds.stock.push({ sku: line.sku, holdId });
    }
  } catch (err) {
    await releaseOrderHolds(env, orderId, holds, "Checkout could not reserve every item");
    throw err;
  }
  return holds;
}

/** Gives back everything `holdForOrder` took, the stock first and the slots last; `reason` is recorded with the stock and the points. */
export async function releaseOrderHolds(env: Env, orderId: string, holds: CheckoutHolds, reason: string): Promise<void> {
  for (const h of holds.stock) await ledger(env, h.sku).release(h.sku, h.holdId, reason);
  await releaseUses(env, orderId, holds.promotionUses);
  if (holds.points) await releasePoints(env, orderId, reason);
  await releaseHoldSlots(env, orderId, holds.slots);
}
