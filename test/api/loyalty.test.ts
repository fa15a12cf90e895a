import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { addToCart } from "../../worker/cart";
import { placeOrder } from "../../worker/checkout";
import type { AppError } from "../../worker/lib/errors";
import { expireInactivePoints, forgetLoyaltySettings, maturePendingPoints } from "../../worker/loyalty";
import { actors, cancelOrder, refundOrder } from "../../worker/orders";
import { loyaltyMaturityCheck } from "../../worker/returns";
import { call, json, postJson } from "../support/http";
import { client, signedIn, stockProduct, US_ADDRESS } from "../support/orders";
import { type Caller, send, staffByRole } from "../support/staff";

let staff: { admin: Caller; support: Caller; customer: Caller; vendor: Caller };
type Member = Awaited<ReturnType<typeof signedIn>>;

const DAY = 86_400_000;
interface OrderMoney {
  subtotal: number;
  discount_total: number;
  shipping_total: number;
  tax_total: number;
  tax_inclusive: number;
  duties_total: number;
  grand_total: number;
}
const ctx = { actor: actors.system, origin: "http://store.test" };

const pay = (redirectUrl: string, outcome: "succeeded" | "failed" = "succeeded") =>
  postJson(`/api/checkout/test-payments/${redirectUrl.split("/").pop()}`, { outcome });
const orderRow = (id: string) =>
  env.DB.prepare("select subtotal, discount_total, shipping_total, tax_total, tax_inclusive, duties_total, grand_total, status from orders where id = ?")
    .bind(id)
    .first<OrderMoney>();
const summary = async (m: Member) => json(await m.send("/api/loyalty"));
const give = async (userId: string, points: number, reason = "Test credit") => {
  const res = await send("/api/admin/loyalty/adjustments", "POST", staff.admin.headers, { userId, points, reason });
  expect(res.status, await res.clone().text()).toBe(201);
  return json(res);
};
const checkout = (m: Member, body: Record<string, unknown> = {}) =>
  m.send("/api/checkout", "POST", { shippingAddress: US_ADDRESS, shippingOption: "standard", ...body });

async function member(points = 0) {
  const m = await signedIn();
  if (points) await give(m.user.id, points);
  return m;
}

beforeAll(async () => {
  staff = await staffByRole();
  await stockProduct("LOY-A", 10_000, 2500);
  await stockProduct("LOY-B", 10_000, 1333);
  forgetLoyaltySettings();
}, 60_000);

describe("GET /api/loyalty", { timeout: 90_000 }, () => {
  it("401 for a guest", async () => {
    const res = await call("/api/loyalty");
    expect(res.status).toBe(401);
  });

  it("a new member: no points, the first tier, the redeem rules", async () => {
    const m = await member();
    const s = await summary(m);
    expect(s).toMatchObject({ enabled: true, available: 0, pending: 0, tier: { name: "Member", multiplierPermille: 1000 }, statement: [] });
    expect(s.nextTier).toMatchObject({ name: "Silver", spendToGo: { amount: 50_000, currency: "USD" } });
    expect(s.redeem).toEqual({ pointValue: 1, minPoints: 100, maxPoints: 50_000, maxPercent: 50 });
  });
});

describe("POST /api/admin/loyalty/adjustments", { timeout: 90_000 }, () => {
  it("adds points with a reason, audited; the member sees it in the statement", async () => {
    const m = await member();
    const r = await give(m.user.id, 700, "Goodwill for a late parcel");
    expect(r).toMatchObject({ userId: m.user.id, available: 700 });
    const s = await summary(m);
    expect(s.available).toBe(700);
    expect(s.statement[0]).toMatchObject({ kind: "adjust", points: 700, reason: "Goodwill for a late parcel" });
    const audit = await env.DB.prepare("select action from audit_log where entity_id = ? and action = 'loyalty.adjust'").bind(m.user.id).first();
    expect(audit).toBeTruthy();
  });

  it("400 naming the field, 409 below zero, 404 unknown user, 403 without the promotions permission", async () => {
    const m = await member(100);
    const bad = await send("/api/admin/loyalty/adjustments", "POST", staff.admin.headers, { userId: m.user.id, points: 5, reason: "" });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await json(bad))).toContain("reason");
    const under = await send("/api/admin/loyalty/adjustments", "POST", staff.admin.headers, { userId: m.user.id, points: -101, reason: "Too much" });
    expect(under.status).toBe(409);
    expect(await json(under)).toMatchObject({ code: "loyalty.insufficient_points", errors: [{ path: "points" }] });
    const nobody = await send("/api/admin/loyalty/adjustments", "POST", staff.admin.headers, { userId: "usr_nobody", points: 5, reason: "Nobody" });
    expect(nobody.status).toBe(404);
    const support = await send("/api/admin/loyalty/adjustments", "POST", staff.support.headers, { userId: m.user.id, points: 5, reason: "Support" });
    expect(support.status).toBe(403);
    const customer = await send("/api/admin/loyalty/adjustments", "POST", staff.customer.headers, { userId: m.user.id, points: 5, reason: "Me" });
    expect(customer.status).toBe(403);
    expect((await summary(m)).available).toBe(100);
  });
});

describe("redeemPoints at checkout", { timeout: 90_000 }, () => {
  it("takes the points off as a discount; the total is exact and the points are held until paid", async () => {
    const m = await member(1000);
    await m.send("/api/cart/items", "POST", { sku: "LOY-A", quantity: 2 });
    await m.send("/api/cart/items", "POST", { sku: "LOY-B", quantity: 1 });
    const res = await checkout(m, { redeemPoints: 600 });
    expect(res.status, await res.clone().text()).toBe(201);
    const placed = await json(res);
    expect(placed.points).toEqual({ points: 600, value: { amount: 600, currency: "USD" } });
    const o = (await orderRow(placed.orderId)) as OrderMoney;
    expect(o.subtotal).toBe(6333);
    expect(o.discount_total).toBe(600);
    expect(o.grand_total).toBe(o.subtotal - o.discount_total + o.shipping_total + (o.tax_inclusive ? 0 : o.tax_total) + o.duties_total);
    const shares = await env.DB.prepare("select sum(discount_total) as d from order_lines where order_id = ?").bind(placed.orderId).first<{ d: number }>();
    expect(shares?.d).toBe(600);
    // Held: gone from the available balance before payment.
    expect((await summary(m)).available).toBe(400);

    expect((await pay(placed.payment.redirectUrl)).status).toBe(200);
    const after = await summary(m);
    expect(after.available).toBe(400);
    // 1 point per dollar paid for the goods: (6333 − 600) / 100 → 57 points (per line, rounded down: 44 + 13).
    expect(after.pending).toBe(57);
    const earn = await env.DB.prepare("select rule, spend from loyalty_entries where key = ?")
      .bind(`earn:${placed.orderId}`)
      .first<{ rule: string; spend: number }>();
    expect(JSON.parse(earn?.rule ?? "{}")).toMatchObject({ pointsPerUnit: 1, multiplierPermille: 1000, tier: "Member" });
    expect(earn?.spend).toBe(5733);
    // The order names the points and shows each line's share of them.
    const order = await json(await m.send(`/api/orders/${placed.orderId}`));
    expect(order.savings).toEqual({ promotions: [], points: { points: 600, value: { amount: 600, currency: "USD" } } });
    expect(order.lines.reduce((sum: number, l: { discount: { amount: number } }) => sum + l.discount.amount, 0)).toBe(600);
  });

  it("a failed payment gives the held points back, once", async () => {
    const m = await member(500);
    await m.send("/api/cart/items", "POST", { sku: "LOY-A", quantity: 1 });
    const placed = await json(await checkout(m, { redeemPoints: 300 }));
    expect((await summary(m)).available).toBe(200);
    await pay(placed.payment.redirectUrl, "failed");
    await pay(placed.payment.redirectUrl, "failed");
    const s = await summary(m);
    expect(s.available).toBe(500);
    expect(s.statement.filter((e: { kind: string }) => e.kind === "release")).toHaveLength(1);
  });

  it("cancelling an unpaid order releases its points", async () => {
    const m = await member(500);
    await m.send("/api/cart/items", "POST", { sku: "LOY-B", quantity: 1 });
    const placed = await json(await checkout(m, { redeemPoints: 200 }));
    await cancelOrder(env, placed.orderId, { actor: actors.customer(m.user.id), origin: "http://store.test" }, "changed my mind");
    expect((await summary(m)).available).toBe(500);
  });

  it("refusals name redeemPoints: guest 401, below the minimum 400, above the order's share 400, more than the balance 409", async () => {
    const guest = client();
    await guest.send("/api/cart/items", "POST", { sku: "LOY-A", quantity: 1 });
    const g = await guest.send("/api/checkout", "POST", {
      email: "g@example.test",
      shippingAddress: US_ADDRESS,
      shippingOption: "standard",
      redeemPoints: 100,
    });
    expect(g.status).toBe(401);
    expect(await json(g)).toMatchObject({ code: "loyalty.sign_in_required", errors: [{ path: "redeemPoints" }] });

    const m = await member(5000);
    await m.send("/api/cart/items", "POST", { sku: "LOY-A", quantity: 1 });
    const low = await checkout(m, { redeemPoints: 50 });
    expect(low.status).toBe(400);
    expect(await json(low)).toMatchObject({ code: "loyalty.below_minimum", errors: [{ path: "redeemPoints" }] });
    // 50 % of a 25.00 item is 12.50: 1251 points is one too many.
    const share = await checkout(m, { redeemPoints: 1251 });
    expect(share.status).toBe(400);
    expect(await json(share)).toMatchObject({ code: "loyalty.above_order_share", errors: [{ path: "redeemPoints", message: "At most 1250" }] });
    const poor = await member(150);
    await poor.send("/api/cart/items", "POST", { sku: "LOY-A", quantity: 1 });
    const short = await checkout(poor, { redeemPoints: 200 });
    expect(short.status).toBe(409);
    expect(await json(short)).toMatchObject({ code: "loyalty.insufficient_points", errors: [{ path: "redeemPoints" }] });
    expect((await summary(poor)).available).toBe(150);
  });

  it("race: checkouts for the last unit — each one that finds its stock taken gives back everything it held (stock, points, the code's use)", async () => {
    await stockProduct("LOY-SHORT-A", 50, 2000);
    await stockProduct("LOY-SHORT-Z", 1, 2000);
    const created = await send("/api/admin/promotions", "POST", staff.admin.headers, {
      name: "Few",
      code: "LOYFEW",
      kind: "fixed",
      value: 300,
      usageLimit: 10,
    });
    expect(created.status).toBe(201);
    const promo = await json(created);
    const members = await Promise.all(Array.from({ length: 6 }, () => member(1000)));
    for (const m of members) {
      await m.send("/api/cart/items", "POST", { sku: "LOY-SHORT-A", quantity: 2 });
      await m.send("/api/cart/items", "POST", { sku: "LOY-SHORT-Z", quantity: 1 });
      expect((await m.send("/api/cart/promotions", "POST", { code: "LOYFEW" })).status).toBe(200);
    }
    const answers = await Promise.all(members.map((m) => checkout(m, { redeemPoints: 500 })));
    expect(answers.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
    const refusals = await Promise.all(answers.filter((r) => r.status === 409).map((r) => json(r)));
    // Holds are taken in SKU order, so a checkout that finds Z gone already holds A, its points and its code's use.
    const short = refusals.filter((r) => r.code === "checkout.item_out_of_stock");
    expect(short.length).toBeGreaterThan(0);
    for (const r of short) expect(r.errors).toEqual([{ path: "items.1.quantity", message: "Out of stock" }]);
    for (const r of refusals) expect(["checkout.item_out_of_stock", "checkout.cart_changed"]).toContain(r.code);
    // Only the winner holds anything.
    expect(await env.INVENTORY_LEDGER.getByName("LOY-SHORT-A").snapshot("LOY-SHORT-A")).toMatchObject({ reserved: 2, available: 48 });
    expect(await env.PROMOTION_COUNTER.getByName(promo.id).usage()).toMatchObject({ reserved: 1, committed: 0 });
    const balances = await Promise.all(members.map(async (m) => (await summary(m)).available));
    expect(balances.sort()).toEqual([1000, 1000, 1000, 1000, 1000, 500]);
  });

  it("race: concurrent checkouts redeeming the same balance never overspend it", async () => {
    const m = await member(1000);
    const tries = 8;
    const carts = Array.from({ length: tries }, (_, i) => `cart_loyrace${i}`);
    for (const cartId of carts) await addToCart(env, cartId, "LOY-A", 1);
    const results = await Promise.allSettled(
      carts.map((cartId) =>
        placeOrder(env, {
          cartId,
          user: { id: m.user.id, email: m.user.email, name: m.user.name, role: "customer" },
          body: { shippingAddress: US_ADDRESS, shippingOption: "standard", redeemPoints: 600 },
          origin: "http://store.test",
        }),
      ),
    );
    const ok = results.filter((r) => r.status === "fulfilled");
    const refused = results.filter((r) => r.status === "rejected").map((r) => ((r as PromiseRejectedResult).reason as AppError).code);
    expect(ok).toHaveLength(1);
    expect(refused).toEqual(Array(tries - 1).fill("loyalty.insufficient_points"));
    const s = await summary(m);
    expect(s.available).toBe(400);
    const held = await env.DB.prepare("select count(*) as n from loyalty_redemptions where user_id = ?").bind(m.user.id).first<{ n: number }>();
    expect(held?.n).toBe(1);
  });
});

describe("reversal, maturity and expiry", { timeout: 90_000 }, () => {
  async function paidOrder(m: Member, redeem: number) {
    await m.send("/api/cart/items", "POST", { sku: "LOY-A", quantity: 4 });
    const placed = await json(await checkout(m, { redeemPoints: redeem }));
    await pay(placed.payment.redirectUrl);
    return placed as { orderId: string; total: { amount: number } };
  }

  it("partial refunds take back earned points and return redeemed ones proportionally, exactly in full at the end", async () => {
    const m = await member(2000);
    const placed = await paidOrder(m, 1000);
    const earned = (await summary(m)).pending;
    expect(earned).toBe(90);
    const total = placed.total.amount;
    const line = await env.DB.prepare("select line_total - discount_total as paid from order_lines where order_id = ?")
      .bind(placed.orderId)
      .first<{ paid: number }>();
    const paid = line?.paid ?? 0;
    await refundOrder(env, placed.orderId, Math.floor(total / 3), "part", ctx);
    // An amount refund covers each line by its share of the order: here the one line, a third of what was paid for it.
    const covered = Math.floor((paid * Math.floor(total / 3)) / total);
    const s1 = await summary(m);
    expect(s1.pending).toBe(earned - Math.floor((earned * covered) / paid));
    expect(s1.available).toBe(1000 + Math.floor((1000 * covered) / paid));
    await refundOrder(env, placed.orderId, 1, "a cent", ctx);
    await refundOrder(env, placed.orderId, undefined, "the rest", ctx);
    const s2 = await summary(m);
    expect(s2.pending).toBe(0);
    expect(s2.available).toBe(2000);
    expect(s2.spend12Months.amount).toBe(0);
  });

  it("pending points become available once the order is delivered and the return window passed; idempotent", async () => {
    const m = await member(0);
    await give(m.user.id, 100);
    const placed = await paidOrder(m, 100);
    const earned = (await summary(m)).pending;
    expect(earned).toBeGreaterThan(0);
    // Delivered by staff without a tracked shipment: the 30-day window runs from that change.
    await env.DB.prepare("update orders set status = 'delivered', updated_at = ? where id = ?").bind(new Date().toISOString(), placed.orderId).run();
    await maturePendingPoints(env, loyaltyMaturityCheck, Date.now() + 5 * DAY);
    expect((await summary(m)).pending).toBe(earned);
    await maturePendingPoints(env, loyaltyMaturityCheck, Date.now() + 31 * DAY);
    await maturePendingPoints(env, loyaltyMaturityCheck, Date.now() + 32 * DAY);
    const s = await summary(m);
    expect(s.pending).toBe(0);
    expect(s.available).toBe(earned);
  });

  it("available points expire after the inactivity period, with one warning email before", async () => {
    const m = await member(300);
    const warn = await expireInactivePoints(env, "http://store.test", Date.now() + 340 * DAY);
    expect(warn.warned).toBeGreaterThanOrEqual(1);
    const again = await expireInactivePoints(env, "http://store.test", Date.now() + 341 * DAY);
    const warnings = await env.DB.prepare("select count(*) as n from loyalty_warnings where user_id = ?").bind(m.user.id).first<{ n: number }>();
    expect(warnings?.n).toBe(1);
    expect(again.warned).toBe(0);
    await expireInactivePoints(env, "http://store.test", Date.now() + 366 * DAY);
    await expireInactivePoints(env, "http://store.test", Date.now() + 367 * DAY);
    const s = await summary(m);
    expect(s.available).toBe(0);
    expect(s.statement.filter((e: { kind: string }) => e.kind === "expire")).toEqual([expect.objectContaining({ points: -300 })]);
  });
});
