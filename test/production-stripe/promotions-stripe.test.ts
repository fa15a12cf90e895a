import { env } from "cloudflare:workers";
import Stripe from "stripe";
import { beforeAll, describe, expect, it } from "vitest";
import { FAKE_STRIPE_BASE, FAKE_STRIPE_WEBHOOK_SECRET, type FakeStripeCall, type FakeStripeSession } from "../support/fake-stripe-service";
import { call, json } from "../support/http";
import { client, stockProduct, US_ADDRESS } from "../support/orders";

// A production store with a live-mode key; the real Stripe SDK creates the Checkout Session at the in-process fake Stripe.
const stripeCalls = async () => (await (await fetch(`${FAKE_STRIPE_BASE}/__calls`)).json()) as FakeStripeCall[];

beforeAll(async () => {
  await stockProduct("STRIPE-PRM-A", 50, 1000);
  await stockProduct("STRIPE-PRM-B", 50, 3333);
  // 7 % off everything and 2.99 off with the code: shares that do not divide by the quantities.
  await env.DB.batch([
    env.DB.prepare("insert into promotions (id, name, code, kind, value) values ('prm_stripe_auto', 'Seven off', null, 'percentage', 700)"),
    env.DB.prepare("insert into promotions (id, name, code, kind, value, usage_limit) values ('prm_stripe_code', 'Code off', 'STRIPE299', 'fixed', 299, 10)"),
  ]);
});

describe("Stripe Checkout with discounts", () => {
  it("sends line amounts that sum to exactly the order's total, and the paid webhook commits the promotion use", async () => {
    const shopper = client();
    expect((await shopper.send("/api/cart/items", "POST", { sku: "STRIPE-PRM-A", quantity: 3 })).status).toBe(200);
    expect((await shopper.send("/api/cart/items", "POST", { sku: "STRIPE-PRM-B", quantity: 7 })).status).toBe(200);
    expect((await shopper.send("/api/cart/promotions", "POST", { code: "STRIPE299" })).status).toBe(200);
    const res = await shopper.send("/api/checkout", "POST", { email: "buyer@example.test", shippingAddress: US_ADDRESS, shippingOption: "express" });
    expect(res.status).toBe(201);
    const placed = await json(res);
    const sessionId = (placed.payment.redirectUrl as string).split("/").pop() as string;
    const order = await env.DB.prepare("select subtotal, discount_total, shipping_total, tax_total, duties_total, grand_total from orders where id = ?")
      .bind(placed.orderId)
      .first<Record<string, number>>();
    expect(order?.discount_total).toBe(Math.floor((3 * 1000 + 7 * 3333) * 0.07 + 0.5) + 299);

    // This order's own session (other test files in this project create sessions at the same fake Stripe).
    const created = (await stripeCalls()).find(
      (c) => c.path === "/v1/checkout/sessions" && c.method === "POST" && c.params.client_reference_id === placed.orderId,
    ) as FakeStripeCall;
    expect(created).toBeDefined();
    let sum = 0;
    let units = 0;
    for (let i = 0; created.params[`line_items[${i}][quantity]`] !== undefined; i++) {
      const quantity = Number(created.params[`line_items[${i}][quantity]`]);
      sum += quantity * Number(created.params[`line_items[${i}][price_data][unit_amount]`]);
      if (created.params[`line_items[${i}][price_data][product_data][name]`]?.startsWith("Item")) units += quantity;
    }
    expect(sum).toBe(order?.grand_total);
    expect(units).toBe(10);
    const session = (await (
      await fetch(`${FAKE_STRIPE_BASE}/v1/checkout/sessions/${sessionId}`, { headers: { Authorization: `Bearer ${env.STRIPE_SECRET_KEY}` } })
    ).json()) as FakeStripeSession;
    expect(session.amount_total).toBe(order?.grand_total);

    // Paid at Stripe, then the signed webhook: the amounts match, so the order is paid and the use committed.
    await fetch(`${FAKE_STRIPE_BASE}/__control/settle`, { method: "POST", body: JSON.stringify({ session: sessionId, how: "paid" }) });
    const payload = JSON.stringify({
      id: `evt_${crypto.randomUUID().slice(0, 12)}`,
      object: "event",
      type: "checkout.session.completed",
      livemode: true,
      created: Math.floor(Date.now() / 1000),
      data: { object: { id: sessionId, object: "checkout.session" } },
    });
    const signature = await Stripe.webhooks.generateTestHeaderStringAsync({
      payload,
      secret: FAKE_STRIPE_WEBHOOK_SECRET,
      cryptoProvider: Stripe.createSubtleCryptoProvider(),
    });
    const hook = await call("/api/webhooks/stripe", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Stripe-Signature": signature },
      body: payload,
    });
    expect(hook.status).toBe(200);
    const status = await env.DB.prepare("select status from orders where id = ?").bind(placed.orderId).first<{ status: string }>();
    expect(status?.status).toBe("paid");
    expect(await env.PROMOTION_COUNTER.getByName("prm_stripe_code").usage()).toMatchObject({ committed: 1, reserved: 0 });
  });
});
