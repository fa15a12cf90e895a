import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { vendorPayoutSummary } from "../../worker/vendors";
import { json } from "../support/http";
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

  it("GET /api/vendor/payouts/summary: no next payout while nothing has a date, then the earliest release date and its amount, then available now", async () => {
    const seller = await insertVendor({ name: "Elder Hold" });
    const owner = await vendorMember(seller.id);
    const finance = await vendorMember(seller.id, "finance");
    const catalog = await vendorMember(seller.id, "catalog");
    await sellerProduct("HLD-E", seller.id, 3_100);
    const o1 = await buy([{ sku: "HLD-E", quantity: 1 }]);
    const o2 = await buy([{ sku: "HLD-E", quantity: 2 }]);
    const v1 = await vendorOrderOf(o1.orderId, seller.id);
    const v2 = await vendorOrderOf(o2.orderId, seller.id);
    const summary = async (member: Member = finance) => {
      const res = await member.send("/api/vendor/payouts/summary");
      expect(res.status).toBe(200);
      return json(res);
    };
    const usd = (amount: number) => ({ amount, currency: "USD" });

    // Paid, not delivered: all held, and nothing is due yet (no sale has a date).
    expect(await summary()).toMatchObject({ balance: usd(v1.net + v2.net), available: usd(0), held: usd(v1.net + v2.net), nextPayout: null });
    // Finance members and owners read it; a catalog member does not.
    expect((await catalog.send("/api/vendor/payouts/summary")).status).toBe(403);

    // v1 delivered ten days ago, v2 three days ago: the next payout is v1's net, a hold period after v1's delivery.
    const d1 = Date.now() - 10 * DAY;
    const d2 = Date.now() - 3 * DAY;
    await delivered(await ship(owner, v1), d1);
    await delivered(await ship(owner, v2), d2);
    const dated = await summary(owner);
    const hold = dated.holdDays as number;
    expect(hold).toBe(30);
    expect(dated).toMatchObject({ available: usd(0), held: usd(v1.net + v2.net) });
    expect(dated.nextPayout).toEqual({ amount: usd(v1.net), availableNow: false, payableAt: new Date(d1 + hold * DAY).toISOString() });
    // The page reads the same service.
    expect((await vendorPayoutSummary(env, seller.id, "USD")).nextPayout).toEqual(dated.nextPayout);

    // Once v1's hold has run it is available now; after the run pays it, v2's date is next.
    expect((await vendorPayoutSummary(env, seller.id, "USD", d1 + hold * DAY + 1_000)).nextPayout).toEqual({
      amount: usd(v1.net),
      availableNow: true,
      payableAt: null,
    });
    await runPayoutsNow({ now: d1 + hold * DAY + 1_000 });
    expect(await paidTo(seller.id)).toEqual([v1.net]);
    expect((await summary()).nextPayout).toEqual({ amount: usd(v2.net), availableNow: false, payableAt: new Date(d2 + hold * DAY).toISOString() });

    // A return opened on v2's line takes its date away: nothing is due until the return closes.
    const line = await env.DB.prepare("select id, name from order_lines where order_id = ?").bind(o2.orderId).first<{ id: string; name: string }>();
    const returnId = `ret_next${crypto.randomUUID().slice(0, 8)}`;
    await env.DB.batch([
      env.DB.prepare(
        "insert into returns (id, number, order_id, status, resolution, currency, requested_by) values (?, ?, ?, 'requested', 'refund', 'USD', 'guest')",
      ).bind(returnId, `R-${returnId.slice(-8).toUpperCase()}`, o2.orderId),
      env.DB.prepare("insert into return_lines (id, return_id, order_line_id, sku, name, quantity, reason) values (?, ?, ?, 'HLD-E', ?, 1, 'Too small')").bind(
        `rtl_${returnId}`,
        returnId,
        line?.id,
        line?.name,
      ),
    ]);
    expect((await summary()).nextPayout).toBeNull();
    await env.DB.prepare("update returns set status = 'rejected' where id = ?").bind(returnId).run();
    expect((await summary()).nextPayout).toEqual({ amount: usd(v2.net), availableNow: false, payableAt: new Date(d2 + hold * DAY).toISOString() });
  });
});
