import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import Stripe from "stripe";
import { describe, expect, it, vi } from "vitest";
import { DAILY_CRON } from "../../worker/scheduled";
import worker from "../../worker/test-entry";
import { FAKE_STRIPE_BASE, FAKE_STRIPE_WEBHOOK_SECRET, type FakeStripeCall } from "../support/fake-stripe-service";
import { call, json } from "../support/http";
import { send } from "../support/staff";
import { addMember, insertVendor } from "../support/vendors";

// ENVIRONMENT=production with a live-mode Stripe key; the real SDK talks to the in-process fake Stripe.

const stripeCalls = async () => (await (await fetch(`${FAKE_STRIPE_BASE}/__calls`)).json()) as FakeStripeCall[];
const transfersTo = async (account: string) =>
  ((await (await fetch(`${FAKE_STRIPE_BASE}/__transfers`)).json()) as { id: string; amount: number; destination: string; key: string }[]).filter(
    (t) => t.destination === account,
  );
const setAccount = (body: Record<string, unknown>) =>
  fetch(`${FAKE_STRIPE_BASE}/__control/account`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
const vendorRow = (id: string) =>
  env.DB.prepare(
    "select payout_provider as method, stripe_account_id as account, payouts_enabled as payouts, charges_enabled as charges from vendors where id = ?",
  )
    .bind(id)
    .first<{ method: string; account: string | null; payouts: number; charges: number }>();

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

async function dailyCron() {
  const ctx = createExecutionContext();
  await worker.scheduled?.(createScheduledController({ cron: DAILY_CRON, scheduledTime: Date.now() }), env, ctx);
  await waitOnExecutionContext(ctx);
}

describe("Stripe Connect onboarding and payouts", () => {
  it("onboards a vendor once, stores account.updated from Stripe's current state, and the daily run transfers once", async () => {
    const owner = await insertVendor();
    const catalogMember = await addMember(owner.vendorId, "catalog");
    expect((await send("/api/vendor/payouts/connect", "POST", catalogMember.headers, {})).status).toBe(403);

    // Two clicks at once: one connected account (the vendor's idempotency key), both links for it.
    const [a, b] = await Promise.all([
      send("/api/vendor/payouts/connect", "POST", owner.headers, {}),
      send("/api/vendor/payouts/connect", "POST", owner.headers, {}),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    const row = await vendorRow(owner.vendorId);
    expect(row?.method).toBe("stripe");
    expect(row?.account).toMatch(/^acct_/);
    for (const res of [a, b]) expect((await json(res)).url).toContain(`/setup/${row?.account}`);
    const creates = (await stripeCalls()).filter((c) => c.path === "/v1/accounts" && c.params["metadata[vendorId]"] === owner.vendorId);
    expect(new Set(creates.map((c) => c.idempotencyKey))).toEqual(new Set([`connect-account:${owner.vendorId}`]));

    // Not ready yet: payouts would be manual.
    expect((await json(await send("/api/vendor/payouts/account", "GET", owner.headers))).paidBy).toBe("manual");

    // Onboarding finished at Stripe. The event's own (stale) body says otherwise: the store re-reads the account.
    await setAccount({ id: row?.account, charges_enabled: true, payouts_enabled: true });
    for (let i = 0; i < 3; i++) await webhook("account.updated", { id: row?.account, object: "account", payouts_enabled: false, charges_enabled: false });
    expect(await vendorRow(owner.vendorId)).toMatchObject({ payouts: 1, charges: 1 });
    expect((await json(await send("/api/vendor/payouts/account", "GET", owner.headers))).paidBy).toBe("stripe_connect");

    // A sale past the hold period (written by hand: no vendor order, so it is held from its own time), then the
    // daily cron twice: one payout, one transfer of the net.
    const old = new Date(Date.now() - 45 * 86_400_000).toISOString();
    for (const [kind, amount] of [
      ["sale", 20_000],
      ["commission", -2_000],
    ] as const) {
      await env.DB.prepare("insert into vendor_ledger (id, vendor_id, kind, amount, currency, idempotency_key, created_at) values (?, ?, ?, ?, 'USD', ?, ?)")
        .bind(`vle_c_${kind}`, owner.vendorId, kind, amount, `connect-test:${kind}`, old)
        .run();
    }
    await dailyCron();
    await dailyCron();
    // Each run queued a message for the seller; the payouts queue's consumer pays it once.
    await vi.waitFor(async () => expect(await transfersTo(row?.account as string)).toHaveLength(1), { timeout: 15_000, interval: 200 });
    await vi.waitFor(async () => expect((await json(await send("/api/vendor/payouts", "GET", owner.headers))).items[0]?.status).toBe("paid"), {
      timeout: 15_000,
      interval: 200,
    });
    // The second run's message finds nothing left to pay.
    await new Promise((r) => setTimeout(r, 2_500));
    const transfers = await transfersTo(row?.account as string);
    expect(transfers).toHaveLength(1);
    expect(transfers[0]?.amount).toBe(18_000);
    const payouts = (await json(await send("/api/vendor/payouts", "GET", owner.headers))).items;
    expect(payouts).toHaveLength(1);
    expect(payouts[0]).toMatchObject({
      provider: "stripe_connect",
      status: "paid",
      providerReference: transfers[0]?.id,
      amount: { amount: 18_000, currency: "USD" },
    });
  });
});
