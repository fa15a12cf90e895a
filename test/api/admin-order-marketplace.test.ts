import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { assignStaffRole, createStaffRole } from "../../worker/accounts";
import { actors, type AdminOrderView, refundOrder } from "../../worker/orders";
import { insertUser } from "../support/factories";
import { freshIp, json } from "../support/http";
import { buy } from "../support/orders";
import { runPayoutsNow } from "../support/payouts";
import { carrierEvent } from "../support/returns";
import { type Caller, passwordSignIn, send, signIn } from "../support/staff";
import { insertCommissionRule, insertVendor, sellerProduct, vendorMember } from "../support/vendors-money";

// Whole purchases run inside each test; on a busy machine they take longer than the 5 s default.
vi.setConfig({ testTimeout: 90_000, hookTimeout: 60_000 });

const DAY = 86_400_000;
type Member = Awaited<ReturnType<typeof vendorMember>>;
type Part = NonNullable<AdminOrderView["marketplace"]>["sellers"][number];
let alder: { id: string; name: string };
let birch: { id: string; name: string };
let ownerA: Member;
let admin: Caller;
let support: Caller;
const ALDER_BPS = 1_000; // 10 % of the goods
const BIRCH_FEE = 150; // per unit

beforeAll(async () => {
  alder = await insertVendor({ name: "Alder Admin Co" });
  birch = await insertVendor({ name: "Birch Admin Co" });
  ownerA = await vendorMember(alder.id);
  await insertCommissionRule({ scope: "vendor", target: alder.id, kind: "percent", rateBps: ALDER_BPS });
  await insertCommissionRule({ scope: "vendor", target: birch.id, kind: "fixed", fixedAmount: BIRCH_FEE });
  await sellerProduct("MAO-STORE", null, 1_500);
  await sellerProduct("MAO-A", alder.id, 2_000);
  await sellerProduct("MAO-B", birch.id, 4_200);
  [admin, support] = await Promise.all([signIn("admin"), signIn("support")]);
});

const view = async (who: Caller, orderId: string): Promise<AdminOrderView> => {
  const res = await send(`/api/admin/orders/${orderId}`, "GET", who.headers);
  expect(res.status, await res.clone().text()).toBe(200);
  return json(res);
};
const partOf = (v: AdminOrderView, vendorId: string) => v.marketplace?.sellers.find((s) => s.vendor.id === vendorId) as Part;
const voId = async (orderId: string, vendorId: string) =>
  (await env.DB.prepare("select id from vendor_orders where order_id = ? and vendor_id = ?").bind(orderId, vendorId).first<{ id: string }>())?.id as string;

async function shipAndDeliver(member: Member, vendorOrderId: string, deliveredAt: number) {
  const trackingNumber = `1Z${crypto.randomUUID().replace(/-/g, "").slice(0, 14)}`;
  const shipped = await member.send(`/api/vendor/orders/${vendorOrderId}/shipments`, "POST", { carrier: "UPS", trackingNumber });
  expect(shipped.status, await shipped.clone().text()).toBe(200);
  const res = await carrierEvent({
    eventId: `ev-${crypto.randomUUID()}`,
    trackingNumber,
    status: "delivered",
    occurredAt: new Date(deliveredAt).toISOString(),
  });
  expect(res.status).toBe(200);
  return trackingNumber;
}

describe("GET /api/admin/orders/{id}: the marketplace side of an order", () => {
  it("groups the order by seller with each line's frozen rule, commission and net, the sellers' totals and what the store keeps", async () => {
    const order = await buy([
      { sku: "MAO-A", quantity: 2 },
      { sku: "MAO-B", quantity: 1 },
      { sku: "MAO-STORE", quantity: 1 },
    ]);
    const v = await view(admin, order.orderId);
    expect(v.tax.inclusive).toBe(false);
    const m = v.marketplace;
    expect(m?.sellers.map((s) => [s.vendor.name, s.vendor.handle.length > 0, s.status, s.shipment])).toEqual([
      ["Alder Admin Co", true, "paid", null],
      ["Birch Admin Co", true, "paid", null],
    ]);
    const a = partOf(v, alder.id);
    const b = partOf(v, birch.id);

    // Independent arithmetic from the prices and the two rules (no tax or shipping in either rule).
    const aGoods = 2 * 2_000;
    const aCommission = (aGoods * ALDER_BPS) / 10_000; // 400
    const bGoods = 4_200;
    const bCommission = 1 * BIRCH_FEE; // 150
    expect(a.lines).toEqual([
      {
        orderLineId: expect.any(String),
        sku: "MAO-A",
        name: "Item MAO-A",
        variantTitle: "Default",
        quantity: 2,
        paid: { amount: aGoods, currency: "USD" },
        commission: {
          ruleId: expect.any(String),
          scope: "vendor",
          kind: "percent",
          rateBps: ALDER_BPS,
          fixedPerUnit: null,
          amount: { amount: aCommission, currency: "USD" },
          net: { amount: aGoods - aCommission, currency: "USD" },
        },
      },
    ]);
    expect(b.lines[0]?.commission).toMatchObject({
      kind: "fixed",
      rateBps: null,
      fixedPerUnit: { amount: BIRCH_FEE },
      amount: { amount: bCommission },
      net: { amount: bGoods - bCommission },
    });

    // Each seller's shipping is its own parcel's; with the store's own parcel they make the order's shipping.
    const aShip = a.shipping.amount;
    const bShip = b.shipping.amount;
    expect(aShip).toBeGreaterThan(0);
    expect(aShip + bShip + (m?.store?.shipping.amount ?? -1)).toBe(v.totals.shipping.amount);
    expect(a.money).toMatchObject({
      goods: { amount: aGoods },
      sales: { amount: aGoods + aShip },
      commission: { amount: aCommission },
      shippingCommission: { amount: 0 },
      net: { amount: aGoods + aShip - aCommission },
      refunded: { amount: 0 },
      state: "held",
      heldUntil: null,
      payout: null,
    });
    expect(b.money).toMatchObject({ sales: { amount: bGoods + bShip }, commission: { amount: bCommission }, net: { amount: bGoods + bShip - bCommission } });
    expect(m?.store).toMatchObject({
      goods: { amount: 1_500 },
      commissions: { amount: aCommission + bCommission },
      tax: { amount: v.totals.tax.amount + v.totals.duties.amount },
    });

    // To the cent: the sellers' nets, the commissions and what the store sold, shipped and taxed are the charge.
    const nets = (a.money?.net.amount ?? 0) + (b.money?.net.amount ?? 0);
    const store = m?.store;
    expect(nets + (store?.commissions.amount ?? 0) + (store?.goods.amount ?? 0) + (store?.shipping.amount ?? 0) + (store?.tax.amount ?? 0)).toBe(
      v.totals.grandTotal.amount,
    );
    // And the page's figures are the ledger's: the sale and the commission booked for each vendor order.
    for (const part of [a, b]) {
      const rows = (
        await env.DB.prepare("select kind, amount from vendor_ledger where vendor_order_id = ? order by kind")
          .bind(part.vendorOrderId)
          .all<{ kind: string; amount: number }>()
      ).results;
      expect(rows).toEqual([
        { kind: "commission", amount: -(part.money?.commission.amount ?? 0) },
        { kind: "sale", amount: part.money?.sales.amount },
      ]);
    }
  });

  it("follows the seller's money: held until a date after delivery, payable, then paid in a named payout", async () => {
    const order = await buy([
      { sku: "MAO-A", quantity: 1 },
      { sku: "MAO-B", quantity: 1 },
    ]);
    const aVo = await voId(order.orderId, alder.id);
    const deliveredAt = Date.now() - 3 * DAY;
    const tracking = await shipAndDeliver(ownerA, aVo, deliveredAt);

    let v = await view(admin, order.orderId);
    const hold = v.marketplace?.holdDays ?? 0;
    expect(hold).toBeGreaterThan(3);
    let a = partOf(v, alder.id);
    expect(a.status).toBe("delivered");
    expect(a.shipment).toMatchObject({ carrier: "ups", trackingNumber: tracking, status: "delivered" });
    expect(a.money?.state).toBe("held");
    expect(Date.parse(a.money?.heldUntil ?? "")).toBe(Date.parse(a.deliveredAt ?? "") + hold * DAY);
    // The other seller has not shipped: held with no date yet.
    expect(partOf(v, birch.id).money).toMatchObject({ state: "held", heldUntil: null });

    // The hold has run (the parcel was delivered longer ago than the hold): payable, then a run pays it.
    await env.DB.prepare("update vendor_orders set delivered_at = ? where id = ?")
      .bind(new Date(Date.now() - (hold + 1) * DAY).toISOString(), aVo)
      .run();
    expect(partOf(await view(admin, order.orderId), alder.id).money?.state).toBe("payable");
    const run = await runPayoutsNow();
    const payout = run.created.find((p) => p.vendorId === alder.id);
    expect(payout).toBeTruthy();
    v = await view(admin, order.orderId);
    a = partOf(v, alder.id);
    expect(a.money).toMatchObject({ state: "paid", payout: { id: payout?.id, status: "pending", provider: "manual" } });

    const marked = await send(`/api/admin/payouts/${payout?.id}/paid`, "POST", admin.headers, { reference: "BANK-42" });
    expect(marked.status, await marked.clone().text()).toBe(200);
    expect(partOf(await view(admin, order.orderId), alder.id).money?.payout).toMatchObject({ id: payout?.id, status: "paid", paidAt: expect.any(String) });
  });

  it("says a seller's money was reversed when a refund took back its whole part", async () => {
    const order = await buy([
      { sku: "MAO-A", quantity: 1 },
      { sku: "MAO-B", quantity: 1 },
    ]);
    await refundOrder(env, order.orderId, undefined, "Shopper changed their mind", { actor: actors.system, origin: "http://store.test" });
    const v = await view(admin, order.orderId);
    for (const part of v.marketplace?.sellers ?? []) {
      expect(part.money?.state).toBe("reversed");
      expect(part.money?.refunded.amount).toBe(part.money?.sales.amount);
      expect(part.money?.commissionRefunded.amount).toBe(part.money?.commission.amount);
    }
    const commissions = (v.marketplace?.sellers ?? []).reduce((s, p) => s + (p.money?.commission.amount ?? 0), 0);
    expect(v.marketplace?.store?.commissionsRefunded.amount).toBe(commissions);
  });

  it("staff without the vendors permission see the sellers' parts and parcels, but no commissions or payouts", async () => {
    const order = await buy([
      { sku: "MAO-A", quantity: 1 },
      { sku: "MAO-B", quantity: 1 },
    ]);
    const v = await view(support, order.orderId);
    expect(v.marketplace?.holdDays).toBeNull();
    expect(v.marketplace?.store).toBeNull();
    expect(v.marketplace?.sellers.map((s) => [s.vendor.name, s.status, s.money, s.lines.map((l) => l.commission)])).toEqual([
      ["Alder Admin Co", "paid", null, [null]],
      ["Birch Admin Co", "paid", null, [null]],
    ]);
    const body = JSON.stringify(v);
    expect(body).not.toContain("commissionRefunded");
    expect(body).not.toContain('"rateBps"');
  });

  it("the vendors permission decides, not the account role: a support member holding it sees the money, an admin without it does not", async () => {
    const order = await buy([{ sku: "MAO-A", quantity: 1 }]);
    const setup = { actorId: "usr_mao_setup", actorEmail: "setup@mao.test", requestId: null };
    const withVendors = await createStaffRole(env, setup, { name: "Marketplace desk", permissions: ["vendors"] });
    const ordersOnly = await createStaffRole(env, setup, { name: "Order desk", permissions: ["orders", "refunds"] });
    const as = async (role: "support" | "admin", staffRole: string): Promise<Caller> => {
      const user = await insertUser(env.DB, { role });
      await assignStaffRole(env, setup, user.id, staffRole);
      const res = await passwordSignIn(user, { "CF-Connecting-IP": freshIp() });
      expect(res.status).toBe(200);
      return { id: user.id, email: user.email, role, headers: { Authorization: `Bearer ${(await json(res)).accessToken}` } };
    };
    const desk = await view(await as("support", withVendors.id), order.orderId);
    expect(partOf(desk, alder.id).money?.commission.amount).toBe((2_000 * ALDER_BPS) / 10_000);
    const orderDesk = await view(await as("admin", ordersOnly.id), order.orderId);
    expect(orderDesk.marketplace?.store).toBeNull();
    expect(partOf(orderDesk, alder.id)).toMatchObject({ status: "paid", money: null, lines: [{ sku: "MAO-A", commission: null }] });
  });

  it("an order of the store's own products has no marketplace part", async () => {
    const order = await buy([{ sku: "MAO-STORE", quantity: 1 }]);
    expect((await view(admin, order.orderId)).marketplace).toBeNull();
  });
});
