import { env } from "cloudflare:workers";
import Stripe from "stripe";
import { describe, expect, it, vi } from "vitest";
import { refundOrder } from "../../worker/orders";
import { payoutById, payoutRetryDelay, queuePayoutRun } from "../../worker/vendors";
import { FAKE_STRIPE_BASE, FAKE_STRIPE_LIVE_KEY, FAKE_STRIPE_WEBHOOK_SECRET, type FakeStripeAccount } from "../support/fake-stripe-service";
import { call, json } from "../support/http";
import { client, US_ADDRESS } from "../support/orders";
import { deliverPayoutMessages, messagesOf, runPayoutsNow } from "../support/payouts";
import { carrierEvent } from "../support/returns";
import { send } from "../support/staff";
import { insertVendor, type VendorMemberCaller } from "../support/vendors";
import { sellerProduct } from "../support/vendors-money";

// ENVIRONMENT=production with a live-mode Stripe key; the real SDK talks to the in-process fake Stripe, and the
// payouts queue is the real local queue (the helpers also hand each message to the consumer at once).
vi.setConfig({ testTimeout: 90_000, hookTimeout: 60_000 });

const DAY = 86_400_000;
let n = 0;

/** Calls the fake Stripe as the store would (a live key), for set-up the test does by hand. */
async function fakeStripe(path: string, body: Record<string, unknown>, form = true) {
  const res = await fetch(`${FAKE_STRIPE_BASE}${path}`, {
    method: "POST",
    headers: { Authorization: `Bearer ${FAKE_STRIPE_LIVE_KEY}`, "Content-Type": form ? "application/x-www-form-urlencoded" : "application/json" },
    body: form ? new URLSearchParams(body as Record<string, string>).toString() : JSON.stringify(body),
  });
  return (await res.json()) as FakeStripeAccount;
}
const transfersTo = async (account: string) =>
  ((await (await fetch(`${FAKE_STRIPE_BASE}/__transfers`)).json()) as { id: string; amount: number; destination: string; key: string }[]).filter(
    (t) => t.destination === account,
  );
const reversalsOf = async (transferId: string) =>
  ((await (await fetch(`${FAKE_STRIPE_BASE}/__reversals`)).json()) as { id: string; amount: number; transfer: string; key: string }[]).filter(
    (r) => r.transfer === transferId,
  );

/** A vendor paid through Stripe Connect: an account at the fake, onboarded, recorded on the vendor. */
async function connectedVendor(account: Partial<FakeStripeAccount> = {}) {
  const vendor = await insertVendor();
  const created = await fakeStripe("/v1/accounts", { type: "express", "metadata[vendorId]": vendor.vendorId });
  await fakeStripe("/__control/account", { id: created.id, charges_enabled: true, payouts_enabled: true, ...account }, false);
  await env.DB.prepare("update vendors set payout_provider = 'stripe', stripe_account_id = ?, payouts_enabled = 1 where id = ?")
    .bind(created.id, vendor.vendorId)
    .run();
  return { vendor, account: created.id };
}
const setAccount = (id: string, body: Partial<FakeStripeAccount>) => fakeStripe("/__control/account", { id, ...body }, false);

/** A sale and its commission written by hand `daysAgo` days back (no vendor order: the hold counts from its time). */
async function sale(vendorId: string, gross: number, commission: number, daysAgo = 45) {
  const at = new Date(Date.now() - daysAgo * DAY).toISOString();
  for (const [kind, amount] of [
    ["sale", gross],
    ["commission", -commission],
  ] as const) {
    n++;
    await env.DB.prepare("insert into vendor_ledger (id, vendor_id, kind, amount, currency, idempotency_key, created_at) values (?, ?, ?, ?, 'USD', ?, ?)")
      .bind(`vle_q${n}`, vendorId, kind, amount, `queue-test:${n}:${crypto.randomUUID()}`, at)
      .run();
  }
}
const balance = async (vendorId: string) =>
  (await env.DB.prepare("select coalesce(sum(amount), 0) as n from vendor_ledger where vendor_id = ?").bind(vendorId).first<{ n: number }>())?.n ?? 0;
const entries = async (vendorId: string, kind: string) =>
  (
    await env.DB.prepare("select amount, idempotency_key as key from vendor_ledger where vendor_id = ? and kind = ? order by created_at, id")
      .bind(vendorId, kind)
      .all<{ amount: number; key: string }>()
  ).results;
const payoutsOf = async (vendorId: string) =>
  (
    await env.DB.prepare("select id, amount, provider, status, provider_reference as ref from payouts where vendor_id = ? order by created_at, id")
      .bind(vendorId)
      .all<{ id: string; amount: number; provider: string; status: string; ref: string | null }>()
  ).results;
const payoutMessage = (vendorId: string, payoutId = `po_q${++n}${crypto.randomUUID().slice(0, 6)}`) => ({
  kind: "payout" as const,
  payoutId,
  vendorId,
  currency: "USD",
  asOf: Date.now(),
  actor: null,
});

describe("Stripe Connect payouts through the payouts queue", () => {
  it("two runs at once and every message delivered twice make one payout, one ledger entry and one transfer", async () => {
    const { vendor, account } = await connectedVendor();
    await sale(vendor.vendorId, 12_345, 1_234);
    const asOf = Date.now();
    const [a, b] = await Promise.all([queuePayoutRun(env, { now: asOf }), queuePayoutRun(env, { now: asOf })]);
    const mine = [...messagesOf(a, asOf), ...messagesOf(b, asOf)].filter((m) => m.kind === "payout" && m.vendorId === vendor.vendorId);
    // One message per seller per run; both runs saw the balance.
    expect(mine).toHaveLength(2);
    await Promise.all([deliverPayoutMessages(mine), deliverPayoutMessages(mine, { attempts: 2 })]);
    const rows = await payoutsOf(vendor.vendorId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ amount: 11_111, provider: "stripe_connect", status: "paid" });
    const id = rows[0]?.id as string;
    expect(await entries(vendor.vendorId, "transfer")).toEqual([{ amount: -11_111, key: `payout:${id}` }]);
    // The real queue delivers the same messages again meanwhile; nothing changes.
    await new Promise((r) => setTimeout(r, 2_500));
    const transfers = await transfersTo(account);
    expect(transfers).toHaveLength(1);
    expect(transfers[0]).toMatchObject({ amount: 11_111, key: `payout:${id}` });
    expect((await payoutsOf(vendor.vendorId))[0]?.ref).toBe(transfers[0]?.id);
    expect(await balance(vendor.vendorId)).toBe(0);
  });

  it("retries a transfer Stripe could not take with backoff through the queue, then pays it once", async () => {
    const { vendor, account } = await connectedVendor({ unavailable_for: 2 });
    await sale(vendor.vendorId, 5_000, 500);
    const message = payoutMessage(vendor.vendorId);
    const first = await deliverPayoutMessages([message]);
    expect(first.result.explicitAcks).toEqual([]);
    // Retried by the queue (the delay the handler asks for is payoutRetryDelay(attempts): 30 s, then doubling).
    expect(first.result.retryMessages.map((m) => m.msgId)).toEqual([first.batch.messages[0]?.id]);
    expect(await payoutById(env, message.payoutId)).toMatchObject({ status: "pending", provider: "stripe_connect" });
    // The money left the balance with the payout; it is not paid twice while the transfer is retried.
    expect(await balance(vendor.vendorId)).toBe(0);
    const second = await deliverPayoutMessages([message], { attempts: 2 });
    expect(second.result.retryMessages.map((m) => m.msgId)).toEqual([second.batch.messages[0]?.id]);
    expect(await transfersTo(account)).toEqual([]);
    // The next payout run does not send it: only the queue retries.
    await runPayoutsNow();
    expect(await transfersTo(account)).toEqual([]);
    const third = await deliverPayoutMessages([message], { attempts: 3 });
    expect(third.result.explicitAcks).toHaveLength(1);
    expect(await payoutById(env, message.payoutId)).toMatchObject({ status: "paid" });
    expect((await transfersTo(account)).map((t) => [t.amount, t.key])).toEqual([[4_500, `payout:${message.payoutId}`]]);
    expect(await payoutsOf(vendor.vendorId)).toHaveLength(1);
  });

  it("a refused transfer fails the payout and credits the amount back, once", async () => {
    const { vendor, account } = await connectedVendor({ refuse_transfers: true });
    await sale(vendor.vendorId, 8_000, 800);
    const message = payoutMessage(vendor.vendorId);
    expect((await deliverPayoutMessages([message])).result.explicitAcks).toHaveLength(1);
    await deliverPayoutMessages([message], { attempts: 2 });
    const payout = await payoutById(env, message.payoutId);
    expect(payout.status).toBe("failed");
    expect(payout.failureReason).toMatch(/transfers/);
    expect(await entries(vendor.vendorId, "transfer_reversal")).toEqual([{ amount: 7_200, key: `payout_reversal:${message.payoutId}` }]);
    expect(await balance(vendor.vendorId)).toBe(7_200);
    expect(await transfersTo(account)).toEqual([]);
  });

  it("pays by hand while the vendor's account cannot receive payouts", async () => {
    const { vendor } = await connectedVendor();
    await env.DB.prepare("update vendors set payouts_enabled = 0 where id = ?").bind(vendor.vendorId).run();
    await sale(vendor.vendorId, 1_000, 100);
    await deliverPayoutMessages([payoutMessage(vendor.vendorId)]);
    expect((await payoutsOf(vendor.vendorId)).map((p) => p.provider)).toEqual(["manual"]);
  });
});

// --- A refund after the sale was paid out -------------------------------------------------------------------

/** A signed, live-mode Stripe event delivered to the webhook endpoint. */
async function webhook(type: string, object: Record<string, unknown>) {
  const payload = JSON.stringify({
    id: `evt_${crypto.randomUUID().slice(0, 12)}`,
    object: "event",
    type,
    livemode: true,
    created: Math.floor(Date.now() / 1000),
    data: { object },
  });
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

/** A shopper buys `sku` through Stripe Checkout (the fake), the seller ships it and the carrier delivers it 31 days ago. */
async function deliveredSale(vendor: VendorMemberCaller, sku: string) {
  const shopper = client();
  expect((await shopper.send("/api/cart/items", "POST", { sku, quantity: 1 })).status).toBe(200);
  const placed = await json(
    await shopper.send("/api/checkout", "POST", { email: "buyer@example.test", shippingAddress: US_ADDRESS, shippingOption: "standard" }),
  );
  const sessionId = (placed.payment.redirectUrl as string).split("/").pop() as string;
  expect((await fetch(`${FAKE_STRIPE_BASE}/__control/settle`, { method: "POST", body: JSON.stringify({ session: sessionId, how: "paid" }) })).status).toBe(200);
  await webhook("checkout.session.completed", { id: sessionId, object: "checkout.session" });
  const vo = await env.DB.prepare("select id, gross_total - commission_total as net from vendor_orders where order_id = ?")
    .bind(placed.orderId)
    .first<{ id: string; net: number }>();
  expect(vo).toBeTruthy();
  const trackingNumber = `1Z${crypto.randomUUID().replace(/-/g, "").slice(0, 14)}`;
  expect((await send(`/api/vendor/orders/${vo?.id}/shipments`, "POST", vendor.headers, { carrier: "UPS", trackingNumber })).status).toBe(200);
  const at = new Date(Date.now() - 31 * DAY).toISOString();
  expect((await carrierEvent({ eventId: `ev-${crypto.randomUUID()}`, trackingNumber, status: "delivered", occurredAt: at })).status).toBe(200);
  return { orderId: placed.orderId as string, net: vo?.net as number };
}
const ctx = { actor: { kind: "system" as const }, origin: "http://store.test" };
const reversal = (vendorId: string, refundKey: string) => ({ kind: "reversal" as const, vendorId, currency: "USD", refundKey });

describe("the payouts queue's backoff", () => {
  it("waits 30 s after the first failed attempt, doubling each time, at most an hour", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map(payoutRetryDelay)).toEqual([30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]);
  });
});

describe("a refund of a sale already paid out through Stripe", () => {
  it("reverses the seller's share from its transfer once per refund, and records it once", async () => {
    const { vendor, account } = await connectedVendor();
    await sellerProduct("REV-1", vendor.vendorId, 4_000);
    const order = await deliveredSale(vendor, "REV-1");
    await runPayoutsNow();
    const [payout] = await payoutsOf(vendor.vendorId);
    expect(payout).toMatchObject({ amount: order.net, status: "paid" });
    const [transfer] = await transfersTo(account);

    // Half the order back, then the rest: each refund's message reverses what the seller was overpaid, once.
    const half = await refundOrder(env, order.orderId, 2_000, "Arrived scratched", ctx);
    const key1 = `${order.orderId}:${half.refunded.amount}`;
    await Promise.all([deliverPayoutMessages([reversal(vendor.vendorId, key1)]), deliverPayoutMessages([reversal(vendor.vendorId, key1)], { attempts: 2 })]);
    const afterHalf = await reversalsOf(transfer?.id as string);
    expect(afterHalf).toHaveLength(1);
    expect(afterHalf[0]?.key).toBe(`clawback:${payout?.id}:${key1}`);
    expect(await balance(vendor.vendorId)).toBe(0);

    const rest = await refundOrder(env, order.orderId, undefined, "Returned", ctx);
    const key2 = `${order.orderId}:${rest.refunded.amount}`;
    await deliverPayoutMessages([reversal(vendor.vendorId, key2)]);
    await deliverPayoutMessages([reversal(vendor.vendorId, key2)], { attempts: 2 });
    // The real queue delivers both messages too, a moment later: still nothing more.
    await new Promise((r) => setTimeout(r, 2_500));
    const all = await reversalsOf(transfer?.id as string);
    expect(all).toHaveLength(2);
    expect(all.reduce((s, r) => s + r.amount, 0)).toBe(order.net);
    expect((await entries(vendor.vendorId, "transfer_reversal")).map((e) => e.key)).toEqual([
      `clawback:${payout?.id}:${key1}`,
      `clawback:${payout?.id}:${key2}`,
    ]);
    expect(await balance(vendor.vendorId)).toBe(0);
  });

  it("when the reversal is refused, the seller's balance stays negative and nets against its next payout", async () => {
    const { vendor, account } = await connectedVendor();
    await sellerProduct("REV-2", vendor.vendorId, 3_000);
    const order = await deliveredSale(vendor, "REV-2");
    await runPayoutsNow();
    await setAccount(account, { refuse_reversals: true });
    const refund = await refundOrder(env, order.orderId, undefined, "Never arrived", ctx);
    const { result } = await deliverPayoutMessages([reversal(vendor.vendorId, `${order.orderId}:${refund.refunded.amount}`)]);
    // Refused for good: acked, not retried; no reversal, no entry.
    expect(result.explicitAcks).toHaveLength(1);
    expect(await entries(vendor.vendorId, "transfer_reversal")).toEqual([]);
    expect(await balance(vendor.vendorId)).toBe(-order.net);
    // A later sale pays out net of what is owed.
    await sale(vendor.vendorId, 10_000, 1_000);
    await runPayoutsNow();
    expect((await payoutsOf(vendor.vendorId)).map((p) => p.amount)).toEqual([order.net, 9_000 - order.net]);
    expect(await balance(vendor.vendorId)).toBe(0);
  });
});
