import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { vendorPayoutSummary } from "../../worker/vendors";
import { buy } from "../support/orders";
import { runPayoutsNow } from "../support/payouts";
import { carrierEvent } from "../support/returns";
import { insertVendor, sellerProduct, vendorMember } from "../support/vendors-money";

// Whole purchases run inside each test; on a busy machine they take longer than the 5 s default.
vi.setConfig({ testTimeout: 90_000, hookTimeout: 60_000 });

const DAY = 86_400_000;
type Member = Awaited<ReturnType<typeof vendorMember>>;
let sellerA: { id: string };
let sellerB: { id: string };
let ownerA: Member;
let ownerB: Member;

beforeAll(async () => {
  sellerA = await insertVendor({ name: "Aspen Hold" });
  sellerB = await insertVendor({ name: "Beech Hold" });
  [ownerA, ownerB] = await Promise.all([vendorMember(sellerA.id), vendorMember(sellerB.id)]);
  await sellerProduct("HLD-A", sellerA.id, 2_000);
  await sellerProduct("HLD-B", sellerB.id, 4_000);
});

interface Vo {
  id: string;
  vendorId: string;
  net: number;
}
const vendorOrderOf = async (orderId: string, vendorId: string) =>
  (await env.DB.prepare("select id, vendor_id as vendorId, gross_total - commission_total as net from vendor_orders where order_id = ? and vendor_id = ?")
    .bind(orderId, vendorId)
    .first<Vo>()) as Vo;
const paidTo = async (vendorId: string) =>
  (await env.DB.prepare("select amount from payouts where vendor_id = ? order by created_at, id").bind(vendorId).all<{ amount: number }>()).results.map(
    (p) => p.amount,
  );

/** The seller ships its part of the order in /vendor; answers the tracking number. */
async function ship(member: Member, vo: Vo) {
  const trackingNumber = `1Z${crypto.randomUUID().replace(/-/g, "").slice(0, 14)}`;
  const res = await member.send(`/api/vendor/orders/${vo.id}/shipments`, "POST", { carrier: "UPS", trackingNumber });
  expect(res.status, await res.clone().text()).toBe(200);
  return trackingNumber;
}
/** The carrier's signed webhook says the parcel was delivered at `at`. */
async function delivered(trackingNumber: string, at = Date.now()) {
  const res = await carrierEvent({ eventId: `ev-${crypto.randomUUID()}`, trackingNumber, status: "delivered", occurredAt: new Date(at).toISOString() });
  expect(res.status).toBe(200);
}

describe("the payout hold counts from each seller's delivery", () => {
  it("pays a seller its sale only a hold period after ITS parcel was delivered, never before, and never for an undelivered one", async () => {
    const order = await buy([
      { sku: "HLD-A", quantity: 2 },
      { sku: "HLD-B", quantity: 1 },
    ]);
    const a = await vendorOrderOf(order.orderId, sellerA.id);
    const b = await vendorOrderOf(order.orderId, sellerB.id);
    // Paid, not shipped: even sixty days after the payment nothing is payable.
    await runPayoutsNow({ now: Date.now() + 60 * DAY });
    expect(await paidTo(sellerA.id)).toEqual([]);
    expect(await paidTo(sellerB.id)).toEqual([]);

    const trackingA = await ship(ownerA, a);
    const trackingB = await ship(ownerB, b);
    // Shipped is not delivered.
    await runPayoutsNow({ now: Date.now() + 60 * DAY });
    expect(await paidTo(sellerA.id)).toEqual([]);

    // A's parcel arrives today; B's stays on its way. The hold is the store's return window (30 days by default).
    await delivered(trackingA);
    await runPayoutsNow({ now: Date.now() + 29 * DAY });
    expect(await paidTo(sellerA.id)).toEqual([]);
    await runPayoutsNow({ now: Date.now() + 31 * DAY });
    expect(await paidTo(sellerA.id)).toEqual([a.net]);
    expect(await paidTo(sellerB.id)).toEqual([]);

    // B's parcel arrives ten days later: B is paid a full hold period after that, not after A's delivery.
    await delivered(trackingB, Date.now() + 10 * DAY);
    await runPayoutsNow({ now: Date.now() + 35 * DAY });
    expect(await paidTo(sellerB.id)).toEqual([]);
    await runPayoutsNow({ now: Date.now() + 41 * DAY });
    expect(await paidTo(sellerB.id)).toEqual([b.net]);
    // The carrier's webhook delivered twice changes nothing, and nothing is paid twice.
    await delivered(trackingA);
    await runPayoutsNow({ now: Date.now() + 90 * DAY });
    expect(await paidTo(sellerA.id)).toEqual([a.net]);
    expect(await paidTo(sellerB.id)).toEqual([b.net]);
  });

  it("holds a delivered sale while a return of its lines is open, and releases it when the return closes", async () => {
    const seller = await insertVendor({ name: "Cherry Hold" });
    const owner = await vendorMember(seller.id);
    await sellerProduct("HLD-C", seller.id, 3_000);
    const order = await buy([{ sku: "HLD-C", quantity: 1 }]);
    const vo = await vendorOrderOf(order.orderId, seller.id);
    await delivered(await ship(owner, vo));
    const line = await env.DB.prepare("select id, name from order_lines where order_id = ?").bind(order.orderId).first<{ id: string; name: string }>();
    const returnId = `ret_hold${crypto.randomUUID().slice(0, 8)}`;
    await env.DB.prepare(
      "insert into returns (id, number, order_id, status, resolution, currency, requested_by) values (?, ?, ?, 'requested', 'refund', 'USD', 'guest')",
    )
      .bind(returnId, `R-${returnId.slice(-8).toUpperCase()}`, order.orderId)
      .run();
    await env.DB.prepare("insert into return_lines (id, return_id, order_line_id, sku, name, quantity, reason) values (?, ?, ?, 'HLD-C', ?, 1, 'Too small')")
      .bind(`rtl_${returnId}`, returnId, line?.id, line?.name)
      .run();

    // Past the hold, but a return is open on the sale: not payable, whatever its state short of closed.
    for (const status of ["requested", "approved", "in_transit", "received"]) {
      await env.DB.prepare("update returns set status = ? where id = ?").bind(status, returnId).run();
      await runPayoutsNow({ now: Date.now() + 40 * DAY });
      expect(await paidTo(seller.id), status).toEqual([]);
    }
    // The return is rejected (the shopper keeps the goods): the sale is payable again.
    await env.DB.prepare("update returns set status = 'rejected' where id = ?").bind(returnId).run();
    await runPayoutsNow({ now: Date.now() + 40 * DAY });
    expect(await paidTo(seller.id)).toEqual([vo.net]);
  });

  it("the seller's balance card counts an undelivered sale as held, and as available once the hold has run", async () => {
    const seller = await insertVendor({ name: "Damson Hold" });
    const owner = await vendorMember(seller.id);
    await sellerProduct("HLD-D", seller.id, 2_500);
    const order = await buy([{ sku: "HLD-D", quantity: 1 }]);
    const vo = await vendorOrderOf(order.orderId, seller.id);
    expect(await vendorPayoutSummary(env, seller.id, "USD")).toMatchObject({ available: { amount: 0 }, held: { amount: vo.net }, balance: { amount: vo.net } });
    await delivered(await ship(owner, vo), Date.now() - 31 * DAY);
    expect(await vendorPayoutSummary(env, seller.id, "USD")).toMatchObject({ available: { amount: vo.net }, held: { amount: 0 } });
  });
});
