import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { refundOrder } from "../../worker/orders";
import { buy, signedIn } from "../support/orders";
import { runPayoutsNow } from "../support/payouts";
import { carrierEvent } from "../support/returns";
import { insertCommissionRule, insertVendor, sellerProduct, vendorMember } from "../support/vendors-money";

// Whole purchases run inside each test; on a busy machine they take longer than the 5 s default.
vi.setConfig({ testTimeout: 90_000, hookTimeout: 60_000 });

const DAY = 86_400_000;
// A refund with no staff behind it (as a system job makes): no audit entry, no second factor.
const ctx = { actor: { kind: "system" as const }, origin: "http://store.test" };

interface Vo {
  id: string;
  vendorId: string;
  gross: number;
  commission: number;
  tax: number;
}
const vendorOrders = async (orderId: string) =>
  (
    await env.DB.prepare(
      "select id, vendor_id as vendorId, gross_total as gross, commission_total as commission, tax_total as tax from vendor_orders where order_id = ?",
    )
      .bind(orderId)
      .all<Vo>()
  ).results;
const orderBalance = async (vendorId: string, orderId: string) =>
  (
    await env.DB.prepare("select coalesce(sum(amount), 0) as n from vendor_ledger where vendor_id = ? and order_id = ?")
      .bind(vendorId, orderId)
      .first<{ n: number }>()
  )?.n;
const balance = async (vendorId: string) =>
  (await env.DB.prepare("select coalesce(sum(amount), 0) as n from vendor_ledger where vendor_id = ?").bind(vendorId).first<{ n: number }>())?.n ?? 0;
const lineOf = async (orderId: string, sku: string) =>
  (await env.DB.prepare("select id, unit_price * quantity as paid from order_lines where order_id = ? and sku = ?")
    .bind(orderId, sku)
    .first<{ id: string; paid: number }>()) as {
    id: string;
    paid: number;
  };

let sellerA: { id: string };
let sellerB: { id: string };
beforeAll(async () => {
  sellerA = await insertVendor({ name: "Alder Goods" });
  sellerB = await insertVendor({ name: "Birch Supply" });
  await sellerProduct("LR-A1", sellerA.id, 2_000);
  await sellerProduct("LR-B1", sellerB.id, 4_200);
  await sellerProduct("LR-S1", null, 1_000);
  await insertCommissionRule({ scope: "store", target: "", rateBps: 1_000 });
});

describe("a refund of returned lines", () => {
  it("is charged to the seller of those lines only; a later refund in full brings every balance to zero", async () => {
    const order = await buy([
      { sku: "LR-A1", quantity: 1 },
      { sku: "LR-B1", quantity: 1 },
      { sku: "LR-S1", quantity: 1 },
    ]);
    const vos = await vendorOrders(order.orderId);
    const a = vos.find((v) => v.vendorId === sellerA.id) as Vo;
    const bBefore = await orderBalance(sellerB.id, order.orderId);
    const lineA = await lineOf(order.orderId, "LR-A1");

    await refundOrder(env, order.orderId, 1_500, "Return of LR-A1", ctx, [{ orderLineId: lineA.id, weight: lineA.paid }]);
    const back = Math.floor((1_500 * a.gross) / (a.gross + a.tax));
    const commissionBack = Math.floor((back * a.commission) / a.gross);
    expect(await orderBalance(sellerA.id, order.orderId)).toBe(a.gross - a.commission - back + commissionBack);
    expect(await orderBalance(sellerB.id, order.orderId)).toBe(bBefore);

    // A return of the store's own line takes nothing from any seller.
    const lineS = await lineOf(order.orderId, "LR-S1");
    await refundOrder(env, order.orderId, 500, "Return of LR-S1", ctx, [{ orderLineId: lineS.id, weight: lineS.paid }]);
    expect(await orderBalance(sellerA.id, order.orderId)).toBe(a.gross - a.commission - back + commissionBack);
    expect(await orderBalance(sellerB.id, order.orderId)).toBe(bBefore);

    // The rest of the order, refunded as a whole: everything left goes back, to the cent.
    await refundOrder(env, order.orderId, undefined, "Everything else", ctx);
    expect(await orderBalance(sellerA.id, order.orderId)).toBe(0);
    expect(await orderBalance(sellerB.id, order.orderId)).toBe(0);
  });

  it("a refund during a payout run leaves the balance exact: one payout, and the refund either inside it or carried over", async () => {
    const c = await insertVendor({ name: "Cedar Crafts" });
    await sellerProduct("LR-C1", c.id, 3_000);
    const admin = await signedIn("admin");
    const order = await buy([{ sku: "LR-C1", quantity: 2 }]);
    const [vo] = (await vendorOrders(order.orderId)) as [Vo];
    const net = vo.gross - vo.commission;
    // The seller ships and the parcel is delivered: the hold counts from the delivery.
    const trackingNumber = `1Z${crypto.randomUUID().replace(/-/g, "").slice(0, 14)}`;
    const owner = await vendorMember(c.id);
    expect((await owner.send(`/api/vendor/orders/${vo.id}/shipments`, "POST", { carrier: "UPS", trackingNumber })).status).toBe(200);
    expect((await carrierEvent({ eventId: `ev-${crypto.randomUUID()}`, trackingNumber, status: "delivered" })).status).toBe(200);
    const later = Date.now() + 31 * DAY;
    const [run, refund] = await Promise.all([
      runPayoutsNow({ now: later }),
      admin.send(`/api/admin/orders/${order.orderId}/refunds`, "POST", { amount: 2_000, reason: "Damaged in transit" }),
    ]);
    expect(refund.status, await refund.clone().text()).toBe(200);
    const back = -(
      (await env.DB.prepare("select sum(amount) as n from vendor_ledger where vendor_id = ? and kind in ('refund', 'commission_refund')").bind(c.id).first<{
        n: number;
      }>()) ?? { n: 0 }
    ).n;
    expect(back).toBeGreaterThan(0);
    // A run that lost the race to the refund pays next time.
    if (!run.created.some((p) => p.vendorId === c.id)) await runPayoutsNow({ now: later });
    const payouts = (await env.DB.prepare("select amount from payouts where vendor_id = ?").bind(c.id).all<{ amount: number }>()).results;
    expect(payouts).toHaveLength(1);
    const paid = payouts[0]?.amount ?? 0;
    // Paid before the refund: the refund is owed back (negative); paid after: nothing is left.
    expect([net, net - back]).toContain(paid);
    expect(await balance(c.id)).toBe(net - back - paid);
  });
});
