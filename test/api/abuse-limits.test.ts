import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { passwordDerivations } from "../../worker/accounts/password";
import worker from "../../worker/test-entry";
import { insertUser } from "../support/factories";
import { json, postJson } from "../support/http";
import { client, signedIn, stockProduct, US_ADDRESS } from "../support/orders";

// The defaults of worker/orders/hold-limits.ts (the test Worker sets none of the CHECKOUT_* variables).
const PER_CLIENT = 3;
const PER_IP = 5;

const ledger = (sku: string) => env.INVENTORY_LEDGER.getByName(sku);
const reserved = async (sku: string) => (await ledger(sku).snapshot(sku)).reserved;
const paymentIdOf = (placed: { payment: { redirectUrl: string } }) => placed.payment.redirectUrl.split("/").pop() as string;

/** A guest with its own cart holding `quantity` of `sku`, checking out from `ip`. */
async function guest(sku: string, ip: string, quantity = 1) {
  const who = client();
  const added = await who.send("/api/cart/items", "POST", { sku, quantity }, { "CF-Connecting-IP": ip });
  expect(added.status).toBe(200);
  return {
    ...who,
    checkout: () =>
      who.send("/api/checkout", "POST", { email: "holder@example.test", shippingAddress: US_ADDRESS, shippingOption: "standard" }, { "CF-Connecting-IP": ip }),
  };
}

async function expectTooManyHolds(res: Response) {
  expect(res.status).toBe(429);
  expect(res.headers.get("content-type")).toContain("application/problem+json");
  expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(60);
  const body = await json(res);
  expect(body).toMatchObject({ status: 429, code: "checkout.too_many_holds" });
  expect(body.detail).toMatch(/waiting for payment.*Pay for or cancel one of them.*or wait/);
}

const pendingOrdersOfCart = async (cartCookie: string) => {
  const cartId = /__Host-cart=([^;]+)/.exec(cartCookie)?.[1];
  const row = await env.DB.prepare("select count(*) as n from orders where cart_id = ? and status = 'pending_payment'").bind(cartId).first<{ n: number }>();
  return row?.n ?? -1;
};

beforeAll(async () => {
  await stockProduct("HOLD-A", 100);
  await stockProduct("HOLD-B", 100);
  await stockProduct("HOLD-C", 100);
  await stockProduct("HOLD-V6", 100);
});

describe("sign-in lockout counts before the password hash", () => {
  it("30 parallel wrong passwords for one account from one address run at most 3 hashes: the address is slowed, the account is not locked", async () => {
    const user = await insertUser(env.DB);
    const before = passwordDerivations();
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        postJson("/api/auth/login", { email: user.email, password: `wrong guess ${i}` }, { "CF-Connecting-IP": "198.51.100.30" }),
      ),
    );
    // Every password check is one scrypt derivation; counted in the isolate that served the requests.
    expect(passwordDerivations() - before).toBe(3);
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 401)).toHaveLength(3);
    expect(statuses.filter((s) => s === 429)).toHaveLength(27);
    const limited = answers.find((r) => r.status === 429) as Response;
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(60);
    const problem = await json(limited);
    expect(problem).toMatchObject({ code: "auth.rate_limited", errors: [{ path: "password" }] });
    expect(problem.detail).toMatch(/from your network.*reset your password/);

    // The account's own lock (5) was never reached: its owner, elsewhere, signs in.
    const right = await postJson("/api/auth/login", { email: user.email, password: user.password }, { "CF-Connecting-IP": "198.51.100.31" });
    expect(right.status).toBe(200);
  }, 60_000);

  it("wrong passwords from many addresses still lock the account: at most 5 hashes, then 429 before any hash, even for the right password", async () => {
    const user = await insertUser(env.DB);
    const before = passwordDerivations();
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        postJson("/api/auth/login", { email: user.email, password: `wrong guess ${i}` }, { "CF-Connecting-IP": `198.51.101.${i + 1}` }),
      ),
    );
    expect(passwordDerivations() - before).toBe(5);
    expect(answers.filter((r) => r.status === 401)).toHaveLength(5);
    expect(answers.filter((r) => r.status === 429)).toHaveLength(25);
    const again = passwordDerivations();
    const right = await postJson("/api/auth/login", { email: user.email, password: user.password }, { "CF-Connecting-IP": "198.51.100.35" });
    expect(right.status).toBe(429);
    expect((await json(right)).errors).toEqual([{ path: "email", message: "Sign-in paused after too many wrong passwords" }]);
    expect(passwordDerivations()).toBe(again);
  }, 60_000);

  it("30 parallel wrong passwords for 30 accounts from one address run at most 10 hashes (IPv6 counted per /64)", async () => {
    const accounts = await Promise.all(Array.from({ length: 30 }, () => insertUser(env.DB)));
    const before = passwordDerivations();
    const answers = await Promise.all(
      accounts.map((a, i) =>
        postJson("/api/auth/login", { email: a.email, password: "a sprayed password" }, { "CF-Connecting-IP": `2001:db8:7:1::${(i + 1).toString(16)}` }),
      ),
    );
    expect(passwordDerivations() - before).toBe(10);
    expect(answers.filter((r) => r.status === 401)).toHaveLength(10);
    expect(answers.filter((r) => r.status === 429)).toHaveLength(20);
    // Another /64 is another address.
    const elsewhere = accounts[29] as (typeof accounts)[number];
    expect(
      (await postJson("/api/auth/login", { email: elsewhere.email, password: elsewhere.password }, { "CF-Connecting-IP": "2001:db8:7:2::1" })).status,
    ).toBe(200);
  }, 60_000);

  it("the owner of a slowed address gets in with a reset link opened from it", async () => {
    const user = await insertUser(env.DB);
    const ip = { "CF-Connecting-IP": "198.51.100.36" };
    for (let i = 0; i < 4; i++) await postJson("/api/auth/login", { email: user.email, password: `wrong ${i}` }, ip);
    expect((await postJson("/api/auth/login", { email: user.email, password: user.password }, ip)).status).toBe(429);
    expect((await postJson("/api/auth/password-reset", { email: user.email }, ip)).status).toBe(202);
    let token = "";
    await expect
      .poll(
        async () => {
          const row = await env.DB.prepare("select text from email_outbox where to_address = ? and template = 'password_reset'")
            .bind(user.email)
            .first<{ text: string }>();
          token = /reset-password\?token=([A-Za-z0-9_-]+)/.exec(row?.text ?? "")?.[1] ?? "";
          return token;
        },
        { timeout: 10_000, interval: 200 },
      )
      .not.toBe("");
    expect((await postJson("/api/auth/password-reset/confirm", { token, password: "my own new password 2026" }, ip)).status).toBe(204);
    expect((await postJson("/api/auth/login", { email: user.email, password: "my own new password 2026" }, ip)).status).toBe(200);
  }, 60_000);

  it("an email without an account is limited the same way (its dummy check is a hash too)", async () => {
    // The dummy hash is made once per isolate: make it before counting.
    await postJson("/api/auth/login", { email: "warm-up@example.test", password: "whatever it is" }, { "CF-Connecting-IP": "198.51.100.32" });
    const before = passwordDerivations();
    const answers = await Promise.all(
      Array.from({ length: 12 }, () =>
        postJson("/api/auth/login", { email: "nobody-here@example.test", password: "a guess" }, { "CF-Connecting-IP": "198.51.100.33" }),
      ),
    );
    // The same 3 as for a real account from one address: the answer tells nobody which emails exist.
    expect(passwordDerivations() - before).toBe(3);
    expect(answers.filter((r) => r.status === 401)).toHaveLength(3);
    expect(answers.filter((r) => r.status === 429)).toHaveLength(9);
  }, 60_000);

  it("a right password gives the attempts back: two wrong and one right, then three more tries are still checked", async () => {
    const user = await insertUser(env.DB);
    const ip = { "CF-Connecting-IP": "198.51.100.34" };
    const wrong = await Promise.all(Array.from({ length: 2 }, (_, i) => postJson("/api/auth/login", { email: user.email, password: `nope ${i}` }, ip)));
    expect(wrong.map((r) => r.status)).toEqual([401, 401]);
    expect((await postJson("/api/auth/login", { email: user.email, password: user.password }, ip)).status).toBe(200);
    const next = await Promise.all(Array.from({ length: 3 }, (_, i) => postJson("/api/auth/login", { email: user.email, password: `again ${i}` }, ip)));
    expect(next.map((r) => r.status)).toEqual([401, 401, 401]);
  }, 60_000);
});

describe("per-address limits group IPv6 by /64", () => {
  it("two addresses in one /64 share the password-reset limit, another /64 does not, and IPv4-mapped IPv6 counts as the IPv4 address", async () => {
    const reset = (ip: string) => postJson("/api/auth/password-reset", { email: "nobody@example.test" }, { "CF-Connecting-IP": ip });
    // 10 per address per hour (worker/accounts/rate-limit.ts), from ten different addresses of one /64.
    for (let i = 1; i <= 10; i++) expect((await reset(`2001:db8:77:1::${i.toString(16)}`)).status).toBe(202);
    const sameNet = await reset("2001:db8:77:1:abcd:ef01:2345:6789");
    expect(sameNet.status).toBe(429);
    expect((await json(sameNet)).code).toBe("auth.rate_limited");
    expect((await reset("2001:db8:77:2::1")).status).toBe(202);

    for (let i = 0; i < 10; i++) expect((await reset(i % 2 ? "203.0.113.77" : "::ffff:203.0.113.77")).status).toBe(202);
    expect((await reset("::ffff:cb00:714d")).status).toBe(429);
  });

  it("checkouts from one /64 share the open-order cap; another /64 is not affected", async () => {
    for (let i = 1; i <= PER_IP; i++) expect((await (await guest("HOLD-V6", `2001:db8:88:1::${i}`)).checkout()).status).toBe(201);
    // A new cart from a new address in the same /64: the network's cap is full.
    await expectTooManyHolds(await (await guest("HOLD-V6", "2001:db8:88:1:ffff::9")).checkout());
    expect((await (await guest("HOLD-V6", "2001:db8:88:2::1")).checkout()).status).toBe(201);
    expect(await reserved("HOLD-V6")).toBe(PER_IP + 1);
  });
});

describe("open stock holds per client", () => {
  it(`a cart holds at most ${PER_CLIENT} unpaid orders; the next checkout is 429 with Retry-After and nothing more is held`, async () => {
    const shopper = await guest("HOLD-A", "192.0.2.10", 2);
    for (let i = 0; i < PER_CLIENT; i++) expect((await shopper.checkout()).status).toBe(201);
    await expectTooManyHolds(await shopper.checkout());
    expect(await reserved("HOLD-A")).toBe(PER_CLIENT * 2);
    expect(await pendingOrdersOfCart(shopper.cookie())).toBe(PER_CLIENT);
  });

  it(`12 parallel checkouts of one cart leave exactly ${PER_CLIENT} holds`, async () => {
    const shopper = await guest("HOLD-B", "192.0.2.11");
    const answers = await Promise.all(Array.from({ length: 12 }, () => shopper.checkout()));
    expect(answers.filter((r) => r.status === 201)).toHaveLength(PER_CLIENT);
    const refused = answers.filter((r) => r.status !== 201);
    expect(refused).toHaveLength(12 - PER_CLIENT);
    for (const r of refused) await expectTooManyHolds(r);
    expect(await reserved("HOLD-B")).toBe(PER_CLIENT);
    expect(await pendingOrdersOfCart(shopper.cookie())).toBe(PER_CLIENT);
  });

  it("parallel checkouts of many carts from one address leave exactly the address's cap", async () => {
    const carts = await Promise.all(Array.from({ length: 9 }, () => guest("HOLD-C", "192.0.2.12")));
    const answers = await Promise.all(carts.map((c) => c.checkout()));
    expect(answers.filter((r) => r.status === 201)).toHaveLength(PER_IP);
    for (const r of answers.filter((a) => a.status !== 201)) await expectTooManyHolds(r);
    expect(await reserved("HOLD-C")).toBe(PER_IP);
  });

  it("paying, cancelling, a declined payment or the expiry sweep each give the slot back, so the shopper can check out again", async () => {
    await stockProduct("HOLD-R", 100);
    const shopper = await guest("HOLD-R", "192.0.2.13");
    const placed = [];
    for (let i = 0; i < PER_CLIENT; i++) placed.push(await json(await shopper.checkout()));
    await expectTooManyHolds(await shopper.checkout());

    // Paid (the test provider's Pay now).
    expect(await json(await postJson(`/api/checkout/test-payments/${paymentIdOf(placed[0])}`, { outcome: "succeeded" }))).toEqual({ orderStatus: "paid" });
    // Paying emptied the cart: fill it again.
    expect((await shopper.send("/api/cart/items", "POST", { sku: "HOLD-R", quantity: 1 })).status).toBe(200);
    const afterPay = await shopper.checkout();
    expect(afterPay.status).toBe(201);
    await expectTooManyHolds(await shopper.checkout());

    // Cancelled by the shopper (guest link).
    const token = new URL(placed[1].orderUrl).searchParams.get("token");
    const cancelled = await shopper.send(`/api/orders/${placed[1].orderId}/cancel?token=${token}`, "POST", { reason: "changed my mind" });
    expect(cancelled.status).toBe(200);
    expect((await shopper.checkout()).status).toBe(201);
    await expectTooManyHolds(await shopper.checkout());

    // Declined at the payment page.
    expect(await json(await postJson(`/api/checkout/test-payments/${paymentIdOf(placed[2])}`, { outcome: "failed" }))).toEqual({ orderStatus: "cancelled" });
    const afterDecline = await json(await shopper.checkout());
    expect(afterDecline.status).toBe("pending_payment");
    await expectTooManyHolds(await shopper.checkout());

    // Not paid in time: the cron sweep cancels it and gives the slot back.
    await env.DB.prepare("update orders set holds_expire_at = 0 where id = ?").bind(afterDecline.orderId).run();
    const ctx = createExecutionContext();
    await worker.scheduled?.(createScheduledController({ cron: "*/15 * * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);
    expect((await shopper.checkout()).status).toBe(201);

    // A finished order forgets which limiter keys (and so which address) it counted against.
    const rows = await env.DB.prepare("select status, hold_slots as slots from orders where cart_id = (select cart_id from orders where id = ?)")
      .bind(placed[0].orderId)
      .all<{ status: string; slots: string | null }>();
    for (const row of rows.results) expect(row.slots === null).toBe(row.status !== "pending_payment");
  });

  it("a signed-in customer is one client wherever they check out from", async () => {
    const customer = await signedIn();
    expect((await customer.send("/api/cart/items", "POST", { sku: "HOLD-A", quantity: 1 })).status).toBe(200);
    const checkout = (ip: string) =>
      customer.send("/api/checkout", "POST", { shippingAddress: US_ADDRESS, shippingOption: "standard" }, { "CF-Connecting-IP": ip });
    for (let i = 0; i < PER_CLIENT; i++) expect((await checkout(`192.0.2.${20 + i}`)).status).toBe(201);
    await expectTooManyHolds(await checkout("192.0.2.29"));
  });

  it("refuses more units of one SKU than an order may hold, naming the line", async () => {
    const shopper = await guest("HOLD-A", "192.0.2.14", 11);
    const res = await shopper.checkout();
    expect(res.status).toBe(409);
    const body = await json(res);
    expect(body).toMatchObject({ code: "checkout.quantity_limit", errors: [{ path: "items.0.quantity" }] });
  });
});
