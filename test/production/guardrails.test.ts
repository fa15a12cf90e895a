import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import Stripe from "stripe";
import { beforeAll, describe, expect, it } from "vitest";
import worker from "../../worker/test-entry";
import { hashPassword, passwordCost, verifyPassword } from "../../worker/accounts/password";
import { json, postJson } from "../support/http";
import { client, stockProduct, US_ADDRESS } from "../support/orders";

// This project runs with ENVIRONMENT=production and nothing configured: no Stripe key, the outbox email provider.
const SKU = "PROD-GUARD-1";
const stock = async (sku = SKU) => (await env.INVENTORY_LEDGER.getByName(sku).snapshot(sku)).available;
const orderCount = async () => (await env.DB.prepare("select count(*) as n from orders").first<{ n: number }>())?.n ?? 0;

/** The Worker with some vars changed, as a store deployed with those settings would answer. */
async function callWith(vars: Partial<Env>, path: string, init: RequestInit = {}) {
  const ctx = createExecutionContext();
  const request = new Request(`http://store.test${path}`, init) as Request<unknown, IncomingRequestCfProperties>;
  const res = await worker.fetch?.(request, { ...env, ...vars }, ctx);
  await waitOnExecutionContext(ctx);
  if (!res) throw new Error("no response");
  return res;
}

/** A cart with one item (through the real API), then a checkout through the Worker with `vars`. */
async function checkoutWith(vars: Partial<Env>, sku = SKU) {
  const shopper = client();
  const added = await shopper.send("/api/cart/items", "POST", { sku, quantity: 2 });
  expect(added.status).toBe(200);
  return callWith(vars, "/api/checkout", {
    method: "POST",
    headers: { "Content-Type": "application/json", Origin: "http://store.test", Cookie: shopper.cookie() },
    body: JSON.stringify({ email: "buyer@example.test", shippingAddress: US_ADDRESS, shippingOption: "standard" }),
  });
}

beforeAll(async () => {
  expect(env.ENVIRONMENT).toBe("production");
  expect(env.STRIPE_SECRET_KEY).toBeUndefined();
  await stockProduct(SKU, 5);
});

describe("checkout without a payment provider", () => {
  it("answers 503 checkout.payments_unavailable before holding any stock, and saves no order", async () => {
    const before = await orderCount();
    const res = await checkoutWith({});
    expect(res.status).toBe(503);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    const problem = await json(res);
    expect(problem.code).toBe("checkout.payments_unavailable");
    expect(problem.detail).toMatch(/cannot take payments/);
    expect(await stock()).toBe(5);
    expect(await orderCount()).toBe(before);
  });

  it("takes the order through the test provider only when a demo store allows it (ALLOW_TEST_PAYMENTS=true)", async () => {
    const res = await checkoutWith({ ALLOW_TEST_PAYMENTS: "true" });
    expect(res.status).toBe(201);
    expect((await json(res)).payment.provider).toBe("test");
    expect(await stock()).toBe(3);
  });
});

describe("Stripe test mode in production", () => {
  for (const key of ["sk_test_local_fake_key", "rk_test_local_fake_key"]) {
    it(`refuses a ${key.slice(0, 7)}… key with 503 before holding stock`, async () => {
      await stockProduct(`PROD-KEY-${key.slice(0, 2).toUpperCase()}`, 4);
      const sku = `PROD-KEY-${key.slice(0, 2).toUpperCase()}`;
      const res = await checkoutWith({ STRIPE_SECRET_KEY: key, STRIPE_API_BASE: "http://fake-stripe.test" }, sku);
      expect(res.status).toBe(503);
      expect((await json(res)).code).toBe("checkout.payments_unavailable");
      expect(await stock(sku)).toBe(4);
    });
  }

  it("accepts a test-mode key on a staging store that sets ALLOW_STRIPE_TEST_MODE=true", async () => {
    await stockProduct("PROD-STAGING-1", 4);
    const res = await checkoutWith(
      { STRIPE_SECRET_KEY: "sk_test_local_fake_key", STRIPE_API_BASE: "http://fake-stripe.test", ALLOW_STRIPE_TEST_MODE: "true" },
      "PROD-STAGING-1",
    );
    expect(res.status).toBe(201);
    const placed = await json(res);
    expect(placed.payment.provider).toBe("stripe");
    expect(placed.payment.redirectUrl).toMatch(/^https:\/\/checkout\.fake-stripe\.test\/pay\/cs_test_/);
    expect(await stock("PROD-STAGING-1")).toBe(2);
  });

  const secret = "whsec_guardrails_test";
  const sendEvent = async (vars: Partial<Env>, livemode: boolean) => {
    const payload = JSON.stringify({
      id: `evt_${crypto.randomUUID().slice(0, 8)}`,
      object: "event",
      type: "customer.created",
      livemode,
      created: Math.floor(Date.now() / 1000),
      data: { object: { id: "cus_1", object: "customer" } },
    });
    const signature = await Stripe.webhooks.generateTestHeaderStringAsync({ payload, secret, cryptoProvider: Stripe.createSubtleCryptoProvider() });
    return callWith({ STRIPE_WEBHOOK_SECRET: secret, STRIPE_SECRET_KEY: "sk_live_local_fake_key", ...vars }, "/api/webhooks/stripe", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Stripe-Signature": signature },
      body: payload,
    });
  };

  it("refuses a signed test-mode event (livemode: false) with 400 webhooks.test_mode_event", async () => {
    const res = await sendEvent({}, false);
    expect(res.status).toBe(400);
    expect((await json(res)).code).toBe("webhooks.test_mode_event");
    expect((await sendEvent({}, true)).status).toBe(200);
  });

  it("accepts test-mode events when ALLOW_STRIPE_TEST_MODE=true", async () => {
    expect((await sendEvent({ ALLOW_STRIPE_TEST_MODE: "true" }, false)).status).toBe(200);
  });
});

describe("GET /api/health in production", () => {
  it("reports degraded with a reason for each unready part: the outbox email provider and no payment provider", async () => {
    const res = await callWith({}, "/api/health");
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.status).toBe("degraded");
    expect(body.checks).toEqual({ DB: "ok", CACHE: "ok" });
    expect(body.warnings.map((w: { code: string }) => w.code)).toEqual(["email.outbox_provider", "payments.unavailable"]);
    expect(body.warnings[0].message).toMatch(/not sent/);
  });

  it("flags Stripe test mode that a staging store allowed", async () => {
    const body = await json(
      await callWith(
        {
          EMAIL_PROVIDER: "resend",
          EMAIL_FROM: "Shop <a@shop.test>",
          STRIPE_SECRET_KEY: "sk_test_x",
          STRIPE_WEBHOOK_SECRET: "whsec_x",
          ALLOW_STRIPE_TEST_MODE: "true",
        },
        "/api/health",
      ),
    );
    expect(body).toMatchObject({ status: "degraded", warnings: [{ code: "payments.stripe_test_mode" }] });
  });

  it("answers ok once a real email provider and a live Stripe key with its webhook secret are set", async () => {
    const res = await callWith(
      { EMAIL_PROVIDER: "resend", EMAIL_FROM: "Shop <a@shop.test>", STRIPE_SECRET_KEY: "sk_live_x", STRIPE_WEBHOOK_SECRET: "whsec_x" },
      "/api/health",
    );
    expect(await json(res)).toEqual({ status: "ok", version: expect.any(String), checks: { DB: "ok", CACHE: "ok" } });
  });
});

describe("password hashing in production", () => {
  it("hashes at full strength and upgrades a weaker hash at the next sign-in; the test runtime's cheaper cost never applies", async () => {
    expect(passwordCost(env)).toEqual({ ln: 15, r: 8, p: 3 });
    expect(passwordCost({ ENVIRONMENT: "development" })).toEqual({ ln: 15, r: 8, p: 3 });
    expect(passwordCost({})).toEqual({ ln: 15, r: 8, p: 3 });
    // An account hashed at the test runtime's cost (as a store's copied test data would be) signs in, and is rehashed.
    const password = "a long enough production password";
    const id = `usr_prodhash${crypto.randomUUID().slice(0, 8)}`;
    const email = `${id}@example.test`;
    await env.DB.prepare("insert into users (id, email, name, role, password_hash, email_verified_at) values (?, ?, 'P', 'customer', ?, ?)")
      .bind(id, email, await hashPassword(password, passwordCost({ ENVIRONMENT: "test" })), new Date().toISOString())
      .run();
    const stored = async () => (await env.DB.prepare("select password_hash as h from users where id = ?").bind(id).first<{ h: string }>())?.h ?? "";
    expect(await stored()).toMatch(/^\$scrypt\$ln=10,r=8,p=1\$/);
    const signedIn = await postJson("/api/auth/login", { email, password }, { "CF-Connecting-IP": "203.0.113.77" });
    expect(signedIn.status).toBe(200);
    expect(await stored()).toMatch(/^\$scrypt\$ln=15,r=8,p=3\$/);
    expect((await verifyPassword(password, await stored())).ok).toBe(true);
  });
});
