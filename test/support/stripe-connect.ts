import { env } from "cloudflare:workers";
import Stripe from "stripe";
import { expect } from "vitest";
import { FAKE_STRIPE_BASE, FAKE_STRIPE_LIVE_KEY, FAKE_STRIPE_WEBHOOK_SECRET, type FakeStripeAccount } from "./fake-stripe-service";
import { call, json } from "./http";
import { client, US_ADDRESS } from "./orders";
import { carrierEvent } from "./returns";
import { send } from "./staff";
import { insertVendor, type VendorMemberCaller } from "./vendors";

const DAY = 86_400_000;

/** The real SDK pointed at the fake Stripe, as the test's own look at what the store did there. */
export const stripeSdk = () => {
  const base = new URL(FAKE_STRIPE_BASE);
  return new Stripe(FAKE_STRIPE_LIVE_KEY, {
    httpClient: Stripe.createFetchHttpClient(),
    host: base.hostname,
    port: base.port || 80,
    protocol: "http",
    maxNetworkRetries: 0,
  });
};

/** Calls the fake Stripe's control routes (JSON) or its API (form) as set-up. */
export async function fakeStripePost(path: string, body: Record<string, unknown>, form = true) {
  const res = await fetch(`${FAKE_STRIPE_BASE}${path}`, {
    method: "POST",
    headers: { Authorization: `Bearer ${FAKE_STRIPE_LIVE_KEY}`, "Content-Type": form ? "application/x-www-form-urlencoded" : "application/json" },
    body: form ? new URLSearchParams(body as Record<string, string>).toString() : JSON.stringify(body),
  });
  return (await res.json()) as FakeStripeAccount;
}

export const setAccount = (id: string, body: Partial<FakeStripeAccount>) => fakeStripePost("/__control/account", { id, ...body }, false);

/** A vendor paid through Stripe Connect: an account at the fake, onboarded, recorded on the vendor. */
export async function connectedVendor(account: Partial<FakeStripeAccount> = {}) {
  const vendor = await insertVendor();
  const created = await fakeStripePost("/v1/accounts", { type: "express", "metadata[vendorId]": vendor.vendorId });
  await setAccount(created.id, { charges_enabled: true, payouts_enabled: true, ...account });
  await env.DB.prepare("update vendors set payout_provider = 'stripe', stripe_account_id = ?, payouts_enabled = 1 where id = ?")
    .bind(created.id, vendor.vendorId)
    .run();
  return { vendor, account: created.id };
}

/** A signed, live-mode Stripe event delivered to the webhook endpoint. */
export async function stripeWebhook(type: string, object: Record<string, unknown>, eventId = `evt_${crypto.randomUUID().slice(0, 12)}`) {
  const payload = JSON.stringify({ id: eventId, object: "event", type, livemode: true, created: Math.floor(Date.now() / 1000), data: { object } });
  const signature = await Stripe.webhooks.generateTestHeaderStringAsync({
    payload,
    secret: FAKE_STRIPE_WEBHOOK_SECRET,
    cryptoProvider: Stripe.createSubtleCryptoProvider(),
  });
  const res = await call("/api/webhooks/stripe", {
    method: "POST",
    headers: { "Content-Type": "application/json", "Stripe-Signature": signature },
    body: payload,
  });
  expect(res.status).toBe(200);
}

/**
 * A shopper buys `items` through Stripe Checkout (the fake) and pays; the `checkout.session.completed` webhook is
 * delivered `replays` times (at once, each a distinct delivery of the same event). Answers the order id.
 */
export async function stripePurchase(items: { sku: string; quantity: number }[], replays = 1) {
  const shopper = client();
  for (const item of items) expect((await shopper.send("/api/cart/items", "POST", item)).status).toBe(200);
  const placed = await json(
    await shopper.send("/api/checkout", "POST", { email: "buyer@example.test", shippingAddress: US_ADDRESS, shippingOption: "standard" }),
  );
  const sessionId = (placed.payment.redirectUrl as string).split("/").pop() as string;
  expect((await fetch(`${FAKE_STRIPE_BASE}/__control/settle`, { method: "POST", body: JSON.stringify({ session: sessionId, how: "paid" }) })).status).toBe(200);
  const eventId = `evt_${crypto.randomUUID().slice(0, 12)}`;
  await Promise.all(Array.from({ length: replays }, () => stripeWebhook("checkout.session.completed", { id: sessionId, object: "checkout.session" }, eventId)));
  return placed.orderId as string;
}

/** A vendor order: its id and what the seller nets (gross − commission). */
export async function vendorOrderOf(orderId: string, vendorId: string) {
  const vo = await env.DB.prepare("select id, gross_total - commission_total as net from vendor_orders where order_id = ? and vendor_id = ?")
    .bind(orderId, vendorId)
    .first<{ id: string; net: number }>();
  expect(vo).toBeTruthy();
  return vo as { id: string; net: number };
}

/** The seller ships its part of the order and the carrier reports it delivered `daysAgo` days back. */
export async function shipAndDeliver(vendor: VendorMemberCaller, orderId: string, daysAgo = 31) {
  const vo = await vendorOrderOf(orderId, vendor.vendorId);
  const trackingNumber = `1Z${crypto.randomUUID().replace(/-/g, "").slice(0, 14)}`;
  expect((await send(`/api/vendor/orders/${vo.id}/shipments`, "POST", vendor.headers, { carrier: "UPS", trackingNumber })).status).toBe(200);
  const at = new Date(Date.now() - daysAgo * DAY).toISOString();
  expect((await carrierEvent({ eventId: `ev-${crypto.randomUUID()}`, trackingNumber, status: "delivered", occurredAt: at })).status).toBe(200);
  return vo;
}
