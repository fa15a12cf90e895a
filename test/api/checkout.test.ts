import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { purgeCatalogCache } from "../../worker/catalog";
import { listOutboxFor } from "../../worker/notifications";
import { insertCategory, insertProduct, insertUser } from "../support/factories";
import { call, cookiesFrom, freshIp, json, postJson } from "../support/http";
import { passwordSignIn } from "../support/staff";

const ADDRESS = { fullName: "Ada Lovelace", line1: "1 Market St", city: "San Francisco", region: "CA", postalCode: "94105", country: "US" };

async function stockProduct(sku: string, stock: number, price = 2500) {
  const category = await insertCategory(env.DB, { slug: `c-${sku.toLowerCase()}` });
  await insertProduct(env.DB, {
    slug: sku.toLowerCase(),
    name: `Item ${sku}`,
    category,
    variants: [{ sku, title: "Default", options: {}, price, stockAvailable: stock }],
  });
  purgeCatalogCache();
}

/** A browser-like shopper that keeps its cookies. */
function shopper(extraCookie = "") {
  let cookie = extraCookie;
  const send = async (path: string, method: string, body?: unknown, headers: Record<string, string> = {}) => {
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
    cookieHeader: () => cookie,
    send,
    add: (sku: string, quantity = 1) => send("/api/cart/items", "POST", { sku, quantity }),
    checkout: (body: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
      send("/api/checkout", "POST", { email: "buyer@example.test", shippingAddress: ADDRESS, shippingOption: "standard", ...body }, headers),
  };
}

const ledger = (sku: string) => env.INVENTORY_LEDGER.getByName(sku);
const pay = (paymentId: string, outcome: "succeeded" | "failed" = "succeeded") => postJson(`/api/checkout/test-payments/${paymentId}`, { outcome });
const paymentIdOf = (redirectUrl: string) => redirectUrl.split("/").pop() as string;

beforeAll(async () => {
  await stockProduct("CHK-A", 10, 2500);
  await stockProduct("CHK-B", 10, 4000);
});

describe("POST /api/checkout", () => {
  it("places an order from the cart with server-computed totals, holds stock, and the test provider's Pay now makes it paid once", async () => {
    const s = shopper();
    await s.add("CHK-A", 2);
    await s.add("CHK-B", 1);
    const res = await s.checkout();
    expect(res.status).toBe(201);
    const placed = await json(res);
    expect(placed).toMatchObject({ status: "pending_payment", total: { amount: 2 * 2500 + 4000, currency: "USD" }, payment: { provider: "test" } });
    expect(placed.payment.redirectUrl).toMatch(/^http:\/\/store\.test\/checkout\/pay\/pay_/);
    expect(await ledger("CHK-A").snapshot("CHK-A")).toMatchObject({ onHand: 10, reserved: 2 });

    const paid = await pay(paymentIdOf(placed.payment.redirectUrl));
    expect(await json(paid)).toEqual({ orderStatus: "paid" });
    // The same outcome delivered again changes nothing.
    expect(await json(await pay(paymentIdOf(placed.payment.redirectUrl)))).toEqual({ orderStatus: "paid" });
    expect(await ledger("CHK-A").snapshot("CHK-A")).toMatchObject({ onHand: 8, reserved: 0, available: 8 });
    expect((await json(await s.send("/api/cart", "GET"))).items).toEqual([]);

    const order = await json(await call(placed.orderUrl.replace("http://store.test/orders", "/api/orders")));
    expect(order).toMatchObject({
      number: placed.orderNumber,
      status: "paid",
      totals: { subtotal: { amount: 9000 }, shipping: { amount: 0 }, grandTotal: { amount: 9000 } },
    });
    expect(order.timeline.map((e: { status: string }) => e.status)).toEqual(["pending_payment", "paid"]);
    expect(order.shippingAddress.city).toBe("San Francisco");
    await expect
      .poll(async () => (await listOutboxFor(env, "buyer@example.test", "order_confirmation")).filter((m) => m.subject.includes(placed.orderNumber)).length, {
        timeout: 10_000,
      })
      .toBe(1);
  }, 20_000);

  it("cancels the order and releases the stock when the payment is declined", async () => {
    const s = shopper();
    await s.add("CHK-B", 1);
    const placed = await json(await s.checkout());
    // Under the free-shipping threshold: standard shipping is charged.
    expect(placed.total.amount).toBe(4000 + 599);
    expect((await ledger("CHK-B").snapshot("CHK-B")).reserved).toBe(1);
    expect(await json(await pay(paymentIdOf(placed.payment.redirectUrl), "failed"))).toEqual({ orderStatus: "cancelled" });
    expect((await ledger("CHK-B").snapshot("CHK-B")).reserved).toBe(0);
    const order = await json(await call(placed.orderUrl.replace("http://store.test/orders", "/api/orders")));
    expect(order.timeline.at(-1)).toMatchObject({ status: "cancelled", note: expect.stringContaining("declined") });
    // A late "succeeded" for a cancelled order is refunded, never re-opens it.
    expect(await json(await pay(paymentIdOf(placed.payment.redirectUrl)))).toEqual({ orderStatus: "cancelled" });
  });

  it("refuses prices, totals or currency in the body and invalid fields, naming each", async () => {
    const s = shopper();
    await s.add("CHK-A", 1);
    const tamper = await s.checkout({ total: 1, currency: "JPY", items: [{ sku: "CHK-A", price: 1 }] });
    expect(tamper.status).toBe(400);
    expect((await json(tamper)).errors.map((e: { path: string }) => e.path).sort()).toEqual(["currency", "items", "total"]);
    const bad = await s.checkout({ shippingOption: "teleport", shippingAddress: { ...ADDRESS, postalCode: "ABC" } });
    expect(bad.status).toBe(400);
    expect((await json(bad)).errors.map((e: { path: string }) => e.path)).toEqual(["shippingOption"]);
    const zip = await s.checkout({ shippingAddress: { ...ADDRESS, postalCode: "ABC" } });
    expect((await json(zip)).errors.map((e: { path: string }) => e.path)).toEqual(["shippingAddress.postalCode"]);
    const guestNoEmail = await s.checkout({ email: undefined });
    expect((await json(guestNoEmail)).errors[0].path).toBe("email");
  });

  it("answers 409 for an empty cart", async () => {
    const res = await shopper().checkout();
    expect(res.status).toBe(409);
    expect((await json(res)).code).toBe("checkout.cart_empty");
  });

  it("gives a retry with the same Idempotency-Key the same order, and refuses the key for another body", async () => {
    const s = shopper();
    await s.add("CHK-A", 1);
    const first = await json(await s.checkout({}, { "Idempotency-Key": "order-attempt-0001" }));
    const retry = await s.checkout({}, { "Idempotency-Key": "order-attempt-0001" });
    expect(retry.status).toBe(201);
    expect((await json(retry)).orderId).toBe(first.orderId);
    const other = await s.checkout({ shippingOption: "express" }, { "Idempotency-Key": "order-attempt-0001" });
    expect(other.status).toBe(409);
    expect((await json(other)).code).toBe("request.idempotency_key_reused");
    const orders = await env.DB.prepare("select count(*) as n from orders where cart_id = (select cart_id from orders where id = ?)")
      .bind(first.orderId)
      .first<{ n: number }>();
    expect(orders?.n).toBe(1);
  });

  it("uses a signed-in shopper's saved address and lists the order in their history; others get 404", async () => {
    const user = await insertUser(env.DB);
    const login = await passwordSignIn(user, { "CF-Connecting-IP": freshIp() });
    const s = shopper(cookiesFrom(login));
    const address = await json(await s.send("/api/me/addresses", "POST", ADDRESS));
    await s.add("CHK-A", 1);
    const placed = await json(await s.send("/api/checkout", "POST", { addressId: address.id, shippingOption: "express" }));
    expect(placed.total.amount).toBe(2500 + 1499);
    const history = await json(await s.send("/api/orders", "GET"));
    expect(history).toMatchObject({ total: 1, items: [{ id: placed.orderId, status: "pending_payment" }] });
    expect((await s.send(`/api/orders/${placed.orderId}`, "GET")).status).toBe(200);
    const other = await insertUser(env.DB);
    const otherLogin = await passwordSignIn(other, { "CF-Connecting-IP": freshIp() });
    expect((await call(`/api/orders/${placed.orderId}`, { headers: { Cookie: cookiesFrom(otherLogin) } })).status).toBe(404);
    expect((await call(`/api/orders/${placed.orderId}?token=wrong-token-value`)).status).toBe(404);
    expect((await call(`/api/orders/${placed.orderId}`)).status).toBe(401);
  }, 20_000);
});

describe("POST /api/admin/orders/:id/refunds", () => {
  it("refunds part, then the rest, once per Idempotency-Key, with the timeline naming it; only admins", async () => {
    const s = shopper();
    await s.add("CHK-A", 1);
    const placed = await json(await s.checkout());
    await pay(paymentIdOf(placed.payment.redirectUrl));
    const admin = await insertUser(env.DB, { role: "admin" });
    const login = await passwordSignIn(admin, { "CF-Connecting-IP": freshIp() });
    const headers = { Cookie: cookiesFrom(login) };
    const refund = (body: unknown, key: string) => postJson(`/api/admin/orders/${placed.orderId}/refunds`, body, { ...headers, "Idempotency-Key": key });
    const part = await refund({ amount: 1000, reason: "scratched on arrival" }, "refund-key-0001");
    expect(await json(part)).toEqual({ orderId: placed.orderId, status: "partially_refunded", refunded: { amount: 1000, currency: "USD" } });
    expect(await json(await refund({ amount: 1000, reason: "scratched on arrival" }, "refund-key-0001"))).toMatchObject({ refunded: { amount: 1000 } });
    const tooMuch = await refund({ amount: 999_999, reason: "oops" }, "refund-key-0002");
    expect(tooMuch.status).toBe(400);
    expect((await json(tooMuch)).errors[0].path).toBe("amount");
    const rest = await json(await refund({ reason: "returned" }, "refund-key-0003"));
    expect(rest).toMatchObject({ status: "refunded", refunded: { amount: placed.total.amount } });
    const order = await json(await call(placed.orderUrl.replace("http://store.test/orders", "/api/orders")));
    expect(order.timeline.map((e: { status: string }) => e.status)).toEqual(["pending_payment", "paid", "partially_refunded", "refunded"]);
    expect((await postJson(`/api/admin/orders/${placed.orderId}/refunds`, { reason: "again" }, { Cookie: s.cookieHeader() })).status).toBe(401);
  }, 20_000);
});

describe("never overselling", () => {
  it("500 concurrent checkouts for a SKU with 10 in stock end with exactly 10 paid orders and stock 0", async () => {
    await stockProduct("RACE-1", 10, 1000);
    const buyers = Array.from({ length: 500 }, () => shopper());
    for (const b of buyers) expect((await b.add("RACE-1", 1)).status).toBe(200);
    const answers = await Promise.all(buyers.map((b) => b.checkout()));
    const placed = answers.filter((r) => r.status === 201);
    expect(placed).toHaveLength(10);
    expect(answers.filter((r) => r.status === 409)).toHaveLength(490);
    const paid = await Promise.all(placed.map(async (r) => json(await pay(paymentIdOf((await json(r)).payment.redirectUrl)))));
    expect(paid.every((p) => p.orderStatus === "paid")).toBe(true);
    expect(await ledger("RACE-1").snapshot("RACE-1")).toMatchObject({ onHand: 0, reserved: 0, available: 0 });
    const mirror = await env.DB.prepare("select stock_available as n from product_variants where sku = 'RACE-1'").first<{ n: number }>();
    expect(mirror?.n).toBe(0);
    const orders = await env.DB.prepare(
      "select status, count(*) as n from orders o join order_lines l on l.order_id = o.id where l.sku = 'RACE-1' group by status",
    ).all();
    expect(orders.results).toEqual([{ status: "paid", n: 10 }]);
  }, 120_000);

  it("two SKUs taken in opposite orders by concurrent carts never deadlock or leak holds", async () => {
    await stockProduct("PAIR-X", 5, 1000);
    await stockProduct("PAIR-Y", 5, 1000);
    const buyers = Array.from({ length: 40 }, (_, i) => ({ s: shopper(), i }));
    for (const { s, i } of buyers) {
      const [first, second] = i % 2 ? ["PAIR-X", "PAIR-Y"] : ["PAIR-Y", "PAIR-X"];
      await s.add(first as string, 1);
      await s.add(second as string, 1);
    }
    const answers = await Promise.all(buyers.map(({ s }) => s.checkout()));
    const placed = answers.filter((r) => r.status === 201).length;
    expect(placed).toBe(5);
    // Every hold belongs to a placed order: nothing half-reserved is left behind.
    expect((await ledger("PAIR-X").snapshot("PAIR-X")).reserved).toBe(placed);
    expect((await ledger("PAIR-Y").snapshot("PAIR-Y")).reserved).toBe(placed);
  }, 60_000);
});
