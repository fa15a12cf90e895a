import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeStripe } from "./fake-stripe";
import { signInByApi } from "./staff-sign-in";
import { startStore } from "./store";

const WEBHOOK_SECRET = "whsec_test_local_secret";
const ADMIN = { email: "refunds-admin@example.test", password: "refund desk password 7" };
// Ports after the shared e2e store's E2E_PORT/E2E_OAUTH_PORT (files run one at a time).
const STORE_PORT = Number(process.env.E2E_PORT ?? 8790) + 2;
const fake = new FakeStripe(STORE_PORT + 1);
let store: Awaited<ReturnType<typeof startStore>>;

beforeAll(async () => {
  await fake.start();
  store = await startStore({
    port: STORE_PORT,
    vars: { STRIPE_SECRET_KEY: "sk_test_fake_key", STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET, STRIPE_API_BASE: fake.base },
    admin: ADMIN,
  });
}, 300_000);
afterAll(async () => {
  store?.stop();
  await fake.stop();
});

/** A shopper's cart and checkout through the store's HTTP API, with cookies. */
const PORTLAND = { fullName: "Ada", line1: "1 Main St", city: "Portland", region: "OR", postalCode: "97201", country: "US" };

async function placeOrder(quantity = 1, options: { address?: Record<string, string>; sort?: "price_asc" | "price_desc" } = {}) {
  const products = (await (await fetch(`${store.baseUrl}/api/products?inStock=true&sort=${options.sort ?? "price_asc"}&perPage=5`)).json()) as {
    items: { slug: string }[];
  };
  const detail = (await (await fetch(`${store.baseUrl}/api/products/${products.items[0]?.slug}`)).json()) as {
    variants: { sku: string; stockStatus: string; price: { amount: number } }[];
  };
  const variant = detail.variants.find((v) => v.stockStatus === "in_stock") ?? detail.variants[0];
  const headers = { "Content-Type": "application/json", Origin: store.baseUrl };
  const add = await fetch(`${store.baseUrl}/api/cart/items`, { method: "POST", headers, body: JSON.stringify({ sku: variant?.sku, quantity }) });
  const cookie = add.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
  const res = await fetch(`${store.baseUrl}/api/checkout`, {
    method: "POST",
    headers: { ...headers, Cookie: cookie },
    body: JSON.stringify({
      email: "stripe-buyer@example.test",
      shippingOption: "standard",
      shippingAddress: options.address ?? PORTLAND,
    }),
  });
  expect(res.status).toBe(201);
  const placed = (await res.json()) as {
    orderId: string;
    orderUrl: string;
    total: { amount: number };
    totals: { shipping: { amount: number }; tax: { label: string; inclusive: boolean; total: { amount: number } }; duties: { amount: number } };
    payment: { provider: string; redirectUrl: string };
  };
  const sessionId = placed.payment.redirectUrl.split("/").pop() as string;
  return { ...placed, sessionId, unitPrice: variant?.price.amount ?? 0 };
}

/** The line items of the Checkout Session the store created for a session id, as Stripe received them. */
function lineItems(sessionId: string) {
  const session = fake.sessions.get(sessionId);
  const create = fake.calls.find((c) => c.path === "/v1/checkout/sessions" && c.form.get("client_reference_id") === session?.client_reference_id);
  const items: { name: string; amount: number; quantity: number }[] = [];
  for (let i = 0; create?.form.has(`line_items[${i}][quantity]`); i++) {
    items.push({
      name: create.form.get(`line_items[${i}][price_data][product_data][name]`) ?? "",
      amount: Number(create.form.get(`line_items[${i}][price_data][unit_amount]`)),
      quantity: Number(create.form.get(`line_items[${i}][quantity]`)),
    });
  }
  return items;
}

async function adminToken() {
  const login = await signInByApi(store.baseUrl, ADMIN, { "X-Auth-Mode": "token" });
  return ((await login.json()) as { accessToken: string }).accessToken;
}

async function order(placed: { orderUrl: string }) {
  const url = new URL(placed.orderUrl);
  return (await (await fetch(`${store.baseUrl}/api${url.pathname}${url.search}`)).json()) as {
    status: string;
    timeline: { status: string; note: string | null }[];
  };
}

/** Sends an event signed with the SDK's own test-header helper (or a given signature). */
async function deliver(event: object, options: { signature?: string; timestamp?: number } = {}) {
  const payload = JSON.stringify(event);
  const signature =
    options.signature ?? (await Stripe.webhooks.generateTestHeaderStringAsync({ payload, secret: WEBHOOK_SECRET, timestamp: options.timestamp }));
  return fetch(`${store.baseUrl}/api/webhooks/stripe`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "Stripe-Signature": signature },
    body: payload,
  });
}

let seq = 0;
const sessionEvent = (type: string, sessionId: string) => ({
  id: `evt_${++seq}`,
  object: "event",
  type,
  data: { object: { id: sessionId, object: "checkout.session" } },
});
const intentEvent = (session: { payment_intent: string; amount_total: number; currency: string; metadata: Record<string, string> }) => ({
  id: `evt_${++seq}`,
  object: "event",
  type: "payment_intent.succeeded",
  data: {
    object: {
      id: session.payment_intent,
      object: "payment_intent",
      amount_received: session.amount_total,
      currency: session.currency,
      metadata: session.metadata,
    },
  },
});

describe("Stripe Checkout against a local fake Stripe", () => {
  it("creates a hosted Checkout Session with server prices and an idempotency key, and a signed completed event pays the order once", async () => {
    const placed = await placeOrder(2);
    expect(placed.payment.provider).toBe("stripe");
    expect(placed.payment.redirectUrl).toBe(`${fake.base}/pay/${placed.sessionId}`);
    const create = fake.calls.find((c) => c.path === "/v1/checkout/sessions" && c.form.get("metadata[orderId]") === placed.orderId);
    expect(create?.idempotencyKey).toMatch(/^checkout-session:pay_/);
    expect(create?.form.get("line_items[0][price_data][unit_amount]")).toBe(String(placed.unitPrice));
    expect(create?.form.get("line_items[0][quantity]")).toBe("2");
    expect(fake.sessions.get(placed.sessionId)?.amount_total).toBe(placed.total.amount);
    // A US order at 0 % sales tax: the goods and the shipping, nothing else.
    expect(lineItems(placed.sessionId).slice(1)).toEqual(
      placed.totals.shipping.amount > 0 ? [{ name: "Shipping", amount: placed.totals.shipping.amount, quantity: 1 }] : [],
    );

    fake.settle(placed.sessionId, "paid");
    const event = sessionEvent("checkout.session.completed", placed.sessionId);
    const first = await deliver(event);
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ received: true, applied: true });
    expect((await order(placed)).status).toBe("paid");
    // Stripe delivers the same event again: nothing changes.
    expect(await (await deliver(event)).json()).toEqual({ received: true, applied: false });
    expect((await order(placed)).timeline.map((e) => e.status)).toEqual(["pending_payment", "paid"]);
  }, 30_000);

  it("puts shipping, an added sales tax and import duties on their own Checkout lines, summing exactly to the order's total", async () => {
    // US (sales tax added on top): goods, Shipping, Sales tax.
    const token = await adminToken();
    const setUsTax = (taxRateBp: number) =>
      fetch(`${store.baseUrl}/api/admin/settings/countries/US`, {
        method: "PATCH",
        headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
        body: JSON.stringify({ taxRateBp }),
      });
    expect((await setUsTax(725)).status).toBe(200);
    try {
      const us = await placeOrder(1);
      expect(us.totals.tax).toMatchObject({ label: "Sales tax", inclusive: false });
      expect(us.totals.tax.total.amount).toBeGreaterThan(0);
      const items = lineItems(us.sessionId);
      expect(items.slice(1)).toEqual([
        ...(us.totals.shipping.amount > 0 ? [{ name: "Shipping", amount: us.totals.shipping.amount, quantity: 1 }] : []),
        { name: "Sales tax", amount: us.totals.tax.total.amount, quantity: 1 },
      ]);
      expect(items.reduce((sum, i) => sum + i.amount * i.quantity, 0)).toBe(us.total.amount);
      expect(fake.sessions.get(us.sessionId)?.amount_total).toBe(us.total.amount);
    } finally {
      expect((await setUsTax(0)).status).toBe(200);
    }

    // UK above the duty threshold (VAT already in the prices): goods, duties, and no VAT line charged again.
    const uk = await placeOrder(2, {
      sort: "price_desc",
      address: { fullName: "Ada", line1: "10 Downing St", city: "London", postalCode: "SW1A 2AA", country: "GB" },
    });
    expect(uk.totals.tax).toMatchObject({ label: "VAT", inclusive: true });
    expect(uk.totals.duties.amount).toBeGreaterThan(0);
    const ukItems = lineItems(uk.sessionId);
    expect(ukItems.map((i) => i.name)).not.toContain("VAT");
    expect(ukItems.at(-1)).toEqual({ name: "Import duties (estimate)", amount: uk.totals.duties.amount, quantity: 1 });
    expect(ukItems.reduce((sum, i) => sum + i.amount * i.quantity, 0)).toBe(uk.total.amount);
    expect(fake.sessions.get(uk.sessionId)?.amount_total).toBe(uk.total.amount);
  }, 30_000);

  it("refunds part of a paid order through Stripe, with a deterministic idempotency key", async () => {
    const placed = await placeOrder(2);
    const session = fake.settle(placed.sessionId, "paid");
    await deliver(sessionEvent("checkout.session.completed", placed.sessionId));
    const login = await signInByApi(store.baseUrl, ADMIN, { "X-Auth-Mode": "token" });
    const { accessToken } = (await login.json()) as { accessToken: string };
    const res = await fetch(`${store.baseUrl}/api/admin/orders/${placed.orderId}/refunds`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${accessToken}` },
      body: JSON.stringify({ amount: 500, reason: "late delivery" }),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { status: string }).status).toBe("partially_refunded");
    const refund = fake.calls.find((c) => c.path === "/v1/refunds" && c.form.get("payment_intent") === session.payment_intent);
    expect(refund?.form.get("amount")).toBe("500");
    expect(refund?.idempotencyKey).toMatch(/^refund:pay_\w+:0:500$/);
  }, 30_000);

  it("refuses a forged signature and a stale timestamp with 400, changing nothing", async () => {
    const placed = await placeOrder();
    fake.settle(placed.sessionId, "paid");
    const event = sessionEvent("checkout.session.completed", placed.sessionId);
    const forged = await deliver(event, { signature: `t=${Math.floor(Date.now() / 1000)},v1=${"0".repeat(64)}` });
    expect(forged.status).toBe(400);
    expect(((await forged.json()) as { code: string }).code).toBe("webhooks.invalid_signature");
    const stale = await deliver(event, { timestamp: Math.floor(Date.now() / 1000) - 3600 });
    expect(stale.status).toBe(400);
    expect((await order(placed)).status).toBe("pending_payment");
  }, 30_000);

  it("ends correct when the payment event arrives before the checkout event", async () => {
    const placed = await placeOrder();
    const session = fake.settle(placed.sessionId, "paid");
    expect(await (await deliver(intentEvent(session))).json()).toEqual({ received: true, applied: true });
    expect(await (await deliver(sessionEvent("checkout.session.completed", placed.sessionId))).json()).toEqual({ received: true, applied: false });
    expect((await order(placed)).status).toBe("paid");
  }, 30_000);

  it("refunds automatically, through Stripe with an idempotency key, a payment that arrives after the session expired", async () => {
    const placed = await placeOrder();
    fake.settle(placed.sessionId, "expired");
    expect(await (await deliver(sessionEvent("checkout.session.expired", placed.sessionId))).json()).toEqual({ received: true, applied: true });
    expect((await order(placed)).status).toBe("cancelled");
    const session = fake.sessions.get(placed.sessionId);
    if (!session) throw new Error("no session");
    await deliver(intentEvent(session));
    const refund = fake.calls.find((c) => c.path === "/v1/refunds" && c.form.get("payment_intent") === session.payment_intent);
    expect(refund?.idempotencyKey).toMatch(new RegExp(`^refund:pay_\\w+:0:${placed.total.amount}$`));
    expect(refund?.form.get("amount")).toBe(String(placed.total.amount));
    expect((await order(placed)).status).toBe("cancelled");
  }, 30_000);
});
