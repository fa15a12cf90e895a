import type { AuditActor } from "../../lib/audit";
import { changesOf, runBatch } from "../../lib/d1-batch";
import { AppError } from "../../lib/errors";
import { newId } from "../../lib/ids";
import type { PayoutListQuery, PayoutMessage, PayoutPage, PayoutRunResult, PayoutView, QueuedPayout } from "../schema";
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
  /**
   * Takes `amount` back from a transfer already made (a refund of a sale that was paid out), carrying `key` as
   * the provider's idempotency key: a repeat makes no second reversal.
   */
  reverse(env: Env, reversal: { transferId: string; key: string; amount: number; refundKey: string }): Promise<TransferResult>;
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

/**
 * An SQL condition over a ledger entry `l` (a sale or commission with a vendor order), given the SQL
 * parameter that holds the hold-period cutoff (an ISO time).
 */
export type SaleHoldCondition = (cutoff: string) => string;

// Until a later domain says when a sale is released, its clock starts at the payment (the entry's own time).
let released: SaleHoldCondition = (cutoff) => `l.created_at <= ${cutoff}`;
const blocks: SaleHoldCondition[] = [];

/**
 * Registers when a sale's hold period starts (orders does: the delivery of the seller's parcel). The
 * condition is true once the sale and its commission may be paid out.
 */
export function registerSaleRelease(condition: SaleHoldCondition): void {
  released = condition;
}

/** Registers a reason to keep holding a released sale (returns does: a return on it is open). True means held. */
export function registerSaleBlock(condition: SaleHoldCondition): void {
  blocks.push(condition);
}

/**
 * True for the entries of `l` that are still held: sales and commissions not yet released or blocked. Refunds,
 * payouts and reversals are never held, so a refund of a held sale lowers what can be paid today. Entries
 * without a vendor order (written by hand) are released by their own age.
 */
function heldSql(cutoff: string): string {
  const blocked = blocks.map((b) => ` or (${b(cutoff)})`).join("");
  return `(l.kind in ('sale', 'commission') and (
     (l.vendor_order_id is null and l.created_at > ${cutoff})
     or (l.vendor_order_id is not null and (not (${released(cutoff)})${blocked}))))`;
}

// A vendor's available balance in SQL, so the insert below can re-check it inside its own batch.
const availableSql = () => `(select coalesce(sum(l.amount), 0) from vendor_ledger l
   where l.vendor_id = ?2 and l.currency = ?3 and not ${heldSql("?4")})`;

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

/** Available balance per active vendor and currency, as of `cutoff` (sales released before it count). */
async function availableBalances(env: Env, cutoff: string) {
  const rows = await env.DB.prepare(
    `select l.vendor_id as vendorId, l.currency, sum(l.amount) as available,
            v.payout_provider as method, v.stripe_account_id as account, v.payouts_enabled as enabled
       from vendor_ledger l join vendors v on v.id = l.vendor_id
      where v.status = 'active' and not ${heldSql("?1")}
      group by l.vendor_id, l.currency having sum(l.amount) > 0
      order by l.vendor_id, l.currency`,
  )
    .bind(cutoff)
    .all<{ vendorId: string; currency: string; available: number; method: string; account: string | null; enabled: number }>();
  return rows.results;
}

const cutoffOf = async (env: Env, asOf: number) => new Date(asOf - (await payoutHoldDays(env)) * DAY_MS).toISOString();

/**
 * A payout run (the daily cron, or staff with "Run payouts now"): one message on the payouts queue per active
 * vendor and currency with a positive available balance, each carrying the id its payout will have. The
 * consumer (`runPayout`) creates and sends the payout; nothing is written here, so a run that dies half-way
 * leaves nothing to repair (the next run finds the same balances).
 */
export async function queuePayoutRun(env: Env, opts: { now?: number; actor?: AuditActor } = {}): Promise<PayoutRunResult> {
  const asOf = opts.now ?? Date.now();
  const cutoff = await cutoffOf(env, asOf);
  const queued: QueuedPayout[] = [];
  const messages: PayoutMessage[] = [];
  for (const row of await availableBalances(env, cutoff)) {
    const payoutId = newId("po");
    queued.push({ payoutId, vendorId: row.vendorId, amount: { amount: row.available, currency: row.currency } });
    messages.push({ kind: "payout", payoutId, vendorId: row.vendorId, currency: row.currency, asOf, actor: opts.actor ?? null });
  }
  await sendPayoutMessages(env, messages);
  return { queued, cutoff };
}

/** Sends messages to the payouts queue, at most 100 per call (the queue's batch limit). */
export async function sendPayoutMessages(env: Env, messages: PayoutMessage[]): Promise<void> {
  for (let i = 0; i < messages.length; i += 100) {
    await env.PAYOUT_QUEUE.sendBatch(messages.slice(i, i + 100).map((body) => ({ body, contentType: "json" as const })));
  }
}

/** What the consumer does with a message after handling it: done (ack), or try again later. */
export type PayoutStep = "done" | "retry";

/**
 * One seller's payout, from its queue message: creates the payout with the message's id and its `transfer`
 * ledger entry in one batch, then sends a Stripe Connect payout's transfer. The insert re-computes the available
 * balance inside the batch and writes only if it is still what was read, so two runs at once (or a run and a
 * refund) never pay a vendor twice: the loser finds nothing left. A redelivered message finds its payout by id
 * and changes nothing once it is sent. Answers `retry` when Stripe could not be reached (the payout stays
 * pending and the queue tries again later); a refusal fails the payout and credits the amount back.
 */
export async function runPayout(env: Env, msg: Extract<PayoutMessage, { kind: "payout" }>): Promise<PayoutStep> {
  if (!(await payoutRow(env, msg.payoutId))) await createPayout(env, msg);
  const row = await payoutRow(env, msg.payoutId);
  if (!row) return "done";
  return (await transmit(env, row)) === "retry" ? "retry" : "done";
}

async function createPayout(env: Env, msg: Extract<PayoutMessage, { kind: "payout" }>): Promise<void> {
  const cutoff = await cutoffOf(env, msg.asOf);
  const vendor = await env.DB.prepare(
    `select v.payout_provider as method, v.stripe_account_id as account, v.payouts_enabled as enabled, ${availableSql()} as available
       from vendors v where v.id = ?2 and v.status = 'active'`,
  )
    .bind(null, msg.vendorId, msg.currency, cutoff)
    .first<{ method: string; account: string | null; enabled: number; available: number }>();
  if (!vendor || vendor.available <= 0) return;
  const stripeReady = vendor.method === "stripe" && vendor.account && vendor.enabled && transfers?.configured(env);
  const provider: PayoutMethod = stripeReady ? "stripe_connect" : "manual";
  const { payoutId: id, actor } = msg;
  const at = new Date().toISOString();
  await runBatch(env.DB, [
    env.DB.prepare(
      `insert into payouts (id, vendor_id, amount, currency, provider, status, destination, idempotency_key, created_at, updated_at)
       select ?1, ?2, ?5, ?3, ?6, 'pending', ?7, ?8, ?9, ?9
        where ?5 > 0 and ${availableSql()} = ?5 and exists (select 1 from vendors where id = ?2 and status = 'active')
          and not exists (select 1 from payouts where id = ?1)`,
    ).bind(id, msg.vendorId, msg.currency, cutoff, vendor.available, provider, stripeReady ? vendor.account : null, `payout:${id}`, at),
    ledgerEntryStatement(
      env.DB,
      { vendorId: msg.vendorId, kind: "transfer", amount: -vendor.available, currency: msg.currency, key: `payout:${id}`, note: `Payout ${id}` },
      { sql: "exists (select 1 from payouts where id = ? and amount = ?)", params: [id, vendor.available] },
    ),
    ...(actor
      ? [
          env.DB.prepare(
            `insert into audit_log (id, actor_id, actor_email, action, entity_type, entity_id, before, after, request_id)
             select ?, ?, ?, 'payout.create', 'payout', ?, null, ?, ? where changes() = 1`,
          ).bind(
            newId("aud"),
            actor.actorId,
            actor.actorEmail,
            id,
            JSON.stringify({ vendorId: msg.vendorId, amount: vendor.available, currency: msg.currency, provider }),
            actor.requestId,
          ),
        ]
      : []),
  ]);
}

/**
 * Sends one Stripe Connect payout (a pending one; anything else is answered as it is). The transfer carries the
 * payout's idempotency key, so a replay, a retry after a network error or two senders at once make exactly one
 * transfer; the status moves only from `pending`. A refusal (the account cannot receive transfers) fails the
 * payout and credits the amount back with a `transfer_reversal` entry in the same batch; a network error leaves
 * it pending (the queue message that carries it is retried).
 */
export async function sendPayout(env: Env, payoutId: string): Promise<PayoutView> {
  const row = await payoutRow(env, payoutId);
  if (!row) throw new AppError("vendors.payout_not_found", 404, "No such payout.");
  await transmit(env, row);
  return payoutById(env, payoutId);
}

async function transmit(env: Env, row: PayoutRow): Promise<"sent" | "failed" | "retry" | "skipped"> {
  if (row.status !== "pending" || row.provider !== "stripe_connect" || !row.destination) return "skipped";
  if (!transfers?.configured(env)) return "retry";
  const result = await transfers.send(env, {
    payoutId: row.id,
    key: row.idempotencyKey,
    amount: row.amount,
    currency: row.currency,
    destination: row.destination,
  });
  const at = new Date().toISOString();
  if (result.ok) {
    await env.DB.prepare("update payouts set status = 'paid', provider_reference = ?1, paid_at = ?2, updated_at = ?2 where id = ?3 and status = 'pending'")
      .bind(result.reference, at, row.id)
      .run();
    return "sent";
  }
  if (result.permanent) {
    await runBatch(env.DB, failStatements(env, row, result.reason, at));
    return "failed";
  }
  console.warn(JSON.stringify({ level: "warn", msg: "payout transfer not sent", payoutId: row.id, reason: result.reason }));
  return "retry";
}

/**
 * After a refund: when the vendor's balance is negative (it was paid out more than it is now owed), takes the
 * shortfall back from the newest Stripe transfer that still has something to reverse, with a transfer reversal
 * keyed by that payout and the refund (so a redelivered message reverses once), and credits what came back with
 * a `transfer_reversal` entry under the same key. A vendor paid by hand, or a reversal Stripe refuses (the
 * connected account's balance is short), leaves the balance negative: it carries over and nets against the
 * next payout. A network error answers `retry`.
 */
export async function reverseRefundedPayout(env: Env, msg: Extract<PayoutMessage, { kind: "reversal" }>): Promise<PayoutStep> {
  if (!transfers?.configured(env)) return "done";
  const balance = await env.DB.prepare("select coalesce(sum(amount), 0) as n from vendor_ledger where vendor_id = ? and currency = ?")
    .bind(msg.vendorId, msg.currency)
    .first<{ n: number }>();
  const shortfall = -(balance?.n ?? 0);
  if (shortfall <= 0) return "done";
  const payout = await env.DB.prepare(
    `select p.id, p.provider_reference as transferId,
            p.amount - coalesce((select sum(l.amount) from vendor_ledger l
              where l.vendor_id = p.vendor_id and l.kind = 'transfer_reversal' and substr(l.idempotency_key, 1, length('clawback:' || p.id || ':')) = 'clawback:' || p.id || ':'), 0) as reversible
       from payouts p
      where p.vendor_id = ?1 and p.currency = ?2 and p.provider = 'stripe_connect' and p.status = 'paid' and p.provider_reference is not null
      order by p.paid_at desc, p.id desc limit 20`,
  )
    .bind(msg.vendorId, msg.currency)
    .all<{ id: string; transferId: string; reversible: number }>();
  const from = payout.results.find((p) => p.reversible > 0);
  if (!from) return "done";
  const key = `clawback:${from.id}:${msg.refundKey}`;
  // This refund's reversal is recorded already (a late redelivery after a later refund changed the shortfall).
  if (await env.DB.prepare("select 1 as x from vendor_ledger where idempotency_key = ?").bind(key).first()) return "done";
  const amount = Math.min(shortfall, from.reversible);
  const result = await transfers.reverse(env, { transferId: from.transferId, key, amount, refundKey: msg.refundKey });
  if (result.ok) {
    await runBatch(env.DB, [
      ledgerEntryStatement(env.DB, {
        vendorId: msg.vendorId,
        kind: "transfer_reversal",
        amount,
        currency: msg.currency,
        key,
        note: `Reversal ${result.reference} of payout ${from.id}`,
      }),
    ]);
    return "done";
  }
  console.warn(JSON.stringify({ level: "warn", msg: "transfer reversal not made", vendorId: msg.vendorId, payoutId: from.id, reason: result.reason }));
  return result.permanent ? "done" : "retry";
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
    `select coalesce(sum(l.amount), 0) as balance,
            coalesce(sum(case when ${heldSql("?3")} then 0 else l.amount end), 0) as available
       from vendor_ledger l where l.vendor_id = ?1 and l.currency = ?2`,
  )
    .bind(vendorId, currency, cutoff)
    .first<{ balance: number; available: number }>();
  const balance = row?.balance ?? 0;
  const available = row?.available ?? 0;
  return { balance: { amount: balance, currency }, available: { amount: available, currency }, held: { amount: balance - available, currency }, holdDays };
}
