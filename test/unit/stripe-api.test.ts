import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import Stripe from "stripe";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createStripeApi, encodeStripeParams, isStripeError, STRIPE_API_VERSION, stripeErrorKind, verifyStripeWebhook } from "../../worker/payments/stripe-api";

// The store's own Stripe client against a local HTTP server standing in for api.stripe.com: what it sends
// (Stripe's form encoding, headers, one idempotency key across retries) and how it reads Stripe's answers.

type Seen = { method: string; url: string; headers: IncomingMessage["headers"]; body: string };
let seen: Seen[] = [];
let answers: Array<(res: ServerResponse) => void> = [];
let base = "";
const server = createServer((req, res) => {
  let body = "";
  req.on("data", (d) => (body += d));
  req.on("end", () => {
    seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
    const answer = answers.shift();
    if (answer) answer(res);
    else reply(res, 200, { id: "obj_1", object: "thing" });
  });
});
const reply = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { "Content-Type": "application/json", ...headers });
  res.end(JSON.stringify(body));
};

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  seen = [];
  answers = [];
});

describe("the store's Stripe client", () => {
  it("sends Stripe's form encoding (nested objects, indexed arrays), the key, the API version and the caller's idempotency key", async () => {
    const api = createStripeApi("sk_live_x", base);
    await api.checkout.sessions.create(
      {
        mode: "payment",
        line_items: [{ quantity: 2, price_data: { currency: "usd", unit_amount: 1250, product_data: { name: "Mug & saucer" } } }],
        metadata: { orderId: "ord_1" },
        expires_at: 1_800_000_000,
      },
      { idempotencyKey: "checkout-session:pay_1" },
    );
    const [call] = seen;
    expect(call?.method).toBe("POST");
    expect(call?.url).toBe("/v1/checkout/sessions");
    expect(call?.headers.authorization).toBe("Bearer sk_live_x");
    expect(call?.headers["stripe-version"]).toBe(STRIPE_API_VERSION);
    expect(call?.headers["idempotency-key"]).toBe("checkout-session:pay_1");
    expect(Object.fromEntries(new URLSearchParams(call?.body))).toEqual({
      mode: "payment",
      "line_items[0][quantity]": "2",
      "line_items[0][price_data][currency]": "usd",
      "line_items[0][price_data][unit_amount]": "1250",
      "line_items[0][price_data][product_data][name]": "Mug & saucer",
      "metadata[orderId]": "ord_1",
      expires_at: "1800000000",
    });
    expect(encodeStripeParams({ a: undefined, b: null, c: true })).toBe("b=&c=true");
  });

  it("retries a 500 and a lost connection with the same idempotency key, and returns the answer that came", async () => {
    const api = createStripeApi("sk_live_x", base);
    answers = [(res) => reply(res, 500, { error: { type: "api_error", message: "down" } }), (res) => res.destroy()];
    const refund = await api.refunds.create({ payment_intent: "pi_1", amount: 500 });
    expect(refund).toMatchObject({ id: "obj_1" });
    expect(seen).toHaveLength(3);
    const keys = new Set(seen.map((s) => s.headers["idempotency-key"]));
    expect(keys.size).toBe(1);
    expect([...keys][0]).toMatch(/^store-retry-/);
  });

  it("does not retry when Stripe says not to, nor a refusal; errors carry Stripe's kind, code and param", async () => {
    const api = createStripeApi("sk_live_x", base);
    answers = [(res) => reply(res, 500, { error: { type: "api_error", message: "outage" } }, { "Stripe-Should-Retry": "false" })];
    const outage = await api.transfers.create({ amount: 100, currency: "usd", destination: "acct_1" }).catch((e) => e);
    expect(seen).toHaveLength(1);
    expect(isStripeError(outage, "api")).toBe(true);
    expect(isStripeError(outage, "invalid_request")).toBe(false);

    answers = [
      (res) => reply(res, 400, { error: { type: "invalid_request_error", message: "No such destination", code: "resource_missing", param: "destination" } }),
    ];
    const refused = await api.transfers.create({ amount: 100, currency: "usd", destination: "acct_x" }).catch((e) => e);
    expect(seen).toHaveLength(2);
    expect(refused).toMatchObject({ kind: "invalid_request", statusCode: 400, code: "resource_missing", param: "destination", message: "No such destination" });

    answers = [(res) => reply(res, 403, { error: { type: "invalid_request_error", message: "not allowed" } })];
    expect(isStripeError(await api.accounts.retrieve("acct_1").catch((e) => e), "permission")).toBe(true);
  }, 15_000);

  it("classes errors by status as the SDK does: a 409 on a key in use is transient even though Stripe types it invalid_request_error", async () => {
    const api = createStripeApi("sk_live_x", base);
    const inUse = { error: { type: "invalid_request_error", message: "There is currently another in-progress request using this Idempotent Key" } };
    answers = [(res) => reply(res, 409, inUse), (res) => reply(res, 409, inUse), (res) => reply(res, 409, inUse)];
    const busy = await api.transfers.create({ amount: 100, currency: "usd", destination: "acct_1" }, { idempotencyKey: "payout:po_1" }).catch((e) => e);
    // Retried twice with the same key, then answered as an API error: the payout is tried again later, not failed for good.
    expect(seen).toHaveLength(3);
    expect(new Set(seen.map((s) => s.headers["idempotency-key"]))).toEqual(new Set(["payout:po_1"]));
    expect(busy).toMatchObject({ kind: "api", statusCode: 409 });
    expect(isStripeError(busy, "invalid_request", "permission", "card")).toBe(false);
    // The SDK's generateV1Error, case by case.
    expect(stripeErrorKind(400, "invalid_request_error", "rate_limit")).toBe("rate_limit");
    expect(stripeErrorKind(429, "invalid_request_error", undefined)).toBe("rate_limit");
    expect(stripeErrorKind(404, "invalid_request_error", "resource_missing")).toBe("invalid_request");
    expect(stripeErrorKind(400, "idempotency_error", undefined)).toBe("idempotency");
    expect(stripeErrorKind(401, "invalid_request_error", undefined)).toBe("authentication");
    expect(stripeErrorKind(402, "card_error", "card_declined")).toBe("card");
    expect(stripeErrorKind(402, "invalid_request_error", undefined)).toBe("card");
    expect(stripeErrorKind(500, "api_error", undefined)).toBe("api");
  }, 15_000);

  it("pages a list with starting_after up to the limit asked", async () => {
    const api = createStripeApi("sk_live_x", base);
    const page = (ids: string[], more: boolean) => (res: ServerResponse) =>
      reply(res, 200, { object: "list", has_more: more, data: ids.map((id) => ({ id })) });
    answers = [page(["cs_3", "cs_2"], true), page(["cs_1", "cs_0"], true)];
    const got = await api.checkout.sessions.list({ created: { gte: 100 }, limit: 2 }).autoPagingToArray({ limit: 3 });
    expect(got.map((s) => s.id)).toEqual(["cs_3", "cs_2", "cs_1"]);
    expect(seen.map((s) => decodeURIComponent(s.url))).toEqual([
      "/v1/checkout/sessions?created[gte]=100&limit=2",
      "/v1/checkout/sessions?created[gte]=100&limit=2&starting_after=cs_2",
    ]);
    expect(seen.every((s) => s.headers["idempotency-key"] === undefined)).toBe(true);
  });

  it("accepts a webhook signed by Stripe's own SDK and refuses a wrong secret, a changed body and a stale timestamp", async () => {
    const payload = JSON.stringify({ id: "evt_1", type: "checkout.session.completed", livemode: true, data: { object: { id: "cs_1" } } });
    const secret = "whsec_unit";
    const header = await Stripe.webhooks.generateTestHeaderStringAsync({ payload, secret });
    expect(await verifyStripeWebhook(payload, header, secret, 300)).toMatchObject({ id: "evt_1" });
    // A header with a second v1 (Stripe sends one per active secret while a secret is rolled) still matches.
    expect(await verifyStripeWebhook(payload, `${header},v1=${"ab".repeat(32)}`, secret, 300)).toMatchObject({ id: "evt_1" });
    await expect(verifyStripeWebhook(payload, header, "whsec_other", 300)).rejects.toThrow();
    await expect(verifyStripeWebhook(payload.replace("cs_1", "cs_2"), header, secret, 300)).rejects.toThrow();
    await expect(verifyStripeWebhook(payload, header, secret, 300, Date.now() + 301_000)).rejects.toThrow(/too old/);
    await expect(verifyStripeWebhook(payload, "garbage", secret, 300)).rejects.toThrow();
  });
});
