// The hold period and the balance arithmetic of payouts, in SQL over the vendor ledger: which sales are still
// held, what a seller's settled balance is, which vendor orders can be paid now, and how a payout is split.

const DAY_MS = 86_400_000;

/** Sales younger than this many days are held back from payouts unless a later domain says otherwise. */
export const DEFAULT_HOLD_DAYS = 30;
let holdDaysOf: (env: Env) => Promise<number> = async () => DEFAULT_HOLD_DAYS;

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
export const coveredSql = (vo: string) => `exists (select 1 from payout_items i where i.vendor_order_id = ${vo}
   and (i.payout_id is null or exists (select 1 from payouts pc where pc.id = i.payout_id and pc.status <> 'failed')))`;

/**
 * The seller's settled balance in SQL (`A0`): every entry that is not waiting in an unpaid vendor order — entries
 * without a vendor order (held by their own age), and every entry of vendor orders already paid out (a refund of
 * one after its transfer lands here). Negative means the seller owes the store: the next transfer nets it.
 */
export const settledSql = (v: string, c: string, cutoff: string) => `(select coalesce(sum(l.amount), 0) from vendor_ledger l
   where l.vendor_id = ${v} and l.currency = ${c}
     and ((l.vendor_order_id is null and not ${heldSql(cutoff)}) or (l.vendor_order_id is not null and ${coveredSql("l.vendor_order_id")})))`;

/** A vendor order's net in SQL: the sum of its entries (sale − commission − refunds + commission refunds, and any transfer of it). */
export const voNetSql = (vo: string) => `(select coalesce(sum(n.amount), 0) from vendor_ledger n where n.vendor_order_id = ${vo})`;

/** True when none of vendor order `vo`'s sale entries is held (released by its delivery plus the hold, no open return). */
export const voReleasedSql = (vo: string, cutoff: string) =>
  `not exists (select 1 from vendor_ledger l where l.vendor_order_id = ${vo} and ${heldSql(cutoff)})`;

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
export async function payableVendorOrders(env: Env, cutoff: string, vendorId: string | null = null, currency: string | null = null) {
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
export async function settledBalances(env: Env, cutoff: string, vendorId: string | null = null) {
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

/** The hold period's cutoff as of `asOf` (an ISO time): a sale released before it has served its hold. */
export const cutoffOf = async (env: Env, asOf: number) => new Date(asOf - (await payoutHoldDays(env)) * DAY_MS).toISOString();

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
