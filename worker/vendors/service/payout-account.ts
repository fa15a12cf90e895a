import { requireFreshSecondFactor } from "../../accounts";
import { type AuditActor, auditStatement } from "../../lib/audit";
import { runBatch } from "../../lib/d1-batch";
import { AppError } from "../../lib/errors";
import type { PayoutAccountView, PayoutSettingsBody } from "../schema";
import { type ConnectAccountState, payoutClient } from "./payout-transfers";

const notConfigured = () => new AppError("vendors.connect_unavailable", 409, "This store does not pay vendors through Stripe; payouts are manual.");

interface AccountRow {
  id: string;
  email: string;
  country: string;
  provider: string;
  account: string | null;
  charges: number;
  payouts: number;
  details: string | null;
}

async function accountRow(env: Env, vendorId: string): Promise<AccountRow> {
  const row = await env.DB.prepare(
    `select id, contact_email as email, country, payout_provider as provider, stripe_account_id as account,
            charges_enabled as charges, payouts_enabled as payouts, payout_details as details from vendors where id = ?`,
  )
    .bind(vendorId)
    .first<AccountRow>();
  if (!row) throw new AppError("vendors.not_found", 404, "No such vendor.");
  return row;
}

/** How a vendor is paid now: the chosen method, the Stripe account's state, and what a run would use. */
export async function payoutAccountOf(env: Env, vendorId: string): Promise<PayoutAccountView> {
  const row = await accountRow(env, vendorId);
  const stripeReady = row.provider === "stripe" && Boolean(row.account) && Boolean(row.payouts) && Boolean(payoutClient(env));
  return {
    method: row.provider === "stripe" ? "stripe" : "manual",
    stripeAccountId: row.account,
    chargesEnabled: Boolean(row.charges),
    payoutsEnabled: Boolean(row.payouts),
    connectAvailable: Boolean(payoutClient(env)),
    paidBy: stripeReady ? "stripe_connect" : "manual",
    payoutDetails: row.details,
  };
}

/**
 * Starts (or resumes) Stripe Connect onboarding for a vendor and answers the one-time link to Stripe's pages.
 * The account is created once per vendor (the request carries the vendor's idempotency key, and the id is
 * stored only where none is), so two clicks at once end with one account. Choosing Stripe makes it the
 * vendor's method; until Stripe reports payouts enabled (`account.updated`), runs still pay it manually.
 */
export async function startConnectOnboarding(env: Env, vendorId: string, origin: string): Promise<{ url: string }> {
  const client = payoutClient(env);
  if (!client) throw notConfigured();
  const row = await accountRow(env, vendorId);
  let account = row.account;
  if (!account) {
    const created = await client.createAccount(env, { id: row.id, email: row.email, country: row.country });
    await env.DB.prepare("update vendors set stripe_account_id = ?1, payout_provider = 'stripe', updated_at = ?2 where id = ?3 and stripe_account_id is null")
      .bind(created, new Date().toISOString(), vendorId)
      .run();
    account = (await accountRow(env, vendorId)).account ?? created;
  } else if (row.provider !== "stripe") {
    await env.DB.prepare("update vendors set payout_provider = 'stripe', updated_at = ?1 where id = ?2").bind(new Date().toISOString(), vendorId).run();
  }
  const url = await client.accountLink(env, account, {
    returnUrl: `${origin}/vendor/payouts?connect=done`,
    refreshUrl: `${origin}/vendor/payouts?connect=expired`,
  });
  return { url };
}

/**
 * Stores a connected account's state as Stripe reports it (the `account.updated` webhook, or the vendor coming
 * back from onboarding). The caller re-reads the account from Stripe, so a late or repeated event stores the
 * current state, never an old one. Answers whether a vendor has this account.
 */
export async function applyConnectAccount(env: Env, state: ConnectAccountState): Promise<boolean> {
  const res = await env.DB.prepare("update vendors set charges_enabled = ?1, payouts_enabled = ?2, updated_at = ?3 where stripe_account_id = ?4")
    .bind(state.chargesEnabled ? 1 : 0, state.payoutsEnabled ? 1 : 0, new Date().toISOString(), state.accountId)
    .run();
  return (res.meta.changes ?? 0) > 0;
}

/** Re-reads the vendor's connected account from Stripe and stores its state (the vendor came back from onboarding). */
export async function refreshConnectAccount(env: Env, vendorId: string): Promise<PayoutAccountView> {
  const client = payoutClient(env);
  const row = await accountRow(env, vendorId);
  if (client && row.account) await applyConnectAccount(env, await client.readAccount(env, row.account));
  return payoutAccountOf(env, vendorId);
}

/**
 * Changes how a vendor is paid (the method, and the bank details staff use for manual payouts). Staff and the
 * vendor's owner both need a second factor proved within the last minutes (`reauthMinutes`), since redirecting a
 * seller's money is what a stolen session would do. Every change is audited with the change.
 */
export async function setPayoutSettings(
  env: Env,
  vendorId: string,
  body: PayoutSettingsBody,
  by: { staff: { actor: AuditActor; sessionId: string } } | { vendorMember: { actor: AuditActor; sessionId: string } },
): Promise<PayoutAccountView> {
  const before = await accountRow(env, vendorId);
  const who = "staff" in by ? by.staff : by.vendorMember;
  await requireFreshSecondFactor(env, { principal: { id: who.actor.actorId }, sessionId: who.sessionId });
  const details = body.payoutDetails === undefined ? before.details : body.payoutDetails || null;
  const now = new Date().toISOString();
  await runBatch(env.DB, [
    env.DB.prepare("update vendors set payout_provider = ?1, payout_details = ?2, updated_at = ?3 where id = ?4").bind(body.method, details, now, vendorId),
    auditStatement(env.DB, who.actor, {
      action: "vendor.payout_settings",
      entityType: "vendor",
      entityId: vendorId,
      before: { method: before.provider, payoutDetails: before.details ? "(set)" : null },
      after: { method: body.method, payoutDetails: details ? "(set)" : null },
    }),
  ]);
  return payoutAccountOf(env, vendorId);
}
