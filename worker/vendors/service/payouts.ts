import type { AuditActor } from "../../lib/audit";
import { changesOf, runBatch } from "../../lib/d1-batch";
import { AppError } from "../../lib/errors";
import { newId } from "../../lib/ids";
import type { PayoutListQuery, PayoutPage, PayoutRunResult, PayoutView } from "../schema";
import type { PayoutMethod, PayoutStatus } from "../tables";
import { ledgerEntryStatement } from "./ledger";

const DAY_MS = 86_400_000;

/** What the payments domain answers for one transfer: done (with the provider's id), or refused for good, or not now. */
export type TransferResult = { ok: true; reference: string } | { ok: false; permanent: boolean; reason: string };

/**
 * How money reaches a connected account. The vendors domain comes before payments in the layer order, so
 * payments registers its Stripe Connect client here (`registerPayoutTransfers`) instead of being imported.
 */
export interface PayoutTransfers {
  /** Whether transfers can be sent from this deployment (a Stripe key is configured). */
  configured(env: Env): boolean;
  /** Sends `amount` to `destination` carrying `key` as the provider's idempotency key: a repeat makes no second transfer. */
  send(env: Env, transfer: { payoutId: string; key: string; amount: number; currency: string; destination: string }): Promise<TransferResult>;
  /** Creates the vendor's connected account (idempotent per vendor) and answers its id. */
  createAccount(env: Env, vendor: { id: string; email: string; country: string }): Promise<string>;
  /** A one-time onboarding link for the account; Stripe sends the vendor back to `returnUrl` (or `refreshUrl` when it expired). */
  accountLink(env: Env, accountId: string, urls: { returnUrl: string; refreshUrl: string }): Promise<string>;
  /** The account's state as Stripe has it now. */
  readAccount(env: Env, accountId: string): Promise<ConnectAccountState>;
}

/** What the store keeps of a connected account: whether it can take charges and receive payouts. */
export interface ConnectAccountState {
  accountId: string;
  chargesEnabled: boolean;
  payoutsEnabled: boolean;
}

let transfers: PayoutTransfers | null = null;
let holdDaysOf: (env: Env) => Promise<number> = async () => DEFAULT_HOLD_DAYS;

/** Sales younger than this many days are held back from payouts unless a later domain says otherwise. */
export const DEFAULT_HOLD_DAYS = 30;

/** Registers the transfer client (payments does, at load). */
export function registerPayoutTransfers(client: PayoutTransfers): void {
  transfers = client;
}

/** The transfer client when this deployment can send transfers, else null (every payout is manual). */
export function payoutClient(env: Env): PayoutTransfers | null {
  return transfers?.configured(env) ? transfers : null;
}

/** Registers where the hold period comes from (returns does: its return window, in days). */
export function registerPayoutHold(days: (env: Env) => Promise<number>): void {
  holdDaysOf = days;
}

/** The hold period in days payouts use now. */
export function payoutHoldDays(env: Env): Promise<number> {
  return holdDaysOf(env);
}

// A vendor's available balance in SQL, so the insert below can re-check it inside its own batch: every entry
// counts except the sale and commission entries younger than the cutoff (refunds count at once).
const AVAILABLE_SQL = `(select coalesce(sum(l.amount), 0) from vendor_ledger l
   where l.vendor_id = ?2 and l.currency = ?3 and not (l.kind in ('sale', 'commission') and l.created_at > ?4))`;

interface PayoutRow {
  id: string;
  vendorId: string;
  vendorName: string;
  amount: number;
  currency: string;
  provider: PayoutMethod;
  status: PayoutStatus;
  providerReference: string | null;
  destination: string | null;
  idempotencyKey: string;
  failureReason: string | null;
  createdAt: string;
  paidAt: string | null;
}

const SELECT_PAYOUT = `select p.id, p.vendor_id as vendorId, v.name as vendorName, p.amount, p.currency, p.provider, p.status,
  p.provider_reference as providerReference, p.destination, p.idempotency_key as idempotencyKey, p.failure_reason as failureReason, p.created_at as createdAt, p.paid_at as paidAt
  from payouts p join vendors v on v.id = p.vendor_id`;

const toView = (r: PayoutRow): PayoutView => ({
  id: r.id,
  vendorId: r.vendorId,
  vendorName: r.vendorName,
  amount: { amount: r.amount, currency: r.currency },
  provider: r.provider,
  status: r.status,
  providerReference: r.providerReference,
  failureReason: r.failureReason,
  createdAt: r.createdAt,
  paidAt: r.paidAt,
});

async function payoutRow(env: Env, id: string): Promise<PayoutRow | null> {
  return env.DB.prepare(`${SELECT_PAYOUT} where p.id = ?`).bind(id).first<PayoutRow>();
}

/** One payout, or 404. `vendorId` limits it to that vendor's (another vendor's answers 404 too). */
export async function payoutById(env: Env, id: string, vendorId?: string): Promise<PayoutView> {
  const row = await payoutRow(env, id);
  if (!row || (vendorId && row.vendorId !== vendorId)) throw new AppError("vendors.payout_not_found", 404, "No such payout.");
  return toView(row);
}

/** Available balance per active vendor and currency, as of `cutoff` (sales paid before it are released). */
async function availableBalances(env: Env, cutoff: string) {
  const rows = await env.DB.prepare(
    `select l.vendor_id as vendorId, l.currency, sum(l.amount) as available,
            v.payout_provider as method, v.stripe_account_id as account, v.payouts_enabled as enabled
       from vendor_ledger l join vendors v on v.id = l.vendor_id
      where v.status = 'active' and not (l.kind in ('sale', 'commission') and l.created_at > ?1)
      group by l.vendor_id, l.currency having sum(l.amount) > 0
      order by l.vendor_id, l.currency`,
  )
    .bind(cutoff)
    .all<{ vendorId: string; currency: string; available: number; method: string; account: string | null; enabled: number }>();
  return rows.results;
}

/**
 * A payout run: for each active vendor with a positive available balance (everything in its ledger except
 * sales and their commissions younger than the hold period), one payout of that balance and its `transfer`
 * ledger entry, committed in one batch. The insert re-computes the available balance inside the batch and
 * writes nothing unless it still equals what was read, so two runs at once (or a refund landing meanwhile)
 * never pay a vendor twice: the loser finds nothing left, and the refund simply waits for the next run. A
 * negative balance (a refund after a payout) is not paid and nets against later sales. Vendors with a ready
 * Stripe account are paid by transfer (sent at once, and retried by later runs); others get a manual payout.
 */
export async function runPayouts(env: Env, opts: { now?: number; actor?: AuditActor } = {}): Promise<PayoutRunResult> {
  const now = opts.now ?? Date.now();
  const cutoff = new Date(now - (await payoutHoldDays(env)) * DAY_MS).toISOString();
  const at = new Date(now).toISOString();
  const created: string[] = [];
  for (const row of await availableBalances(env, cutoff)) {
    const stripeReady = row.method === "stripe" && row.account && row.enabled && transfers?.configured(env);
    const provider: PayoutMethod = stripeReady ? "stripe_connect" : "manual";
    const id = newId("po");
    const results = await runBatch(env.DB, [
      env.DB.prepare(
        `insert into payouts (id, vendor_id, amount, currency, provider, status, destination, idempotency_key, created_at, updated_at)
         select ?1, ?2, ?5, ?3, ?6, 'pending', ?7, ?8, ?9, ?9
          where ?5 > 0 and ${AVAILABLE_SQL} = ?5 and exists (select 1 from vendors where id = ?2 and status = 'active')`,
      ).bind(id, row.vendorId, row.currency, cutoff, row.available, provider, stripeReady ? row.account : null, `payout:${id}`, at),
      ledgerEntryStatement(
        env.DB,
        { vendorId: row.vendorId, kind: "transfer", amount: -row.available, currency: row.currency, key: `payout:${id}`, note: `Payout ${id}` },
        { sql: "exists (select 1 from payouts where id = ?)", params: [id] },
      ),
      ...(opts.actor
        ? [
            env.DB.prepare(
              `insert into audit_log (id, actor_id, actor_email, action, entity_type, entity_id, before, after, request_id)
               select ?, ?, ?, 'payout.create', 'payout', ?, null, ?, ? where exists (select 1 from payouts where id = ?)`,
            ).bind(
              newId("aud"),
              opts.actor.actorId,
              opts.actor.actorEmail,
              id,
              JSON.stringify({ vendorId: row.vendorId, amount: row.available, currency: row.currency, provider }),
              opts.actor.requestId,
              id,
            ),
          ]
        : []),
    ]);
    if (changesOf(results[0]) === 1) created.push(id);
  }
  await sendPendingTransfers(env);
  const views = await Promise.all(created.map((id) => payoutById(env, id)));
  return { created: views, cutoff };
}

/**
 * Sends every pending Stripe Connect payout (those a run just created, and those a network error left
 * pending). Each send is idempotent on the payout, so overlapping calls make one transfer per payout.
 */
export async function sendPendingTransfers(env: Env): Promise<number> {
  if (!transfers?.configured(env)) return 0;
  const pending = await env.DB.prepare("select id from payouts where status = 'pending' and provider = 'stripe_connect' order by created_at limit 100").all<{
    id: string;
  }>();
  for (const { id } of pending.results) await sendPayout(env, id);
  return pending.results.length;
}

/**
 * Sends one Stripe Connect payout. The transfer carries the payout's idempotency key, so a replay, a retry
 * after a network error or two senders at once make exactly one transfer; the status moves only from
 * `pending`. A refusal (the account cannot receive transfers) fails the payout and credits the amount back
 * with a `transfer_reversal` entry in the same batch; a network error leaves it pending for the next run.
 */
export async function sendPayout(env: Env, payoutId: string): Promise<PayoutView> {
  const row = await payoutRow(env, payoutId);
  if (!row) throw new AppError("vendors.payout_not_found", 404, "No such payout.");
  if (row.status !== "pending" || row.provider !== "stripe_connect" || !transfers || !row.destination) return toView(row);
  const result = await transfers.send(env, { payoutId, key: row.idempotencyKey, amount: row.amount, currency: row.currency, destination: row.destination });
  const at = new Date().toISOString();
  if (result.ok) {
    await env.DB.prepare("update payouts set status = 'paid', provider_reference = ?1, paid_at = ?2, updated_at = ?2 where id = ?3 and status = 'pending'")
      .bind(result.reference, at, payoutId)
      .run();
  } else if (result.permanent) {
    await runBatch(env.DB, failStatements(env, row, result.reason, at));
  } else {
    console.warn(JSON.stringify({ level: "warn", msg: "payout transfer not sent", payoutId, reason: result.reason }));
  }
  return payoutById(env, payoutId);
}

/** Fails a pending payout and credits its amount back, once (the reversal's key is the payout's). */
function failStatements(env: Env, row: Pick<PayoutRow, "id" | "vendorId" | "amount" | "currency">, reason: string, at: string) {
  return [
    env.DB.prepare("update payouts set status = 'failed', failure_reason = ?1, updated_at = ?2 where id = ?3 and status = 'pending'").bind(
      reason.slice(0, 500),
      at,
      row.id,
    ),
    ledgerEntryStatement(
      env.DB,
      {
        vendorId: row.vendorId,
        kind: "transfer_reversal",
        amount: row.amount,
        currency: row.currency,
        key: `payout_reversal:${row.id}`,
        note: `Payout ${row.id} failed`,
      },
      { sql: "exists (select 1 from payouts where id = ? and status = 'failed')", params: [row.id] },
    ),
  ];
}

function auditGuarded(env: Env, actor: AuditActor, action: string, id: string, after: unknown) {
  return env.DB.prepare(
    `insert into audit_log (id, actor_id, actor_email, action, entity_type, entity_id, before, after, request_id)
     select ?, ?, ?, ?, 'payout', ?, '{"status":"pending"}', ?, ? where changes() = 1`,
  ).bind(newId("aud"), actor.actorId, actor.actorEmail, action, id, JSON.stringify(after), actor.requestId);
}

/**
 * Staff record that a manual payout was sent (a bank transfer) with its reference. Only a pending manual payout
 * moves, and its audit row commits only with the change: of two clicks at once one wins, the other gets 409.
 */
export async function markPayoutPaid(env: Env, actor: AuditActor, id: string, reference: string): Promise<PayoutView> {
  const row = await payoutRow(env, id);
  if (!row) throw new AppError("vendors.payout_not_found", 404, "No such payout.");
  if (row.provider !== "manual") throw new AppError("vendors.payout_not_manual", 409, "Stripe Connect payouts are settled by their transfer.");
  const at = new Date().toISOString();
  const [update] = await runBatch(env.DB, [
    env.DB.prepare(
      "update payouts set status = 'paid', provider_reference = ?1, paid_at = ?2, updated_at = ?2 where id = ?3 and status = 'pending' and provider = 'manual'",
    ).bind(reference, at, id),
    auditGuarded(env, actor, "payout.paid", id, { status: "paid", reference }),
  ]);
  if (changesOf(update) !== 1) throw new AppError("vendors.payout_not_pending", 409, `This payout is ${row.status} already.`);
  return payoutById(env, id);
}

/**
 * Staff cancel a pending manual payout (the bank transfer was never made or bounced): it becomes `failed` and
 * the amount goes back to the vendor's balance, for the next run.
 */
export async function markPayoutFailed(env: Env, actor: AuditActor, id: string, reason: string): Promise<PayoutView> {
  const row = await payoutRow(env, id);
  if (!row) throw new AppError("vendors.payout_not_found", 404, "No such payout.");
  if (row.provider !== "manual") throw new AppError("vendors.payout_not_manual", 409, "Stripe Connect payouts are settled by their transfer.");
  const [update] = await runBatch(env.DB, [
    ...failStatements(env, row, reason, new Date().toISOString()),
    auditGuarded(env, actor, "payout.failed", id, { status: "failed", reason }),
  ]);
  if (changesOf(update) !== 1) throw new AppError("vendors.payout_not_pending", 409, `This payout is ${row.status} already.`);
  return payoutById(env, id);
}

/** Payouts newest first, for staff (filter by vendor and status) or one vendor's own history. */
export async function listPayouts(env: Env, query: PayoutListQuery & { vendorId?: string }): Promise<PayoutPage> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (query.vendorId) {
    where.push("p.vendor_id = ?");
    params.push(query.vendorId);
  }
  if (query.status) {
    where.push("p.status = ?");
    params.push(query.status);
  }
  const clause = where.length ? ` where ${where.join(" and ")}` : "";
  const [rows, count] = await env.DB.batch([
    env.DB.prepare(`${SELECT_PAYOUT}${clause} order by p.created_at desc, p.id desc limit ? offset ?`).bind(
      ...params,
      query.perPage,
      (query.page - 1) * query.perPage,
    ),
    env.DB.prepare(`select count(*) as n from payouts p${clause}`).bind(...params),
  ]);
  return {
    items: ((rows?.results ?? []) as PayoutRow[]).map(toView),
    total: ((count?.results ?? [])[0] as { n: number } | undefined)?.n ?? 0,
    page: query.page,
    perPage: query.perPage,
  };
}

/** What a vendor can be paid now and what is still held, in one currency (for the vendor's payouts page). */
export async function vendorPayoutSummary(env: Env, vendorId: string, currency: string) {
  const holdDays = await payoutHoldDays(env);
  const cutoff = new Date(Date.now() - holdDays * DAY_MS).toISOString();
  const row = await env.DB.prepare(
    `select coalesce(sum(amount), 0) as balance,
            coalesce(sum(case when kind in ('sale', 'commission') and created_at > ?3 then 0 else amount end), 0) as available
       from vendor_ledger where vendor_id = ?1 and currency = ?2`,
  )
    .bind(vendorId, currency, cutoff)
    .first<{ balance: number; available: number }>();
  const balance = row?.balance ?? 0;
  const available = row?.available ?? 0;
  return { balance: { amount: balance, currency }, available: { amount: available, currency }, held: { amount: balance - available, currency }, holdDays };
}
