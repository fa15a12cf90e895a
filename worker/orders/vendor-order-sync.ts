import { allocate, ledgerEntryStatement, registerOrderNumbers, registerSaleHoldStart, registerSaleRelease } from "../vendors";
import type { OrderStatus, VendorOrderStatus } from "./tables";

// A seller's sale becomes payable a hold period after ITS parcel was delivered (each seller ships its own), so
// the return window has run on it before the money leaves. A vendor order that will never be delivered because
// it was cancelled or refunded in full is released at once: its refund entries net the sale to nothing.
registerSaleRelease(
  (cutoff) => `exists (select 1 from vendor_orders vo where vo.id = l.vendor_order_id and (
     (vo.status = 'delivered' and vo.delivered_at <= ${cutoff})
     or vo.status = 'cancelled'
     or coalesce((select -sum(r.amount) from vendor_ledger r where r.vendor_order_id = vo.id and r.kind = 'refund'), 0) >= vo.gross_total))`,
);

// The hold starts when the seller's parcel is delivered (the seller's "next payout" date counts from it).
registerSaleHoldStart("(select vo.delivered_at from vendor_orders vo where vo.id = l.vendor_order_id and vo.status = 'delivered')");

// A seller's payouts name the orders they pay by the number the seller sees on its orders.
registerOrderNumbers(async (env, orderIds) => {
  const rows = await env.DB.prepare(`select id, number from orders where id in (select value from json_each(?))`)
    .bind(JSON.stringify(orderIds))
    .all<{ id: string; number: string }>();
  return new Map(rows.results.map((r) => [r.id, r.number]));
});

// Statements that keep vendor orders in step with their order and parcels. They live apart from the services
// so the order's own transitions and tracking can include them in their batches without an import circle.

/**
 * What the vendor orders do when their order moves to `to`, for the same batch as the order's transition.
 * Each update applies only if the order really is in `to` by then, so a transition that lost a race changes
 * no vendor order; and only from the statuses named, so replaying it changes nothing.
 */
export function vendorOrderFollowStatements(d1: D1Database, orderId: string, to: OrderStatus, at: string) {
  const follow = (next: VendorOrderStatus, from: VendorOrderStatus[], extra = "") =>
    d1
      .prepare(
        `update vendor_orders set status = ?1, updated_at = ?2${extra}
          where order_id = ?3 and status in (${from.map((s) => `'${s}'`).join(", ")})
            and exists (select 1 from orders where id = ?3 and status = ?4)`,
      )
      .bind(next, at, orderId, to);
  switch (to) {
    case "paid":
      return [follow("paid", ["pending_payment"])];
    case "cancelled":
    case "refunded":
      // A parcel already on its way stays shipped; the money side (ledger) follows the refund itself.
      return [follow("cancelled", ["pending_payment", "paid"])];
    case "delivered":
      // The parcel's own delivery time (the carrier's) when it has one: the payout hold counts from it.
      return [
        follow(
          "delivered",
          ["shipped"],
          ", delivered_at = coalesce(delivered_at, (select s.delivered_at from shipments s where s.id = vendor_orders.shipment_id and s.status = 'delivered'), ?2)",
        ),
      ];
    default:
      return [];
  }
}

/** Marks the vendor order of a parcel delivered once the parcel is, for the tracking event's batch. Idempotent. */
export function vendorParcelDeliveredStatement(d1: D1Database, shipmentId: string, at: string) {
  return d1
    .prepare(
      `update vendor_orders set status = 'delivered', delivered_at = ?1, updated_at = ?1
        where shipment_id = ?2 and status = 'shipped' and exists (select 1 from shipments where id = ?2 and status = 'delivered')`,
    )
    .bind(at, shipmentId);
}

/** A vendor order's money as frozen at checkout: what the vendor earns before commission, and the commission. */
export interface VendorMoney {
  id: string;
  vendorId: string;
  currency: string;
  grossTotal: number;
  commissionTotal: number;
  /** The vendor order's share of the order's tax (what the shopper paid for it is gross + tax). */
  taxTotal: number;
  /** What refunds took back from the vendor so far, and the commission the store gave back with them. */
  refunded: number;
  commissionRefunded: number;
}

/** The vendor orders of an order with their money (read before a batch that writes ledger entries). */
export async function vendorMoneyOf(d1: D1Database, orderId: string): Promise<VendorMoney[]> {
  const rows = await d1
    .prepare(
      `select vo.id, vo.vendor_id as vendorId, vo.currency, vo.gross_total as grossTotal, vo.commission_total as commissionTotal, vo.tax_total as taxTotal,
              coalesce((select -sum(l.amount) from vendor_ledger l where l.vendor_order_id = vo.id and l.kind = 'refund'), 0) as refunded,
              coalesce((select sum(l.amount) from vendor_ledger l where l.vendor_order_id = vo.id and l.kind = 'commission_refund'), 0) as commissionRefunded
         from vendor_orders vo where vo.order_id = ? order by vo.id`,
    )
    .bind(orderId)
    .all<VendorMoney>();
  return rows.results;
}

/**
 * The sale and commission entries of each vendor order, for the batch that marks the order paid: written only
 * if the order is paid by then, once per vendor order (keys `sale:` and `commission:` + its id).
 */
export function vendorSaleStatements(d1: D1Database, orderId: string, vos: readonly VendorMoney[]) {
  const paid = { sql: "exists (select 1 from orders where id = ? and status = 'paid')", params: [orderId] };
  return vos.flatMap((vo) => [
    ledgerEntryStatement(
      d1,
      { vendorId: vo.vendorId, kind: "sale", amount: vo.grossTotal, currency: vo.currency, orderId, vendorOrderId: vo.id, key: `sale:${vo.id}` },
      paid,
    ),
    ledgerEntryStatement(
      d1,
      {
        vendorId: vo.vendorId,
        kind: "commission",
        amount: -vo.commissionTotal,
        currency: vo.currency,
        orderId,
        vendorOrderId: vo.id,
        key: `commission:${vo.id}`,
      },
      paid,
    ),
  ]);
}

/** The two entries that give back `back` of a vendor order's gross and the store's commission on it, keyed by `after`. */
function reversalEntries(d1: D1Database, orderId: string, vo: VendorMoney, back: number, commissionBack: number, after: number) {
  return [
    ledgerEntryStatement(d1, {
      vendorId: vo.vendorId,
      kind: "refund",
      amount: -back,
      currency: vo.currency,
      orderId,
      vendorOrderId: vo.id,
      key: `refund:${vo.id}:${after}`,
    }),
    ledgerEntryStatement(d1, {
      vendorId: vo.vendorId,
      kind: "commission_refund",
      amount: commissionBack,
      currency: vo.currency,
      orderId,
      vendorOrderId: vo.id,
      key: `commission_refund:${vo.id}:${after}`,
    }),
  ];
}

/**
 * The entries that reverse each vendor's share of a refund of the whole order that took the order's refunded
 * total from `before` to `after` (of `grandTotal`): the vendor gives back its gross in that proportion and the
 * store gives back the commission on it. Each share is the difference of two floors of the running total, so
 * however a refund is cut into parts the reversals add up to the same figure; never more than the vendor order
 * still has (after refunds of single lines), and a refund in full gives back exactly what is left. Keyed by the
 * vendor order and `after`, so a replayed refund writes nothing.
 */
export function vendorRefundStatements(d1: D1Database, order: { id: string; grandTotal: number }, vos: readonly VendorMoney[], before: number, after: number) {
  if (order.grandTotal <= 0 || after <= before) return [];
  const share = (amount: number, refunded: number) => Math.floor((amount * Math.min(refunded, order.grandTotal)) / order.grandTotal);
  const full = after >= order.grandTotal;
  return vos.flatMap((vo) => {
    const left = vo.grossTotal - vo.refunded;
    const back = full ? left : Math.min(left, share(vo.grossTotal, after) - share(vo.grossTotal, before));
    const commissionLeft = vo.commissionTotal - vo.commissionRefunded;
    const commissionBack = full ? commissionLeft : Math.min(commissionLeft, share(vo.commissionTotal, after) - share(vo.commissionTotal, before));
    return reversalEntries(d1, order.id, vo, back, commissionBack, after);
  });
}

/** What a refund of given order lines is about: each line's vendor order (null: the store's own) and its part of the refund. */
export interface RefundedLine {
  vendorOrderId: string | null;
  /** The line's weight in the refund (what the shopper paid for the refunded units); the amount is split by it. */
  weight: number;
}

/**
 * The entries of a refund of given lines (a return): the amount is split over the lines by weight (largest
 * remainder, so the parts add up), and only the vendors of those lines give back, each the gross part of its
 * lines' share (the share less its tax: gross ÷ (gross + tax)), never more than its vendor order has left; the
 * store gives back its commission in the same proportion. The store's own lines take their part from nobody.
 */
export function vendorLineRefundStatements(
  d1: D1Database,
  orderId: string,
  vos: readonly VendorMoney[],
  lines: readonly RefundedLine[],
  amount: number,
  after: number,
) {
  if (amount <= 0 || lines.length === 0) return [];
  const parts = allocate(
    amount,
    lines.map((l) => l.weight),
  );
  const byVo = new Map<string, number>();
  lines.forEach((l, i) => {
    if (l.vendorOrderId) byVo.set(l.vendorOrderId, (byVo.get(l.vendorOrderId) ?? 0) + (parts[i] ?? 0));
  });
  return vos.flatMap((vo) => {
    const part = byVo.get(vo.id) ?? 0;
    const charged = vo.grossTotal + vo.taxTotal;
    if (part <= 0 || charged <= 0) return [];
    const back = Math.min(vo.grossTotal - vo.refunded, Math.floor((part * vo.grossTotal) / charged));
    const commissionBack =
      vo.grossTotal > 0 ? Math.min(vo.commissionTotal - vo.commissionRefunded, Math.floor((back * vo.commissionTotal) / vo.grossTotal)) : 0;
    return reversalEntries(d1, orderId, vo, back, commissionBack, after);
  });
}
