import type { AuditActor } from "../../lib/audit";
import { changesOf, runBatch } from "../../lib/d1-batch";
import { AppError } from "../../lib/errors";
import { newId } from "../../lib/ids";
import { type EmailMessage, enqueueEmail, queuedEmailStatement } from "../../notifications";
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
  send(
    env: Env,
    transfer: { payoutId: string; key: string; amount: number; currency: string; destination: string; orderId: string | null },
  ): Promise<TransferResult>;
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

// When a sale's hold period starts, as an SQL expression over the entry `l` (null while it has not started):
// until a later domain says otherwise, at the payment (the entry's own time), matching `released` above.
let holdStart = "l.created_at";

/**
 * Registers when a sale's hold period starts, as an SQL expression over the ledger entry `l` that is null while
 * it has not started (orders does: the delivery of the seller's parcel). Only the seller's "next payout" date
 * reads it; whether a sale is released is still `registerSaleRelease`'s condition.
 */
export function registerSaleHoldStart(expression: string): void {
  holdStart = expression;
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

/** True when vendor order `vo` (an SQL expression) is paid out: covered by a payout that has not failed, or netted. */
const coveredSql = (vo: string) => `exists (select 1 from payout_items i where i.vendor_order_id = ${vo}
   and (i.payout_id is null or exists (select 1 from payouts pc where pc.id = i.payout_id and pc.status <> 'failed')))`;

/**
 * The seller's settled balance in SQL (`A0`): every entry that is not waiting in an unpaid vendor order — entries
 * without a vendor order (held by their own age), and every entry of vendor orders already paid out (a refund of
 * one after its transfer lands here). Negative means the seller owes the store: the next transfer nets it.
 */
const settledSql = (v: string, c: string, cutoff: string) => `(select coalesce(sum(l.amount), 0) from vendor_ledger l
   where l.vendor_id = ${v} and l.currency = ${c}
     and ((l.vendor_order_id is null and not ${heldSql(cutoff)}) or (l.vendor_order_id is not null and ${coveredSql("l.vendor_order_id")})))`;

/** A vendor order's net in SQL: the sum of its entries (sale − commission − refunds + commission refunds, and any transfer of it). */
const voNetSql = (vo: string) => `(select coalesce(sum(n.amount), 0) from vendor_ledger n where n.vendor_order_id = ${vo})`;

/** True when none of vendor order `vo`'s sale entries is held (released by its delivery plus the hold, no open return). */
const voReleasedSql = (vo: string, cutoff: string) => `not exists (select 1 from vendor_ledger l where l.vendor_order_id = ${vo} and ${heldSql(cutoff)})`;

/** One vendor order that can be paid now, and its net. */
interface PayableVendorOrder {
  vendorId: string;
  currency: string;
  id: string;
  orderId: string | null;
  net: number;
}

/**
 * The vendor orders that can be paid as of `cutoff` (delivered a hold period ago, no open return, not yet paid
 * out, net above zero), oldest sale first; all active vendors, or one.
 */
async function payableVendorOrders(env: Env, cutoff: string, vendorId: string | null = null, currency: string | null = null) {
  const rows = await env.DB.prepare(
    `select e.vendor_id as vendorId, e.currency, e.vendor_order_id as id, max(e.order_id) as orderId, sum(e.amount) as net, min(e.created_at) as at
       from vendor_ledger e join vendors v on v.id = e.vendor_id
      where v.status = 'active' and e.vendor_order_id is not null and (?2 is null or e.vendor_id = ?2) and (?3 is null or e.currency = ?3)
        and not ${coveredSql("e.vendor_order_id")}
      group by e.vendor_id, e.currency, e.vendor_order_id
     having sum(e.amount) > 0 and ${voReleasedSql("e.vendor_order_id", "?1")}
      order by at, id`,
  )
    .bind(cutoff, vendorId, currency)
    .all<PayableVendorOrder>();
  return rows.results;
}

/** Settled balance (`A0`) per active vendor and currency with any entry (or of one vendor). */
async function settledBalances(env: Env, cutoff: string, vendorId: string | null = null) {
  const rows = await env.DB.prepare(
    `select s.vendor_id as vendorId, s.currency, ${settledSql("s.vendor_id", "s.currency", "?1")} as settled,
            v.payout_provider as method, v.stripe_account_id as account, v.payouts_enabled as enabled
       from (select distinct vendor_id, currency from vendor_ledger where (?2 is null or vendor_id = ?2)) s
       join vendors v on v.id = s.vendor_id
      where v.status = 'active'
      order by s.vendor_id, s.currency`,
  )
    .bind(cutoff, vendorId)
    .all<{ vendorId: string; currency: string; settled: number; method: string; account: string | null; enabled: number }>();
  return rows.results;
}

/** What one payout pays: each vendor order's part (its net less what it pays back of `debt`) and the loose part. */
export interface PayoutPlan {
  items: { vo: string; orderId: string | null; net: number; amount: number; netted: number }[];
  /** The settled balance when positive (sales without a vendor order, adjustments): paid without a vendor order. */
  loose: number;
  total: number;
}

/**
 * Splits a payout over vendor orders: a negative settled balance (what the seller owes after a refund of money
 * already paid out) is taken from the vendor orders in turn, so a remainder of debt carries on to the next ones.
 * Pure, so the property tests can recompute it.
 */
export function planPayout(vos: readonly { id: string; orderId: string | null; net: number }[], settled: number, withLoose: boolean): PayoutPlan {
  let debt = Math.max(0, -settled);
  const items = vos.map((vo) => {
    const netted = Math.min(debt, vo.net);
    debt -= netted;
    return { vo: vo.id, orderId: vo.orderId, net: vo.net, amount: vo.net - netted, netted };
  });
  const loose = withLoose ? Math.max(0, settled) : 0;
  return { items, loose, total: items.reduce((s, i) => s + i.amount, 0) + loose };
}

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
  vendorOrderId: string | null;
  orderId: string | null;
  items: string | null;
}

const SELECT_PAYOUT = `select p.id, p.vendor_id as vendorId, v.name as vendorName, p.amount, p.currency, p.provider, p.status,
  p.provider_reference as providerReference, p.destination, p.idempotency_key as idempotencyKey, p.failure_reason as failureReason, p.created_at as createdAt, p.paid_at as paidAt,
  p.vendor_order_id as vendorOrderId, p.order_id as orderId,
  (select json_group_array(json_object('vendorOrderId', i.vendor_order_id, 'orderId', i.order_id, 'amount', i.amount))
     from payout_items i where i.payout_id = p.id) as items
  from payouts p join vendors v on v.id = p.vendor_id`;

/** What a later domain tells payouts about the orders its vendor orders belong to (orders registers the order numbers). */
export type OrderNumberLookup = (env: Env, orderIds: string[]) => Promise<Map<string, string>>;
let orderNumbers: OrderNumberLookup = async () => new Map();

/** Registers how an order id becomes the number a seller knows it by (orders does, at load). */
export function registerOrderNumbers(lookup: OrderNumberLookup): void {
  orderNumbers = lookup;
}

const toView = (r: PayoutRow, numbers: Map<string, string>): PayoutView => {
  const items = (JSON.parse(r.items ?? "[]") as { vendorOrderId: string; orderId: string | null; amount: number }[]).map((i) => ({
    vendorOrderId: i.vendorOrderId,
    orderId: i.orderId,
    orderNumber: i.orderId ? (numbers.get(i.orderId) ?? null) : null,
    amount: { amount: i.amount, currency: r.currency },
  }));
  return {
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
    vendorOrderId: r.vendorOrderId,
    orderId: r.orderId,
    orderNumber: r.orderId ? (numbers.get(r.orderId) ?? null) : null,
    vendorOrders: items,
  };
};

async function toViews(env: Env, rows: PayoutRow[]): Promise<PayoutView[]> {
  const ids = new Set<string>();
  for (const r of rows) {
    if (r.orderId) ids.add(r.orderId);
    for (const i of JSON.parse(r.items ?? "[]") as { orderId: string | null }[]) if (i.orderId) ids.add(i.orderId);
  }
  const numbers = ids.size ? await orderNumbers(env, [...ids]) : new Map<string, string>();
  return rows.map((r) => toView(r, numbers));
}

async function payoutRow(env: Env, id: string): Promise<PayoutRow | null> {
  return env.DB.prepare(`${SELECT_PAYOUT} where p.id = ?`).bind(id).first<PayoutRow>();
}

/** One payout, or 404. `vendorId` limits it to that vendor's (another vendor's answers 404 too). */
export async function payoutById(env: Env, id: string, vendorId?: string): Promise<PayoutView> {
  const row = await payoutRow(env, id);
  if (!row || (vendorId && row.vendorId !== vendorId)) throw new AppError("vendors.payout_not_found", 404, "No such payout.");
  const [view] = await toViews(env, [row]);
  return view as PayoutView;
}

const cutoffOf = async (env: Env, asOf: number) => new Date(asOf - (await payoutHoldDays(env)) * DAY_MS).toISOString();

const stripeReadyOf = (env: Env, v: { method: string; account: string | null; enabled: number }) =>
  Boolean(v.method === "stripe" && v.account && v.enabled && transfers?.configured(env));

/**
 * A payout run (the daily cron, or staff with "Run payouts now"): messages on the payouts queue, each carrying the
 * id its payout will have. A seller paid through Stripe Connect gets one per payable vendor order (one transfer
 * each) and one for a positive settled balance; a seller paid by hand one for everything payable. The consumer
 * (`runPayout`) creates and sends the payouts; nothing is written here, so a run that dies half-way leaves nothing
 * to repair (the next run finds the same vendor orders).
 */
export async function queuePayoutRun(env: Env, opts: { now?: number; actor?: AuditActor } = {}): Promise<PayoutRunResult> {
  const asOf = opts.now ?? Date.now();
  const cutoff = await cutoffOf(env, asOf);
  const queued: QueuedPayout[] = [];
  const messages: PayoutMessage[] = [];
  const payable = await payableVendorOrders(env, cutoff);
  const actor = opts.actor ?? null;
  for (const row of await settledBalances(env, cutoff)) {
    const vos = payable.filter((vo) => vo.vendorId === row.vendorId && vo.currency === row.currency);
    const queue = (amount: number, vendorOrderId: string | null) => {
      const payoutId = newId("po");
      queued.push({ payoutId, vendorId: row.vendorId, vendorOrderId, amount: { amount, currency: row.currency } });
      messages.push({ kind: "payout", payoutId, vendorId: row.vendorId, currency: row.currency, asOf, actor, vendorOrderId });
    };
    if (stripeReadyOf(env, row)) {
      // Stripe Connect: one transfer per vendor order (the consumer nets a debt against them in turn), and the
      // settled balance on its own when it is positive (sales without a vendor order, adjustments).
      const plan = planPayout(vos, row.settled, true);
      plan.items.forEach((item) => {
        if (item.amount > 0 || item.netted > 0) queue(item.amount, item.vo);
      });
      if (plan.loose > 0) queue(plan.loose, null);
    } else {
      // Manual: one bank transfer for everything payable; the payout still names the vendor orders it covers.
      const plan = planPayout(vos.slice(0, MAX_ITEMS), row.settled, true);
      if (plan.total > 0) queue(plan.total, null);
    }
  }
  await sendPayoutMessages(env, messages);
  return { queued, cutoff };
}

/** Vendor orders one manual payout covers at most (the rest wait for the next run). */
const MAX_ITEMS = 50;

/** Sends messages to the payouts queue, at most 100 per call (the queue's batch limit). */
export async function sendPayoutMessages(env: Env, messages: PayoutMessage[]): Promise<void> {
  for (let i = 0; i < messages.length; i += 100) {
    await env.PAYOUT_QUEUE.sendBatch(messages.slice(i, i + 100).map((body) => ({ body, contentType: "json" as const })));
  }
}

/** What the consumer does with a message after handling it: done (ack), or try again later. */
export type PayoutStep = "done" | "retry";

/**
 * One payout, from its queue message: creates the payout with its items and `transfer` ledger entries in one
 * batch, then sends a Stripe Connect payout's transfer. A message naming a vendor order pays that vendor order
 * (less what it nets of a negative balance); one without pays a Stripe seller's positive settled balance, or a
 * manual seller everything payable in one bank transfer. The insert re-computes, inside its own batch, that every
 * vendor order is still unpaid with the same net and that the settled balance is what was read, so two runs at
 * once (or a run and a refund) never pay twice: the loser reads again and finds nothing left. A redelivered message
 * finds its payout by id and changes nothing once it is sent. Answers `retry` when Stripe could not be reached (the
 * payout stays pending and the queue tries again later); a refusal fails the payout and credits the amount back.
 */
export async function runPayout(env: Env, msg: Extract<PayoutMessage, { kind: "payout" }>): Promise<PayoutStep> {
  for (let attempt = 0; attempt < 3 && !(await payoutRow(env, msg.payoutId)); attempt++) {
    if ((await createPayout(env, msg)) !== "lost") break;
  }
  const row = await payoutRow(env, msg.payoutId);
  if (!row) return "done";
  return (await transmit(env, row)) === "retry" ? "retry" : "done";
}

async function createPayout(env: Env, msg: Extract<PayoutMessage, { kind: "payout" }>): Promise<"created" | "nothing" | "lost"> {
  const cutoff = await cutoffOf(env, msg.asOf);
  const vendorOrderId = msg.vendorOrderId ?? null;
  const vendor = (await settledBalances(env, cutoff, msg.vendorId)).find((b) => b.currency === msg.currency);
  if (!vendor) return "nothing";
  const stripeReady = stripeReadyOf(env, vendor);
  const payable = await payableVendorOrders(env, cutoff, msg.vendorId, msg.currency);
  const vos = vendorOrderId ? payable.filter((vo) => vo.id === vendorOrderId) : stripeReady ? [] : payable.slice(0, MAX_ITEMS);
  if (vendorOrderId && vos.length === 0) return "nothing";
  const plan = planPayout(vos, vendor.settled, !vendorOrderId);
  const provider: PayoutMethod = stripeReady ? "stripe_connect" : "manual";
  const { payoutId: id, actor } = msg;
  const at = new Date().toISOString();
  const single = vendorOrderId ? (plan.items[0] ?? null) : null;
  const itemsJson = JSON.stringify(plan.items);
  // Inside the batch: every vendor order still unpaid with the net read, and the settled balance as read (only
  // its negative part matters when nothing loose is paid).
  const settledGuard = plan.loose > 0 ? `${settledSql("?2", "?3", "?4")} = ?5` : `min(0, ${settledSql("?2", "?3", "?4")}) = min(0, ?5)`;
  const itemsGuard = `not exists (select 1 from json_each(?6) j where ${coveredSql("json_extract(j.value, '$.vo')")}
       or ${voNetSql("json_extract(j.value, '$.vo')")} <> json_extract(j.value, '$.net')
       or not (${voReleasedSql("json_extract(j.value, '$.vo')", "?4")}))`;
  const active = "exists (select 1 from vendors where id = ?2 and status = 'active')";
  if (single && plan.total <= 0) {
    // The whole net pays back what the seller owes: nothing is sent; the vendor order counts as paid out.
    const [netted] = await runBatch(env.DB, [
      env.DB.prepare(
        `insert into payout_items (id, payout_id, vendor_id, vendor_order_id, order_id, amount, netted, created_at)
         select ?1, null, ?2, ?7, ?8, 0, ?9, ?10 where ${active} and ${settledGuard} and ${itemsGuard}`,
      ).bind(newId("pit"), msg.vendorId, msg.currency, cutoff, vendor.settled, itemsJson, single.vo, single.orderId, single.netted, at),
    ]);
    return changesOf(netted) === 1 ? "nothing" : "lost";
  }
  if (plan.total <= 0) return "nothing";
  // The Stripe key is the vendor order's (a payout retried after a failed one gets a key of its own).
  const failedBefore = single
    ? await env.DB.prepare("select count(*) as n from payouts where vendor_order_id = ? and status = 'failed'").bind(single.vo).first<{ n: number }>()
    : null;
  const key = single ? `transfer:${single.vo}${failedBefore?.n ? `:${id}` : ""}` : `payout:${id}`;
  const exists = "exists (select 1 from payouts where id = ? and amount = ?)";
  const [insert] = await runBatch(env.DB, [
    env.DB.prepare(
      `insert into payouts (id, vendor_id, amount, currency, provider, status, destination, idempotency_key, vendor_order_id, order_id, created_at, updated_at)
       select ?1, ?2, ?7, ?3, ?8, 'pending', ?9, ?10, ?11, ?12, ?13, ?13
        where ?7 > 0 and ${active} and ${settledGuard} and ${itemsGuard}
          and not exists (select 1 from payouts where id = ?1)
       on conflict do nothing`,
    ).bind(
      id,
      msg.vendorId,
      msg.currency,
      cutoff,
      vendor.settled,
      itemsJson,
      plan.total,
      provider,
      stripeReady ? vendor.account : null,
      key,
      single?.vo ?? null,
      single?.orderId ?? null,
      at,
    ),
    env.DB.prepare(
      `insert into payout_items (id, payout_id, vendor_id, vendor_order_id, order_id, amount, netted, created_at)
       select ?1 || '_' || j.key, ?2, ?3, json_extract(j.value, '$.vo'), json_extract(j.value, '$.orderId'), json_extract(j.value, '$.amount'),
              json_extract(j.value, '$.netted'), ?4
         from json_each(?5) j where exists (select 1 from payouts where id = ?2 and amount = ?6 and created_at = ?4)
       on conflict do nothing`,
    ).bind(newId("pit"), id, msg.vendorId, at, itemsJson, plan.total),
    // One transfer entry per vendor order (so the ledger says which vendor orders the payout covers) and one for the loose part.
    ...plan.items.map((item) =>
      ledgerEntryStatement(
        env.DB,
        {
          vendorId: msg.vendorId,
          kind: "transfer",
          amount: -item.amount,
          currency: msg.currency,
          orderId: item.orderId,
          vendorOrderId: item.vo,
          key: single ? `payout:${id}` : `payout:${id}:${item.vo}`,
          note: `Payout ${id} for vendor order ${item.vo}`,
        },
        { sql: exists, params: [id, plan.total] },
      ),
    ),
    ledgerEntryStatement(
      env.DB,
      { vendorId: msg.vendorId, kind: "transfer", amount: -plan.loose, currency: msg.currency, key: `payout:${id}`, note: `Payout ${id}` },
      { sql: exists, params: [id, plan.total] },
    ),
    ...(actor
      ? [
          env.DB.prepare(
            `insert into audit_log (id, actor_id, actor_email, action, entity_type, entity_id, before, after, request_id)
             select ?, ?, ?, 'payout.create', 'payout', ?, null, ?, ? where exists (select 1 from payouts where id = ? and created_at = ?)
               and not exists (select 1 from audit_log where entity_type = 'payout' and entity_id = ? and action = 'payout.create')`,
          ).bind(
            newId("aud"),
            actor.actorId,
            actor.actorEmail,
            id,
            JSON.stringify({ vendorId: msg.vendorId, amount: plan.total, currency: msg.currency, provider, vendorOrders: plan.items.map((i) => i.vo) }),
            actor.requestId,
            id,
            at,
            id,
          ),
        ]
      : []),
  ]);
  return changesOf(insert) === 1 ? "created" : "lost";
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
    orderId: row.orderId,
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
 * The emails that announce a transfer reversal to the seller's owner and finance members, each with an id derived
 * from the reversal's ledger key and the member, so writing or queueing them again sends nothing twice.
 */
async function reversalEmails(env: Env, r: { vendorId: string; amount: number; currency: string; orderId: string; key: string }): Promise<EmailMessage[]> {
  const [members, vendor, numbers] = await Promise.all([
    env.DB.prepare(
      "select u.id, u.email from vendor_members m join users u on u.id = m.user_id where m.vendor_id = ? and m.role in ('owner', 'finance') order by u.id",
    )
      .bind(r.vendorId)
      .all<{ id: string; email: string }>(),
    env.DB.prepare("select name from vendors where id = ?").bind(r.vendorId).first<{ name: string }>(),
    orderNumbers(env, [r.orderId]),
  ]);
  return members.results.map((m) => ({
    id: `payout-reversed:${r.key}:${m.id}`,
    template: "vendor_payout_reversed" as const,
    to: m.email,
    data: {
      vendorName: vendor?.name ?? "",
      amount: r.amount,
      currency: r.currency,
      orderNumber: numbers.get(r.orderId) ?? r.orderId,
      url: `${(env.PUBLIC_ORIGIN || "").replace(/\/+$/, "")}/vendor/payouts`,
    },
  }));
}

async function queueEmails(env: Env, messages: EmailMessage[]) {
  for (const message of messages) await enqueueEmail(env.EMAIL_QUEUE, message);
}

/**
 * After a refund: the seller's share of it, for each of its vendor orders in that order that was already paid
 * out, is taken back from the transfers that paid it: first the transfer of that vendor order, then the seller's
 * other Stripe transfers, newest first, each with a transfer reversal keyed by that payout and the refund (so a
 * redelivered message reverses once), and credited with a `transfer_reversal` entry under the same key. Never
 * more than the seller owes on its settled balance (a positive one absorbs the refund). What no transfer covers,
 * or what Stripe refuses (the connected account's balance is short), stays as a negative balance that the next
 * transfer nets. A network error answers `retry`.
 */
export async function reverseRefundedPayout(env: Env, msg: Extract<PayoutMessage, { kind: "reversal" }>): Promise<PayoutStep> {
  if (!transfers?.configured(env)) return "done";
  const cut = msg.refundKey.lastIndexOf(":");
  const orderId = msg.refundKey.slice(0, cut);
  const after = msg.refundKey.slice(cut + 1);
  const cutoff = await cutoffOf(env, Date.now());
  // The seller's share of THIS refund on vendor orders paid out before it was recorded.
  const share = await env.DB.prepare(
    `select coalesce(-sum(e.amount), 0) as share, max(e.vendor_order_id) as vo from vendor_ledger e
      where e.vendor_id = ?1 and e.currency = ?2 and e.order_id = ?3 and e.kind in ('refund', 'commission_refund')
        and e.idempotency_key = e.kind || ':' || e.vendor_order_id || ':' || ?4
        and exists (select 1 from payout_items i where i.vendor_order_id = e.vendor_order_id and i.created_at <= e.created_at
                      and (i.payout_id is null or exists (select 1 from payouts pc where pc.id = i.payout_id and pc.status <> 'failed')))`,
  )
    .bind(msg.vendorId, msg.currency, orderId, after)
    .first<{ share: number; vo: string | null }>();
  const done = await env.DB.prepare(
    "select coalesce(sum(amount), 0) as n from vendor_ledger where vendor_id = ? and kind = 'transfer_reversal' and idempotency_key like 'clawback:%' and substr(idempotency_key, -length(?)) = ?",
  )
    .bind(msg.vendorId, `:${msg.refundKey}`, `:${msg.refundKey}`)
    .first<{ n: number }>();
  const settled = await env.DB.prepare(`select ${settledSql("?1", "?2", "?3")} as n`)
    .bind(msg.vendorId, msg.currency, cutoff)
    .first<{ n: number }>();
  const already = done?.n ?? 0;
  // What the seller owed before this refund's reversals were credited, capped by the share.
  const target = Math.min(share?.share ?? 0, Math.max(0, already - (settled?.n ?? 0)));
  let remaining = target - already;
  if (remaining <= 0) return "done";
  const sources = await env.DB.prepare(
    `select p.id, p.provider_reference as transferId, p.vendor_order_id as vendorOrderId, p.order_id as orderId,
            p.amount - coalesce((select sum(l.amount) from vendor_ledger l
              where l.vendor_id = p.vendor_id and l.kind = 'transfer_reversal' and substr(l.idempotency_key, 1, length('clawback:' || p.id || ':')) = 'clawback:' || p.id || ':'), 0) as reversible,
            exists (select 1 from vendor_ledger k where k.idempotency_key = 'clawback:' || p.id || ':' || ?3) as used
       from payouts p
      where p.vendor_id = ?1 and p.currency = ?2 and p.provider = 'stripe_connect' and p.status = 'paid' and p.provider_reference is not null
      order by (p.order_id = ?4) desc, p.paid_at desc, p.id desc limit 50`,
  )
    .bind(msg.vendorId, msg.currency, msg.refundKey, orderId)
    .all<{ id: string; transferId: string; vendorOrderId: string | null; orderId: string | null; reversible: number; used: number }>();
  for (const from of sources.results) {
    if (remaining <= 0) break;
    const key = `clawback:${from.id}:${msg.refundKey}`;
    if (from.used) {
      // Recorded by an earlier delivery, which may have died before queueing its emails: queue them again (each id sends once).
      const entry = await env.DB.prepare("select amount from vendor_ledger where idempotency_key = ?").bind(key).first<{ amount: number }>();
      if (entry) await queueEmails(env, await reversalEmails(env, { vendorId: msg.vendorId, amount: entry.amount, currency: msg.currency, orderId, key }));
      continue;
    }
    if (from.reversible <= 0) continue;
    const amount = Math.min(remaining, from.reversible);
    const result = await transfers.reverse(env, { transferId: from.transferId, key, amount, refundKey: msg.refundKey });
    if (!result.ok) {
      console.warn(JSON.stringify({ level: "warn", msg: "transfer reversal not made", vendorId: msg.vendorId, payoutId: from.id, reason: result.reason }));
      // Refused for good (the account's balance is short): what is left stays owed and the next transfer nets it.
      return result.permanent ? "done" : "retry";
    }
    // The email is written into the outbox in the same batch as the entry: a retry finds both and writes neither.
    const emails = await reversalEmails(env, { vendorId: msg.vendorId, amount, currency: msg.currency, orderId, key });
    await runBatch(env.DB, [
      ledgerEntryStatement(env.DB, {
        vendorId: msg.vendorId,
        kind: "transfer_reversal",
        amount,
        currency: msg.currency,
        orderId: from.orderId,
        vendorOrderId: from.vendorOrderId,
        key,
        note: `Reversal ${result.reference} of transfer ${from.transferId} (payout ${from.id}) after a refund of order ${orderId}`,
      }),
      ...(await Promise.all(emails.map((email) => queuedEmailStatement(env, email)))),
    ]);
    await queueEmails(env, emails);
    remaining -= amount;
  }
  return "done";
}

/**
 * Fails a pending payout and credits back each of its `transfer` entries, once (each reversal's key is its
 * entry's), with the same vendor order: the vendor orders it covered are unpaid again and the next run pays them.
 */
function failStatements(env: Env, row: Pick<PayoutRow, "id">, reason: string, at: string) {
  return [
    env.DB.prepare("update payouts set status = 'failed', failure_reason = ?1, updated_at = ?2 where id = ?3 and status = 'pending'").bind(
      reason.slice(0, 500),
      at,
      row.id,
    ),
    env.DB.prepare(
      `insert into vendor_ledger (id, vendor_id, kind, amount, currency, order_id, vendor_order_id, idempotency_key, note, created_at)
       select 'vle_' || lower(hex(randomblob(10))), t.vendor_id, 'transfer_reversal', -t.amount, t.currency, t.order_id, t.vendor_order_id,
              'payout_reversal:' || substr(t.idempotency_key, 8), 'Payout ' || ?1 || ' failed', ?2
         from vendor_ledger t
        where t.kind = 'transfer' and (t.idempotency_key = 'payout:' || ?1 or substr(t.idempotency_key, 1, length(?1) + 8) = 'payout:' || ?1 || ':')
          and exists (select 1 from payouts where id = ?1 and status = 'failed')
       on conflict(idempotency_key) do nothing`,
    ).bind(row.id, at),
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
    items: await toViews(env, (rows?.results ?? []) as PayoutRow[]),
    total: ((count?.results ?? [])[0] as { n: number } | undefined)?.n ?? 0,
    page: query.page,
    perPage: query.perPage,
  };
}

/** When the seller's next payout is due: now, or the date a held sale leaves its hold. */
export interface NextPayout {
  amount: { amount: number; currency: string };
  /** True when something can be paid now (the next payout run pays it). */
  availableNow: boolean;
  /** When not available now: the time the held sales that make it up leave their hold. */
  payableAt: string | null;
}

/**
 * What a vendor can be paid now and what is still held, in one currency (for the seller's overview and payouts
 * page): the settled balance plus the nets of the vendor orders that can be paid now; the rest of the balance is
 * held. `nextPayout` is what can be paid now when that is above zero; otherwise the earliest time at which held
 * sales with a known release (delivered, no open return) bring what can be paid above zero, with that amount;
 * null when nothing is due (nothing payable, and nothing held has a date yet).
 */
export async function vendorPayoutSummary(env: Env, vendorId: string, currency: string, now = Date.now()) {
  const holdDays = await payoutHoldDays(env);
  const cutoff = new Date(now - holdDays * DAY_MS).toISOString();
  const [row, payable, held] = await Promise.all([
    env.DB.prepare(
      `select coalesce((select sum(amount) from vendor_ledger where vendor_id = ?1 and currency = ?2), 0) as balance, ${settledSql("?1", "?2", "?3")} as settled`,
    )
      .bind(vendorId, currency, cutoff)
      .first<{ balance: number; settled: number }>(),
    payableVendorOrders(env, cutoff, vendorId, currency),
    heldReleases(env, vendorId, currency, cutoff),
  ]);
  const balance = row?.balance ?? 0;
  const available = (row?.settled ?? 0) + payable.reduce((s, vo) => s + vo.net, 0);
  const money = (amount: number) => ({ amount, currency });
  let nextPayout: NextPayout | null = available > 0 ? { amount: money(available), availableNow: true, payableAt: null } : null;
  if (!nextPayout) {
    // Held sales in the order they leave their hold; the first time the payable amount turns positive is the next payout.
    const releases = new Map<number, number>();
    for (const h of held) {
      if (h.blocked || !h.startAt) continue;
      const at = Math.max(now, Date.parse(h.startAt) + holdDays * DAY_MS);
      releases.set(at, (releases.get(at) ?? 0) + h.net);
    }
    let running = available;
    for (const at of [...releases.keys()].sort((a, b) => a - b)) {
      running += releases.get(at) ?? 0;
      if (running > 0) {
        nextPayout = { amount: money(running), availableNow: false, payableAt: new Date(at).toISOString() };
        break;
      }
    }
  }
  return { balance: money(balance), available: money(available), held: money(balance - available), holdDays, nextPayout };
}

/**
 * What is still held of a seller's balance, each part with when its hold started (null: not yet, such as a parcel
 * not delivered) and whether an open return blocks it: unpaid vendor orders with a net above zero that are not
 * released, and entries without a vendor order younger than the hold (their hold starts when they were written).
 */
async function heldReleases(env: Env, vendorId: string, currency: string, cutoff: string) {
  const blocked = blocks.length ? blocks.map((b) => `(${b("?3")})`).join(" or ") : "0";
  const rows = await env.DB.prepare(
    `select e.vendor_order_id as id, sum(e.amount) as net,
            (select max(${holdStart}) from vendor_ledger l where l.vendor_order_id = e.vendor_order_id and l.kind in ('sale', 'commission')) as startAt,
            exists (select 1 from vendor_ledger l where l.vendor_order_id = e.vendor_order_id and l.kind in ('sale', 'commission') and (${blocked})) as blocked
       from vendor_ledger e
      where e.vendor_id = ?1 and e.currency = ?2 and e.vendor_order_id is not null and not ${coveredSql("e.vendor_order_id")}
      group by e.vendor_order_id
     having sum(e.amount) > 0 and not (${voReleasedSql("e.vendor_order_id", "?3")})
     union all
     select null, l.amount, l.created_at, 0 from vendor_ledger l
      where l.vendor_id = ?1 and l.currency = ?2 and l.vendor_order_id is null and ${heldSql("?3")}`,
  )
    .bind(vendorId, currency, cutoff)
    .all<{ id: string | null; net: number; startAt: string | null; blocked: number }>();
  return rows.results;
}
