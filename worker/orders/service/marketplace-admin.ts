import { asc, eq, inArray } from "drizzle-orm";
import { getDb } from "../../db/client";
import { payoutHoldDays } from "../../vendors";
import { commissionRules, payoutItems, payouts, vendorLedger, vendors } from "../../vendors/tables";
import { orderLines, vendorOrders } from "../tables";
import { type OrderRow, shipmentsOf } from "./orders";
import { parcelView } from "./vendor-orders";

const DAY_MS = 86_400_000;

/** Where a seller's money for one vendor order stands, as staff read it on the order. */
export type SellerMoneyState = "awaiting_payment" | "held" | "payable" | "paid" | "reversed";

/**
 * The marketplace side of one order for staff: a group per vendor order with the seller, its status, its parcel
 * and, when `withMoney`, the commission frozen on each line, the seller's totals, where the seller's money
 * stands and what the store keeps. `null` for an order without vendor lines. Money is left out for staff
 * without the `vendors` permission (commissions and payouts are that permission's reads).
 */
export async function adminMarketplaceOf(env: Env, order: OrderRow, opts: { withMoney: boolean; now?: number }) {
  const db = getDb(env.DB);
  const vos = await db
    .select({ vo: vendorOrders, name: vendors.name, handle: vendors.handle })
    .from(vendorOrders)
    .innerJoin(vendors, eq(vendors.id, vendorOrders.vendorId))
    .where(eq(vendorOrders.orderId, order.id))
    .orderBy(asc(vendors.name), asc(vendorOrders.id));
  if (!vos.length) return null;
  // The money is read for everyone and left out of the answer without the permission: one shape of query.
  const [lines, parcels, ledger, holdDays] = await Promise.all([
    db.select().from(orderLines).where(eq(orderLines.orderId, order.id)).orderBy(asc(orderLines.sku)),
    shipmentsOf(env.DB, order.id),
    db
      .select({ vendorOrderId: vendorLedger.vendorOrderId, kind: vendorLedger.kind, amount: vendorLedger.amount, key: vendorLedger.idempotencyKey })
      .from(vendorLedger)
      .where(
        inArray(
          vendorLedger.vendorOrderId,
          vos.map((v) => v.vo.id),
        ),
      ),
    payoutHoldDays(env),
  ]);
  const ruleIds = [...new Set(lines.map((l) => l.commissionRuleId).filter((id): id is string => !!id))];
  const rules =
    opts.withMoney && ruleIds.length
      ? await db.select({ id: commissionRules.id, scope: commissionRules.scope }).from(commissionRules).where(inArray(commissionRules.id, ruleIds))
      : [];
  const now = opts.now ?? Date.now();
  const currency = order.currency;
  const money = (amount: number) => ({ amount, currency });

  const sellers = [];
  for (const { vo, name, handle } of vos) {
    const own = lines.filter((l) => l.vendorOrderId === vo.id);
    const entries = ledger.filter((e) => e.vendorOrderId === vo.id);
    const sum = (kind: string) => entries.filter((e) => e.kind === kind).reduce((s, e) => s + e.amount, 0);
    const refunded = -sum("refund");
    const commissionRefunded = sum("commission_refund");
    const gross = vo.grossTotal;
    const lineCommissions = own.reduce((s, l) => s + l.commissionTotal, 0);
    const standing = opts.withMoney ? await moneyStanding(env, vo, { refunded, holdDays, now }) : null;
    sellers.push({
      vendorOrderId: vo.id,
      vendor: { id: vo.vendorId, name, handle },
      status: vo.status,
      shipping: money(vo.shippingTotal),
      shipment: parcelView(parcels, vo.shipmentId),
      shippedAt: vo.shippedAt,
      deliveredAt: vo.deliveredAt,
      lines: own.map((l) => {
        const paid = l.lineTotal - l.discountTotal;
        return {
          orderLineId: l.id,
          sku: l.sku,
          name: l.name,
          variantTitle: l.variantTitle,
          quantity: l.quantity,
          paid: money(paid),
          commission: opts.withMoney
            ? {
                ruleId: l.commissionRuleId,
                scope: rules.find((r) => r.id === l.commissionRuleId)?.scope ?? null,
                kind: l.commissionBps !== null ? ("percent" as const) : l.commissionFixed !== null ? ("fixed" as const) : null,
                rateBps: l.commissionBps,
                fixedPerUnit: l.commissionFixed === null ? null : money(l.commissionFixed),
                amount: money(l.commissionTotal),
                net: money(paid - l.commissionTotal),
              }
            : null,
        };
      }),
      money:
        opts.withMoney && standing
          ? {
              goods: money(vo.subtotal - vo.discountTotal),
              tax: money(vo.taxTotal),
              sales: money(gross),
              commission: money(vo.commissionTotal),
              shippingCommission: money(vo.commissionTotal - lineCommissions),
              net: money(gross - vo.commissionTotal),
              refunded: money(refunded),
              commissionRefunded: money(commissionRefunded),
              ...standing,
            }
          : null,
    });
  }

  const vendorShipping = vos.reduce((s, v) => s + v.vo.shippingTotal, 0);
  const storeLines = lines.filter((l) => !l.vendorOrderId);
  const store = opts.withMoney
    ? {
        goods: money(storeLines.reduce((s, l) => s + l.lineTotal - l.discountTotal, 0)),
        commissions: money(vos.reduce((s, v) => s + v.vo.commissionTotal, 0)),
        commissionsRefunded: money(ledger.filter((e) => e.kind === "commission_refund").reduce((s, e) => s + e.amount, 0)),
        shipping: money(order.shippingTotal - vendorShipping),
        tax: money(order.taxTotal + order.dutiesTotal),
      }
    : null;
  return { holdDays: opts.withMoney ? holdDays : null, sellers, store };
}
export type AdminMarketplace = NonNullable<Awaited<ReturnType<typeof adminMarketplaceOf>>>;

/**
 * Where one vendor order's money stands. Payouts name the vendor orders they cover (`payout_items`): a Stripe
 * transfer covers one, a manual bank transfer may cover several, and an item without a payout is a vendor order
 * whose net went entirely to pay back what the seller owed. A failed payout credited the money back, so its items
 * do not count.
 */
async function moneyStanding(env: Env, vo: typeof vendorOrders.$inferSelect, ctx: { refunded: number; holdDays: number; now: number }) {
  const none = { state: "held" as SellerMoneyState, heldUntil: null as string | null, payout: null as null | PayoutRef };
  if (vo.status === "pending_payment") return { ...none, state: "awaiting_payment" as const };
  if (vo.status === "cancelled" || (vo.grossTotal > 0 && ctx.refunded >= vo.grossTotal)) return { ...none, state: "reversed" as const };
  if (vo.status !== "delivered" || !vo.deliveredAt) return none;
  const db = getDb(env.DB);
  const items = await db
    .select({ payout: payouts })
    .from(payoutItems)
    .leftJoin(payouts, eq(payouts.id, payoutItems.payoutId))
    .where(eq(payoutItems.vendorOrderId, vo.id))
    .orderBy(asc(payoutItems.createdAt))
    .all();
  const paidBy = items.find((i) => i.payout && (i.payout.status === "pending" || i.payout.status === "paid"))?.payout;
  if (paidBy) {
    return {
      ...none,
      state: "paid" as const,
      payout: { id: paidBy.id, status: paidBy.status, provider: paidBy.provider, createdAt: paidBy.createdAt, paidAt: paidBy.paidAt },
    };
  }
  // Netted: the whole net paid back a debt, so nothing was sent and nothing is left to pay.
  if (items.some((i) => !i.payout)) return { ...none, state: "paid" as const };
  const releaseAt = Date.parse(vo.deliveredAt) + ctx.holdDays * DAY_MS;
  if (releaseAt > ctx.now) return { ...none, heldUntil: new Date(releaseAt).toISOString() };
  return { ...none, state: "payable" as const };
}

interface PayoutRef {
  id: string;
  status: (typeof payouts.$inferSelect)["status"];
  provider: (typeof payouts.$inferSelect)["provider"];
  createdAt: string;
  paidAt: string | null;
}
