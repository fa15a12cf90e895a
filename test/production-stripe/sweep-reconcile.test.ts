import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import Stripe from "stripe";
import { beforeAll, describe, expect, it } from "vitest";
import { DAILY_CRON } from "../../worker/scheduled";
import worker from "../../worker/test-entry";
import { insertUser } from "../support/factories";
import { FAKE_STRIPE_BASE, FAKE_STRIPE_WEBHOOK_SECRET, type FakeStripeCall } from "../support/fake-stripe-service";
import { call, json } from "../support/http";
import { client, stockProduct, US_ADDRESS } from "../support/orders";

// ENVIRONMENT=production with a live-mode Stripe key; the real SDK talks to the in-process fake Stripe.
const SKU = "STRIPE-SWEEP-1";
const INITIAL = 50;

const stock = async () => env.INVENTORY_LEDGER.getByName(SKU).snapshot(SKU);

/** Places an order through the API: the store creates a Checkout Session at the fake Stripe. */
async function place() {
  const shopper = client();
  expect((await shopper.send("/api/cart/items", "POST", { sku: SKU, quantity: 2 })).status).toBe(200);
  const res = await shopper.send("/api/checkout", "POST", { email: "buyer@example.test", shippingAddress: US_ADDRESS, shippingOption: "standard" });
  expect(res.status).toBe(201);
  const placed = await json(res);
  const sessionId = (placed.payment.redirectUrl as string).split("/").pop() as string;
  const payment = await env.DB.prepare("select id from payments where order_id = ?").bind(placed.orderId).first<{ id: string }>();
  return { orderId: placed.orderId as string, sessionId, paymentId: payment?.id as string, total: placed.total.amount as number };
}

/** What the shopper did on Stripe's page (no webhook is sent). */
const settle = async (session: string, how: "paid" | "expired") => {
  const res = await fetch(`${FAKE_STRIPE_BASE}/__control/settle`, { method: "POST", body: JSON.stringify({ session, how }) });
  expect(res.status).toBe(200);
  return (await res.json()) as { payment_intent: string };
};
const stripeCalls = async () => (await (await fetch(`${FAKE_STRIPE_BASE}/__calls`)).json()) as FakeStripeCall[];
/** Refunds Stripe made for a payment: one per idempotency key (a repeated key is answered with the first refund). */
const refundsOf = async (paymentId: string) => {
  const calls = (await stripeCalls()).filter((c) => c.path === "/v1/refunds" && c.params["metadata[paymentId]"] === paymentId);
  return [...new Map(calls.map((c) => [c.idempotencyKey, c])).values()];
};

/** The 45-minute holds ran out without a word from Stripe. */
const expireHolds = (orderId: string) => env.DB.prepare("update orders set holds_expire_at = 0 where id = ?").bind(orderId).run();

const state = async (orderId: string) =>
  env.DB.prepare(
    "select o.status as orderStatus, p.status as paymentStatus, p.refunded_amount as refunded from orders o join payments p on p.order_id = o.id where o.id = ?",
  )
    .bind(orderId)
    .first<{ orderStatus: string; paymentStatus: string; refunded: number }>();

async function runCron(cron: string) {
  const ctx = createExecutionContext();
  await worker.scheduled?.(createScheduledController({ cron, scheduledTime: Date.now() }), env, ctx);
  await waitOnExecutionContext(ctx);
}
const sweep = () => runCron("*/15 * * * *");
const reconcile = () => runCron(DAILY_CRON);

/** A signed, live-mode Stripe event delivered to the webhook endpoint. */
async function webhook(type: string, object: Record<string, unknown>, id = `evt_${crypto.randomUUID().slice(0, 12)}`) {
  const payload = JSON.stringify({ id, object: "event", type, livemode: true, created: Math.floor(Date.now() / 1000), data: { object } });
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
  return { id, body: (await res.json()) as { received: boolean; applied: boolean } };
}
const sessionCompleted = (sessionId: string, id?: string) => webhook("checkout.session.completed", { id: sessionId, object: "checkout.session" }, id);

let admin: { id: string; email: string };
beforeAll(async () => {
  expect(env.ENVIRONMENT).toBe("production");
  await stockProduct(SKU, INITIAL);
  admin = await insertUser(env.DB, { role: "admin" });
});

describe("the pending-payment sweep asks Stripe before cancelling", () => {
  it("marks an order paid when Stripe says its session was paid but no webhook came; the late webhook changes nothing and nothing is refunded", async () => {
    const order = await place();
    await settle(order.sessionId, "paid");
    await expireHolds(order.orderId);
    await sweep();
    expect(await state(order.orderId)).toEqual({ orderStatus: "paid", paymentStatus: "succeeded", refunded: 0 });
    // The staff hear about it once, as for a webhook.
    await expect
      .poll(
        async () =>
          (
            await env.DB.prepare("select count(*) as n from email_outbox where id = ?")
              .bind(`staff-new-order:${order.orderId}:${admin.id}`)
              .first<{ n: number }>()
          )?.n,
        {
          timeout: 15_000,
          interval: 250,
        },
      )
      .toBe(1);

    const late = await sessionCompleted(order.sessionId);
    expect(late.body).toEqual({ received: true, applied: false });
    expect(await state(order.orderId)).toEqual({ orderStatus: "paid", paymentStatus: "succeeded", refunded: 0 });
    expect(await refundsOf(order.paymentId)).toEqual([]);
  });

  it("expires an open session at Stripe first, then cancels the order and gives the stock back", async () => {
    const before = (await stock()).available;
    const order = await place();
    expect((await stock()).available).toBe(before - 2);
    await expireHolds(order.orderId);
    await sweep();
    const expireCalls = (await stripeCalls()).filter((c) => c.path === `/v1/checkout/sessions/${order.sessionId}/expire`);
    expect(expireCalls).toHaveLength(1);
    expect(expireCalls[0]?.idempotencyKey).toBe(`expire-session:${order.paymentId}`);
    expect(await state(order.orderId)).toMatchObject({ orderStatus: "cancelled", paymentStatus: "failed" });
    expect((await stock()).available).toBe(before);
    // A second sweep finds nothing pending and asks Stripe nothing more.
    await sweep();
    expect((await stripeCalls()).filter((c) => c.path === `/v1/checkout/sessions/${order.sessionId}/expire`)).toHaveLength(1);
  });

  it("refunds a payment that lands after the sweep cancelled its order exactly once, however many events and runs follow", async () => {
    const order = await place();
    await expireHolds(order.orderId);
    await sweep();
    expect(await state(order.orderId)).toMatchObject({ orderStatus: "cancelled" });
    // The payment completed at Stripe in the same moment the session was being expired.
    const session = await settle(order.sessionId, "paid");

    const first = await sessionCompleted(order.sessionId);
    expect(first.body.applied).toBe(true);
    expect(await state(order.orderId)).toEqual({ orderStatus: "cancelled", paymentStatus: "refunded", refunded: order.total });
    const refunds = await refundsOf(order.paymentId);
    expect(refunds).toHaveLength(1);
    expect(refunds[0]?.params).toMatchObject({ payment_intent: session.payment_intent, amount: String(order.total) });

    // The same event again, another event for the same payment, the sweep and the reconciliation: no second refund.
    expect((await sessionCompleted(order.sessionId, first.id)).body.applied).toBe(false);
    const intent = {
      id: session.payment_intent,
      object: "payment_intent",
      amount_received: order.total,
      currency: "usd",
      metadata: { paymentId: order.paymentId },
    };
    expect((await webhook("payment_intent.succeeded", intent)).body.applied).toBe(false);
    await sweep();
    await reconcile();
    expect(await refundsOf(order.paymentId)).toHaveLength(1);
    expect(await state(order.orderId)).toEqual({ orderStatus: "cancelled", paymentStatus: "refunded", refunded: order.total });
  });
});

describe("races between the sweep, the reconciliation and late webhooks", () => {
  it("a sweep, a reconciliation and two webhooks at once for a paid session: paid once, stock taken once, nothing refunded", async () => {
    const order = await place();
    const session = await settle(order.sessionId, "paid");
    await expireHolds(order.orderId);
    const before = await stock();
    const intent = {
      id: session.payment_intent,
      object: "payment_intent",
      amount_received: order.total,
      currency: "usd",
      metadata: { paymentId: order.paymentId },
    };
    await Promise.all([sweep(), reconcile(), sessionCompleted(order.sessionId), webhook("payment_intent.succeeded", intent)]);
    expect(await state(order.orderId)).toEqual({ orderStatus: "paid", paymentStatus: "succeeded", refunded: 0 });
    expect((await stock()).onHand).toBe(before.onHand - 2);
    expect(await refundsOf(order.paymentId)).toEqual([]);
  });

  it("two different late events for a cancelled order at once: one refund", async () => {
    const order = await place();
    await expireHolds(order.orderId);
    await sweep();
    const session = await settle(order.sessionId, "paid");
    const intent = {
      id: session.payment_intent,
      object: "payment_intent",
      amount_received: order.total,
      currency: "usd",
      metadata: { paymentId: order.paymentId },
    };
    await Promise.all([sessionCompleted(order.sessionId), webhook("payment_intent.succeeded", intent)]);
    expect(await refundsOf(order.paymentId)).toHaveLength(1);
    expect(await state(order.orderId)).toEqual({ orderStatus: "cancelled", paymentStatus: "refunded", refunded: order.total });
  });
});

describe("the daily reconciliation against Stripe", () => {
  const runs = () =>
    env.DB.prepare("select after from audit_log where action = 'payments.reconcile' order by at")
      .all<{ after: string }>()
      .then((r) => r.results.map((row) => JSON.parse(row.after) as { checked: number; fixed: number; actions: { paymentId: string; action: string }[] }));

  it("fixes orders whose webhook never arrived, records what it did, and a second run changes nothing", async () => {
    const paid = await place();
    const abandoned = await place();
    const open = await place();
    await settle(paid.sessionId, "paid");
    await settle(abandoned.sessionId, "expired");
    const stockBefore = await stock();

    const runsBefore = (await runs()).length;
    await reconcile();
    expect(await state(paid.orderId)).toMatchObject({ orderStatus: "paid", paymentStatus: "succeeded" });
    expect(await state(abandoned.orderId)).toMatchObject({ orderStatus: "cancelled", paymentStatus: "failed" });
    // An open session is the webhook's and the sweep's business: left alone.
    expect(await state(open.orderId)).toMatchObject({ orderStatus: "pending_payment", paymentStatus: "pending" });
    // Paid: its held units left the shelf; abandoned: its held units came back.
    const stockAfter = await stock();
    expect(stockAfter.onHand).toBe(stockBefore.onHand - 2);
    expect(stockAfter.available).toBe(stockBefore.available + 2);

    const [record] = (await runs()).slice(runsBefore);
    expect(record?.checked).toBeGreaterThanOrEqual(3);
    expect(record?.actions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ paymentId: paid.paymentId, action: "marked_paid" }),
        expect.objectContaining({ paymentId: abandoned.paymentId, action: "cancelled" }),
      ]),
    );

    await reconcile();
    const again = (await runs()).at(-1);
    expect(again).toMatchObject({ fixed: 0, actions: [] });
    expect(await state(paid.orderId)).toMatchObject({ orderStatus: "paid" });
    expect(await refundsOf(paid.paymentId)).toEqual([]);
  });
});
