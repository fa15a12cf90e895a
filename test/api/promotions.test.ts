import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { purgeCatalogCache } from "../../worker/catalog";
import { placeOrder } from "../../worker/checkout";
import type { AppError } from "../../worker/lib/errors";
import { insertCategory, insertProduct } from "../support/factories";
import { call, cookiesFrom, json, postJson } from "../support/http";
import { type Caller, send, staffByRole } from "../support/staff";

const US = { fullName: "Ada Lovelace", line1: "1 Market St", city: "San Francisco", region: "CA", postalCode: "94105", country: "US" };
const GB = { fullName: "Ada Lovelace", line1: "10 Downing St", city: "London", postalCode: "SW1A 2AA", country: "GB" };

let staff: { admin: Caller; support: Caller; customer: Caller; vendor: Caller };

async function stockProduct(sku: string, stock: number, price: number, categorySlug = `c-${sku.toLowerCase()}`) {
  const category = await insertCategory(env.DB, { slug: categorySlug });
  const built = await insertProduct(env.DB, {
    slug: sku.toLowerCase(),
    name: `Item ${sku}`,
    category,
    variants: [{ sku, title: "Default", options: {}, price, stockAvailable: stock }],
  });
  purgeCatalogCache();
  return { productId: built.product.id, categoryId: category.id };
}

/** A browser-like shopper that keeps its cookies. */
function shopper(headers: Record<string, string> = {}) {
  let cookie = "";
  const send = async (path: string, method: string, body?: unknown) => {
    const res = await call(path, {
      method,
      headers: { "Content-Type": "application/json", Origin: "http://store.test", ...(cookie ? { Cookie: cookie } : {}), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const set = cookiesFrom(res);
    if (set) cookie = [cookie, set].filter(Boolean).join("; ");
    return res;
  };
  return {
    send,
    add: (sku: string, quantity = 1) => send("/api/cart/items", "POST", { sku, quantity }),
    apply: (code: string) => send("/api/cart/promotions", "POST", { code }),
    remove: (code: string) => send(`/api/cart/promotions/${code}`, "DELETE"),
    checkout: (body: Record<string, unknown> = {}) =>
      send("/api/checkout", "POST", { email: "buyer@example.test", shippingAddress: US, shippingOption: "standard", ...body }),
  };
}

async function createPromotion(body: Record<string, unknown>) {
  const res = await send("/api/admin/promotions", "POST", staff.admin.headers, body);
  expect(res.status, JSON.stringify(await res.clone().json())).toBe(201);
  return json(res);
}

const pay = (redirectUrl: string, outcome: "succeeded" | "failed" = "succeeded") =>
  postJson(`/api/checkout/test-payments/${redirectUrl.split("/").pop()}`, { outcome });
const orderRow = (id: string) =>
  env.DB.prepare("select subtotal, discount_total, shipping_total, tax_total, tax_inclusive, duties_total, grand_total from orders where id = ?")
    .bind(id)
    .first<Record<string, number>>();
const lineShares = (id: string) =>
  env.DB.prepare("select sku, line_total, discount_total from order_lines where order_id = ? order by sku")
    .bind(id)
    .all<{ sku: string; line_total: number; discount_total: number }>()
    .then((r) => r.results);
const redemptions = (orderId: string) =>
  env.DB.prepare("select promotion_id, amount, status from promotion_redemptions where order_id = ?")
    .bind(orderId)
    .all<{ promotion_id: string; amount: number; status: string }>()
    .then((r) => r.results);
const usage = (promotionId: string) => env.PROMOTION_COUNTER.getByName(promotionId).usage();

let shoes: { productId: string; categoryId: string };

beforeAll(async () => {
  staff = await staffByRole();
  shoes = await stockProduct("PRM-SHOE", 5000, 3333, "prm-shoes");
  await stockProduct("PRM-HAT", 5000, 1000, "prm-hats");
  await stockProduct("PRM-BULK", 5000, 1999, "prm-bulk");
}, 60_000);

describe("POST /api/cart/promotions", () => {
  it("applies a code and the cart shows the saving before checkout; DELETE takes it off", async () => {
    await createPromotion({ name: "Shoes 10 %", code: "shoes10", kind: "percentage", value: 1000, conditions: { categoryIds: [shoes.categoryId] } });
    const s = shopper();
    await s.add("PRM-SHOE", 3);
    await s.add("PRM-HAT", 1);
    const applied = await s.apply("Shoes10");
    expect(applied.status).toBe(200);
    const cart = await json(applied);
    expect(cart.promotions).toMatchObject({ code: "SHOES10", discount: { amount: 1000, currency: "USD" }, codeProblem: null });
    expect(cart.promotions.applied).toEqual([expect.objectContaining({ name: "Shoes 10 %", code: "SHOES10", amount: { amount: 1000, currency: "USD" } })]);
    // In the order of the cart's items: the hat is not a shoe.
    const byItem = Object.fromEntries(cart.items.map((i: { sku: string }, n: number) => [i.sku, cart.promotions.lineDiscounts[n].amount]));
    expect(byItem).toEqual({ "PRM-SHOE": 1000, "PRM-HAT": 0 });
    expect((await json(await s.send("/api/cart", "GET"))).promotions.discount.amount).toBe(1000);

    expect((await s.remove("SHOES10")).status).toBe(200);
    expect((await json(await s.send("/api/cart", "GET"))).promotions).toMatchObject({ code: null, discount: { amount: 0 } });
    const again = await s.remove("SHOES10");
    expect(again.status).toBe(404);
    expect((await json(again)).code).toBe("promotions.code_not_applied");
  });

  it("refuses with a problem naming the condition: unknown, expired, not eligible, invalid", async () => {
    await createPromotion({ name: "Ended", code: "ENDED", kind: "fixed", value: 500, endsAt: "2020-01-01T00:00:00Z" });
    await createPromotion({ name: "Big baskets", code: "BIGBASKET", kind: "fixed", value: 500, conditions: { minSubtotal: 100_000 } });
    await createPromotion({ name: "Members", code: "MEMBERS", kind: "fixed", value: 500, conditions: { signedIn: true } });
    const s = shopper();
    await s.add("PRM-HAT", 1);
    const unknown = await s.apply("NOPE123");
    expect(unknown.status).toBe(404);
    expect(await json(unknown)).toMatchObject({ code: "promotions.not_found", errors: [{ path: "code" }] });
    const ended = await s.apply("ENDED");
    expect(ended.status).toBe(409);
    expect(await json(ended)).toMatchObject({ code: "promotions.expired", errors: [{ path: "code", message: "ends_at" }] });
    const small = await s.apply("BIGBASKET");
    expect(small.status).toBe(422);
    expect(await json(small)).toMatchObject({
      code: "promotions.not_eligible",
      detail: expect.stringContaining("$1,000.00"),
      errors: [{ message: "min_subtotal" }],
    });
    expect(await json(await s.apply("MEMBERS"))).toMatchObject({ code: "promotions.not_eligible", errors: [{ message: "signed_in" }] });
    const bad = await s.apply("x");
    expect(bad.status).toBe(400);
    expect((await json(bad)).errors[0].path).toBe("code");
    const extra = await s.send("/api/cart/promotions", "POST", { code: "SHOES10", amount: 1 });
    expect(extra.status).toBe(400);
  });
});

describe("POST /api/checkout with promotions", () => {
  it("charges lines − discounts + shipping + tax + duties, splits the discount over the lines, and commits the use when paid", async () => {
    const auto = await createPromotion({ name: "Winter 5 % off everything", kind: "percentage", value: 500 });
    const code = await createPromotion({ name: "Three off", code: "THREEOFF", kind: "fixed", value: 301, usageLimit: 50 });
    const s = shopper();
    await s.add("PRM-SHOE", 2);
    await s.add("PRM-HAT", 3);
    expect((await s.apply("THREEOFF")).status).toBe(200);
    const res = await s.checkout({ shippingAddress: GB });
    expect(res.status).toBe(201);
    const placed = await json(res);
    const row = (await orderRow(placed.orderId)) as Record<string, number>;
    // 5 % of 9666 = 483 (rounded half up), then 301 off what is left.
    expect(row.subtotal).toBe(2 * 3333 + 3 * 1000);
    expect(row.discount_total).toBe(483 + 301);
    const added = row.tax_inclusive ? 0 : (row.tax_total as number);
    expect(row.grand_total).toBe(
      (row.subtotal as number) - (row.discount_total as number) + (row.shipping_total as number) + added + (row.duties_total as number),
    );
    expect(placed.totals.discount).toEqual({ amount: 784, currency: "USD" });
    expect(placed.total.amount).toBe(row.grand_total);
    const lines = await lineShares(placed.orderId);
    expect(lines.reduce((sum, l) => sum + l.discount_total, 0)).toBe(784);
    for (const l of lines) expect(l.discount_total).toBeLessThanOrEqual(l.line_total);
    expect((await redemptions(placed.orderId)).map((r) => [r.promotion_id, r.amount, r.status]).sort()).toEqual(
      [
        [auto.id, 483, "reserved"],
        [code.id, 301, "reserved"],
      ].sort(),
    );
    expect(await usage(code.id)).toMatchObject({ reserved: 1, committed: 0 });

    expect(await json(await pay(placed.payment.redirectUrl))).toEqual({ orderStatus: "paid" });
    expect((await redemptions(placed.orderId)).every((r) => r.status === "committed")).toBe(true);
    expect(await usage(code.id)).toMatchObject({ reserved: 0, committed: 1 });
    // The order page shows the discount; the paid cart forgot its code.
    const order = await json(await call(placed.orderUrl.replace("http://store.test/orders", "/api/orders")));
    expect(order.totals.discount).toEqual({ amount: 784, currency: "USD" });
    expect((await json(await s.send("/api/cart", "GET"))).promotions.code).toBeNull();

    const admin = await json(await send(`/api/admin/promotions/${code.id}`, "GET", staff.admin.headers));
    expect(admin.usage).toMatchObject({ committed: 1, reserved: 0, discounted: { amount: 301 }, revenue: { amount: row.grand_total } });
    // Switch the automatic one off so later tests see only their own promotions.
    await send(`/api/admin/promotions/${auto.id}`, "PATCH", staff.admin.headers, { status: "paused" });
  });

  it("gives the use back when the payment is declined, and free shipping makes shipping 0", async () => {
    const promo = await createPromotion({ name: "Ship free", code: "SHIPFREE", kind: "free_shipping", usageLimit: 1 });
    const s = shopper();
    await s.add("PRM-HAT", 1);
    await s.apply("SHIPFREE");
    const placed = await json(await s.checkout());
    expect(placed.totals.shipping.amount).toBe(0);
    expect(placed.total.amount).toBe(1000);
    expect(await usage(promo.id)).toMatchObject({ reserved: 1 });
    // Used up while the first order waits for payment.
    const other = shopper();
    await other.add("PRM-HAT", 1);
    const refused = await other.apply("SHIPFREE");
    expect(refused.status).toBe(409);
    expect(await json(refused)).toMatchObject({ code: "promotions.limit_reached", errors: [{ message: "usage_limit" }] });

    expect(await json(await pay(placed.payment.redirectUrl, "failed"))).toEqual({ orderStatus: "cancelled" });
    expect(await usage(promo.id)).toMatchObject({ reserved: 0, committed: 0 });
    expect((await redemptions(placed.orderId))[0]?.status).toBe("released");
    expect((await other.apply("SHIPFREE")).status).toBe(200);
  });

  it("counts a per-customer limit by account, and a first-order code only before the first paid order", async () => {
    const once = await createPromotion({ name: "Once each", code: "ONCEEACH", kind: "fixed", value: 100, perCustomerLimit: 1 });
    await createPromotion({ name: "Welcome", code: "WELCOME", kind: "fixed", value: 100, conditions: { firstOrder: true } });
    const s = shopper(staff.customer.headers);
    await s.add("PRM-HAT", 1);
    expect((await s.apply("WELCOME")).status).toBe(200);
    expect((await s.apply("ONCEEACH")).status).toBe(200);
    const placed = await json(await s.checkout({ email: undefined }));
    expect(placed.totals.discount.amount).toBe(100);
    await pay(placed.payment.redirectUrl);
    expect(await usage(once.id)).toMatchObject({ committed: 1 });
    await s.add("PRM-HAT", 1);
    expect(await json(await s.apply("ONCEEACH"))).toMatchObject({ code: "promotions.limit_reached", errors: [{ message: "per_customer_limit" }] });
    expect(await json(await s.apply("WELCOME"))).toMatchObject({ code: "promotions.not_eligible", errors: [{ message: "first_order" }] });
  });

  it("cancelling a paid order gives its use back", async () => {
    const promo = await createPromotion({ name: "Cancel me", code: "CANCELME", kind: "fixed", value: 200, usageLimit: 5 });
    const s = shopper();
    await s.add("PRM-HAT", 1);
    await s.apply("CANCELME");
    const placed = await json(await s.checkout());
    await pay(placed.payment.redirectUrl);
    expect(await usage(promo.id)).toMatchObject({ committed: 1 });
    const cancel = await send(`/api/admin/orders/${placed.orderId}/cancel`, "POST", staff.admin.headers, { reason: "customer asked" });
    expect(cancel.status).toBe(200);
    expect(await usage(promo.id)).toMatchObject({ committed: 0, reserved: 0 });
    expect((await redemptions(placed.orderId))[0]?.status).toBe("released");
  });
});

describe("1,000 concurrent checkouts with a code limited to 100 uses", () => {
  it("exactly 100 orders carry it; the others are refused with promotions.limit_reached before any stock is held", async () => {
    const promo = await createPromotion({ name: "Flash", code: "FLASH100", kind: "percentage", value: 2000, usageLimit: 100 });
    // Carts are filled and carry the code before the rush (written straight to their stores: the rush is what is tested).
    const cartIds = Array.from({ length: 1000 }, (_, i) => `cart_${i.toString().padStart(26, "0")}`);
    for (let i = 0; i < cartIds.length; i += 100) {
      const batch = cartIds.slice(i, i + 100);
      await Promise.all(batch.map((id) => env.CART_SESSION.getByName(id).add("PRM-BULK", 1, 1999, 5000)));
      await env.DB.batch(batch.map((id) => env.DB.prepare("insert into promotion_cart_codes (cart_id, code) values (?, 'FLASH100')").bind(id)));
    }
    // The real checkout service, all at once; the open-order caps per client are off so only the code's limit decides.
    const rushEnv = { ...env, CHECKOUT_HOLDS_PER_CLIENT: "0", CHECKOUT_HOLDS_PER_IP: "0" } as Env;
    const body = { email: "rush@example.test", shippingAddress: US, shippingOption: "standard" as const };
    const results = await Promise.allSettled(cartIds.map((cartId) => placeOrder(rushEnv, { cartId, user: null, body, origin: "http://store.test" })));
    const placed = results.filter((r) => r.status === "fulfilled");
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === "rejected").map((r) => r.reason as AppError);
    expect(placed.length).toBe(100);
    expect(refused.length).toBe(900);
    expect(refused.every((e) => e.code === "promotions.limit_reached")).toBe(true);
    const carried = await env.DB.prepare("select count(*) as n from promotion_redemptions where promotion_id = ?").bind(promo.id).first<{ n: number }>();
    expect(carried?.n).toBe(100);
    const discounted = await env.DB.prepare(
      "select count(*) as n from orders o join order_lines l on l.order_id = o.id where l.sku = 'PRM-BULK' and o.discount_total = 400",
    ).first<{ n: number }>();
    expect(discounted?.n).toBe(100);
    expect(await usage(promo.id)).toMatchObject({ reserved: 100 });
    // Stock was held only for the 100 orders placed.
    expect((await env.INVENTORY_LEDGER.getByName("PRM-BULK").snapshot("PRM-BULK")).reserved).toBe(100);
  }, 300_000);
});
