import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { payoutById } from "../../worker/vendors";
import { json } from "../support/http";
import { deliverPayoutMessages, runPayoutsNow } from "../support/payouts";
import { keyOf, nextCode } from "../support/second-factor";
import { type Caller, send, signIn } from "../support/staff";
import { addMember, insertVendor, type VendorMemberCaller } from "../support/vendors";

const DAY = 86_400_000;
// Stripe Connect payouts through the queue: test/production-stripe/vendor-payout-queue.test.ts (a store with a key).
// The sales here are ledger entries written by hand, without a vendor order, so their hold counts from their own
// time; the hold from the parcel's delivery is test/api/vendor-payout-hold.test.ts.

let n = 0;
/** One ledger entry written `daysAgo` days back (sales and commissions younger than the hold period are held). */
async function entry(vendorId: string, kind: string, amount: number, daysAgo: number) {
  n++;
  await env.DB.prepare(
    "insert into vendor_ledger (id, vendor_id, kind, amount, currency, order_id, vendor_order_id, idempotency_key, created_at) values (?, ?, ?, ?, 'USD', ?, null, ?, ?)",
  )
    .bind(`vle_t${n}`, vendorId, kind, amount, `ord_t${n}`, `test:${n}:${crypto.randomUUID()}`, new Date(Date.now() - daysAgo * DAY).toISOString())
    .run();
}
/** A paid sale `daysAgo` days back: the gross and the store's commission. */
async function sale(vendorId: string, gross: number, commission: number, daysAgo: number) {
  await entry(vendorId, "sale", gross, daysAgo);
  await entry(vendorId, "commission", -commission, daysAgo);
}
const balance = async (vendorId: string) =>
  (await env.DB.prepare("select coalesce(sum(amount), 0) as n from vendor_ledger where vendor_id = ?").bind(vendorId).first<{ n: number }>())?.n;
const payoutRows = async (vendorId: string) =>
  (
    await env.DB.prepare("select id, amount, provider, status, provider_reference as ref from payouts where vendor_id = ? order by created_at, id")
      .bind(vendorId)
      .all<{ id: string; amount: number; provider: string; status: string; ref: string | null }>()
  ).results;
const ledgerKinds = async (vendorId: string, kind: string) =>
  (
    await env.DB.prepare("select amount, idempotency_key as key from vendor_ledger where vendor_id = ? and kind = ?")
      .bind(vendorId, kind)
      .all<{ amount: number; key: string }>()
  ).results;

let admin: Caller;
let support: Caller;
beforeAll(async () => {
  [admin, support] = await Promise.all([signIn("admin"), signIn("support")]);
});

describe("a payout run", () => {
  it("pays each vendor its available balance once: sales older than the hold period, less commissions and refunds", async () => {
    const v = await insertVendor();
    await sale(v.vendorId, 10_000, 1_000, 40);
    await entry(v.vendorId, "refund", -2_500, 2); // refunds count at once, even of a held sale
    await entry(v.vendorId, "commission_refund", 250, 2);
    await sale(v.vendorId, 5_000, 500, 3); // inside the 30-day hold
    const result = await runPayoutsNow();
    const mine = result.created.filter((p) => p.vendorId === v.vendorId);
    expect(mine).toHaveLength(1);
    expect(mine[0]?.amount).toEqual({ amount: 10_000 - 1_000 - 2_500 + 250, currency: "USD" });
    expect(mine[0]?.provider).toBe("manual");
    expect(mine[0]?.status).toBe("pending");
    // The debit is in the ledger with the payout; what is left is exactly the held sale's net.
    expect(await ledgerKinds(v.vendorId, "transfer")).toEqual([{ amount: -6_750, key: `payout:${mine[0]?.id}` }]);
    expect(await balance(v.vendorId)).toBe(4_500);
    // Nothing more is available: a second run creates nothing for this vendor.
    expect((await runPayoutsNow()).created.filter((p) => p.vendorId === v.vendorId)).toEqual([]);
    // Forty days on, the held sale is released and paid.
    const later = await runPayoutsNow({ now: Date.now() + 40 * DAY });
    expect(later.created.find((p) => p.vendorId === v.vendorId)?.amount.amount).toBe(4_500);
    expect(await balance(v.vendorId)).toBe(0);
  });

  it("carries a negative balance over (a refund after a payout) and nets it against the next payout", async () => {
    const v = await insertVendor();
    await sale(v.vendorId, 3_000, 300, 35);
    expect((await runPayoutsNow()).created.find((p) => p.vendorId === v.vendorId)?.amount.amount).toBe(2_700);
    await entry(v.vendorId, "refund", -1_000, 0);
    await entry(v.vendorId, "commission_refund", 100, 0);
    expect(await balance(v.vendorId)).toBe(-900);
    expect((await runPayoutsNow()).created.filter((p) => p.vendorId === v.vendorId)).toEqual([]);
    await sale(v.vendorId, 5_000, 500, 31);
    expect((await runPayoutsNow()).created.find((p) => p.vendorId === v.vendorId)?.amount.amount).toBe(4_500 - 900);
    expect(await balance(v.vendorId)).toBe(0);
    expect((await payoutRows(v.vendorId)).map((p) => p.amount)).toEqual([2_700, 3_600]);
  });

  it("does not pay a suspended vendor", async () => {
    const v = await insertVendor({ status: "suspended" });
    await sale(v.vendorId, 2_000, 200, 60);
    expect((await runPayoutsNow()).created.filter((p) => p.vendorId === v.vendorId)).toEqual([]);
    expect(await balance(v.vendorId)).toBe(1_800);
  });
});

describe("the payouts queue", () => {
  it("a redelivered payout message changes nothing: one payout, one ledger entry", async () => {
    const v = await insertVendor();
    await sale(v.vendorId, 6_000, 600, 45);
    const asOf = Date.now();
    const message = { kind: "payout" as const, payoutId: `po_redeliver${n}`, vendorId: v.vendorId, currency: "USD", asOf, actor: null };
    const first = await deliverPayoutMessages([message]);
    expect(first.result.explicitAcks).toHaveLength(1);
    // The queue delivers it again (and once more twice at once): still the one payout.
    await deliverPayoutMessages([message], { attempts: 2 });
    await Promise.all([deliverPayoutMessages([message], { attempts: 3 }), deliverPayoutMessages([message], { attempts: 3 })]);
    expect(await payoutRows(v.vendorId)).toEqual([expect.objectContaining({ id: message.payoutId, amount: 5_400, provider: "manual", status: "pending" })]);
    expect(await ledgerKinds(v.vendorId, "transfer")).toEqual([{ amount: -5_400, key: `payout:${message.payoutId}` }]);
    expect(await balance(v.vendorId)).toBe(0);
  });

  it("two messages for one seller (two runs at once) pay it once; a malformed message is dropped, not retried", async () => {
    const v = await insertVendor();
    await sale(v.vendorId, 9_000, 900, 45);
    const asOf = Date.now();
    const msg = (id: string) => ({ kind: "payout" as const, payoutId: id, vendorId: v.vendorId, currency: "USD", asOf, actor: null });
    await Promise.all([deliverPayoutMessages([msg(`po_runa${n}`)]), deliverPayoutMessages([msg(`po_runb${n}`)])]);
    expect((await payoutRows(v.vendorId)).map((p) => p.amount)).toEqual([8_100]);
    const bad = await deliverPayoutMessages([{ kind: "payout", payoutId: "" } as never]);
    expect(bad.result.explicitAcks).toHaveLength(1);
    expect(bad.result.retryMessages).toEqual([]);
  });
});

describe("POST /api/admin/payouts/run and /api/admin/payouts/{id}/paid", () => {
  let vendor: VendorMemberCaller;
  let payoutId: string;
  beforeAll(async () => {
    vendor = await insertVendor();
    await sale(vendor.vendorId, 4_000, 400, 50);
  });

  it("runs payouts for staff with the vendors permission (audited), and refuses others", async () => {
    expect((await send("/api/admin/payouts/run", "POST", support.headers, {})).status).toBe(403);
    expect((await send("/api/admin/payouts/run", "POST", vendor.headers, {})).status).toBe(403);
    expect((await send("/api/admin/payouts/run", "POST", {}, {})).status).toBe(401);
    const res = await send("/api/admin/payouts/run", "POST", admin.headers, {});
    expect(res.status).toBe(200);
    const mine = (await json(res)).queued.find((p: { vendorId: string }) => p.vendorId === vendor.vendorId);
    expect(mine).toMatchObject({ payoutId: expect.stringMatching(/^po_/), amount: { amount: 3_600, currency: "USD" } });
    payoutId = mine.payoutId;
    // The real local queue delivers the message to the consumer, which creates the payout under the queued id.
    await vi.waitFor(async () => expect((await payoutRows(vendor.vendorId)).map((p) => p.id)).toEqual([payoutId]), { timeout: 15_000, interval: 200 });
    expect(await payoutById(env, payoutId)).toMatchObject({ amount: { amount: 3_600, currency: "USD" }, provider: "manual", status: "pending" });
    const audit = await env.DB.prepare("select actor_id as actor from audit_log where action = 'payout.create' and entity_id = ?").bind(payoutId).first();
    expect(audit).toEqual({ actor: admin.id });
  });

  it("lists payouts filtered by vendor and status", async () => {
    const res = await send(`/api/admin/payouts?vendorId=${vendor.vendorId}&status=pending`, "GET", admin.headers);
    expect(res.status).toBe(200);
    const page = await json(res);
    expect(page.total).toBe(1);
    expect(page.items[0]).toMatchObject({ id: payoutId, vendorName: expect.any(String) });
    expect((await json(await send(`/api/admin/payouts?vendorId=${vendor.vendorId}&status=paid`, "GET", admin.headers))).total).toBe(0);
    expect((await send("/api/admin/payouts?status=sent", "GET", admin.headers)).status).toBe(400);
  });

  it("records a manual payout as paid with its reference, once", async () => {
    expect((await send(`/api/admin/payouts/${payoutId}/paid`, "POST", admin.headers, { reference: "" })).status).toBe(400);
    expect((await send(`/api/admin/payouts/${payoutId}/paid`, "POST", support.headers, { reference: "BANK-1" })).status).toBe(403);
    expect((await send("/api/admin/payouts/po_missing/paid", "POST", admin.headers, { reference: "BANK-1" })).status).toBe(404);
    const [first, second] = await Promise.all([
      send(`/api/admin/payouts/${payoutId}/paid`, "POST", admin.headers, { reference: "BANK-1" }),
      send(`/api/admin/payouts/${payoutId}/paid`, "POST", admin.headers, { reference: "BANK-2" }),
    ]);
    expect([first.status, second.status].sort()).toEqual([200, 409]);
    const paid = await payoutById(env, payoutId);
    expect(paid.status).toBe("paid");
    expect(["BANK-1", "BANK-2"]).toContain(paid.providerReference);
    const audits = await env.DB.prepare("select count(*) as n from audit_log where action = 'payout.paid' and entity_id = ?").bind(payoutId).first();
    expect(audits).toEqual({ n: 1 });
    // Paying out changes no balance twice: the debit was written with the payout.
    expect(await balance(vendor.vendorId)).toBe(0);
  });

  it("cancels a pending manual payout: the amount goes back to the vendor's balance", async () => {
    const v = await insertVendor();
    await sale(v.vendorId, 2_000, 0, 50);
    const id = (await runPayoutsNow()).created.find((p) => p.vendorId === v.vendorId)?.id;
    expect(await balance(v.vendorId)).toBe(0);
    const res = await send(`/api/admin/payouts/${id}/failed`, "POST", admin.headers, { reason: "The bank returned it" });
    expect(res.status).toBe(200);
    expect((await json(res)).status).toBe("failed");
    expect(await balance(v.vendorId)).toBe(2_000);
    expect((await send(`/api/admin/payouts/${id}/failed`, "POST", admin.headers, { reason: "Again" })).status).toBe(409);
    expect(await balance(v.vendorId)).toBe(2_000);
  });
});

describe("GET /api/vendor/payouts", () => {
  it("shows a vendor its own payouts only", async () => {
    const mine = await insertVendor();
    const other = await insertVendor();
    await sale(mine.vendorId, 1_500, 150, 50);
    await sale(other.vendorId, 2_500, 250, 50);
    await runPayoutsNow();
    const res = await send("/api/vendor/payouts", "GET", mine.headers);
    expect(res.status).toBe(200);
    const page = await json(res);
    expect(page.items.map((p: { vendorId: string; amount: { amount: number } }) => [p.vendorId, p.amount.amount])).toEqual([[mine.vendorId, 1_350]]);
    expect((await send("/api/vendor/payouts", "GET", admin.headers)).status).toBe(403);
  });
});

describe("payout settings", () => {
  it("an owner chooses the method (the sign-in's second factor is fresh); other members may not", async () => {
    const owner = await insertVendor();
    const finance = await addMember(owner.vendorId, "finance");
    const res = await send("/api/vendor/payouts/account", "PUT", owner.headers, { method: "manual", payoutDetails: "IBAN DE89 3704 0044 0532 0130 00" });
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ method: "manual", paidBy: "manual", payoutDetails: "IBAN DE89 3704 0044 0532 0130 00", connectAvailable: false });
    expect((await send("/api/vendor/payouts/account", "PUT", finance.headers, { method: "stripe" })).status).toBe(403);
    expect((await send("/api/vendor/payouts/account", "PUT", owner.headers, { method: "cheque" })).status).toBe(400);
    // This store has no Stripe key: Connect is not offered.
    const connect = await send("/api/vendor/payouts/connect", "POST", owner.headers, {});
    expect(connect.status).toBe(409);
    expect((await json(connect)).code).toBe("vendors.connect_unavailable");
  });

  it("an owner proves a second factor again before redirecting the money once the sign-in's is old; the change is audited", async () => {
    const owner = await insertVendor();
    // The sign-in's own factor counts for `reauthMinutes`: make it old, as a session stolen hours later would be.
    await env.DB.prepare("update session_factors set verified_at = verified_at - 3600000 where user_id = ?").bind(owner.id).run();
    const change = { method: "manual", payoutDetails: "IBAN GB33 BUKB 2020 1555 5555 55" };
    const stale = await send("/api/vendor/payouts/account", "PUT", owner.headers, change);
    expect(stale.status).toBe(403);
    expect(await json(stale)).toMatchObject({ code: "auth.reauthentication_required", reauthenticate: "/api/me/mfa/verify" });
    expect((await json(await send("/api/vendor/payouts/account", "GET", owner.headers))).payoutDetails ?? null).toBeNull();
    expect((await send("/api/me/mfa/verify", "POST", owner.headers, { code: await nextCode(keyOf(owner.email) as string) })).status).toBe(200);
    expect((await send("/api/vendor/payouts/account", "PUT", owner.headers, change)).status).toBe(200);
    const audit = await env.DB.prepare("select actor_id, after from audit_log where action = 'vendor.payout_settings' and entity_id = ?")
      .bind(owner.vendorId)
      .all<{ actor_id: string; after: string }>();
    expect(audit.results).toHaveLength(1);
    expect(audit.results[0]?.actor_id).toBe(owner.id);
    expect(audit.results[0]?.after).not.toContain("GB33");
  });

  it("staff need a fresh second factor to change how a vendor is paid (audited)", async () => {
    const v = await insertVendor();
    const path = `/api/admin/vendors/${v.vendorId}/payout-settings`;
    const res = await send(path, "PUT", admin.headers, { method: "stripe" });
    expect(res.status, await res.clone().text()).toBe(200);
    expect((await json(res)).method).toBe("stripe");
    expect(
      await env.DB.prepare("select count(*) as n from audit_log where action = 'vendor.payout_settings' and entity_id = ?").bind(v.vendorId).first(),
    ).toEqual({
      n: 1,
    });
    // The factor proved at sign-in is old now.
    await env.DB.prepare("update session_factors set verified_at = 0 where user_id = ?").bind(admin.id).run();
    const stale = await send(path, "PUT", admin.headers, { method: "manual" });
    expect(stale.status).toBe(403);
    expect((await json(stale)).code).toBe("auth.reauthentication_required");
    expect((await env.DB.prepare("select payout_provider as m from vendors where id = ?").bind(v.vendorId).first())?.m).toBe("stripe");
    expect((await send("/api/admin/vendors/ven_missing/payout-settings", "PUT", admin.headers, { method: "manual" })).status).toBe(404);
  });
});
