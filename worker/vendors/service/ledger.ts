import { and, desc, eq, sql } from "drizzle-orm";
import { getDb } from "../../db/client";
import { newId } from "../../lib/ids";
import { decimalText } from "../../lib/money";
import { type LedgerKind, type PayoutMethod, type PayoutStatus, payouts, vendorLedger } from "../tables";

/** One ledger entry to write: `amount` positive when the store owes the vendor more, negative when less. */
export interface LedgerEntry {
  vendorId: string;
  kind: LedgerKind;
  amount: number;
  currency: string;
  orderId?: string | null;
  vendorOrderId?: string | null;
  /** Unique per cause (`sale:<vendor order>`, `refund:<vendor order>:<refunded so far>` …): a replay writes nothing. */
  key: string;
  note?: string | null;
}

/**
 * The statement that appends one entry, for the caller's batch (the event that causes it commits with it).
 * `when` is an SQL condition (with its parameters) the entry is written under, such as "the order is paid
 * now"; an entry whose key exists already is skipped, and a zero amount writes nothing.
 */
export function ledgerEntryStatement(d1: D1Database, entry: LedgerEntry, when?: { sql: string; params: unknown[] }) {
  return d1
    .prepare(
      `insert into vendor_ledger (id, vendor_id, kind, amount, currency, order_id, vendor_order_id, idempotency_key, note, created_at)
       select ?, ?, ?, ?, ?, ?, ?, ?, ?, ? where ?4 <> 0 and ${when ? when.sql : "1"}
       on conflict(idempotency_key) do nothing`,
    )
    .bind(
      newId("vle"),
      entry.vendorId,
      entry.kind,
      entry.amount,
      entry.currency,
      entry.orderId ?? null,
      entry.vendorOrderId ?? null,
      entry.key,
      entry.note ?? null,
      new Date().toISOString(),
      ...(when?.params ?? []),
    );
}

/**
 * Statement order: by time, then in the order entries were written. Entries of one event share a timestamp
 * (a sale and its commission are one batch), and their ids are random, so the row id keeps the sale first.
 */
const WRITTEN = sql`"vendor_ledger"."rowid"`;

/** A vendor's balance per currency: the sum of its entries (positive: the store owes it). */
export async function vendorBalance(env: Env, vendorId: string, currency: string): Promise<number> {
  const row = await getDb(env.DB)
    .select({ total: sql<number>`coalesce(sum(${vendorLedger.amount}), 0)` })
    .from(vendorLedger)
    .where(and(eq(vendorLedger.vendorId, vendorId), eq(vendorLedger.currency, currency)))
    .get();
  return row?.total ?? 0;
}

/**
 * The id of the payout a `transfer` or `transfer_reversal` entry belongs to, read from the entry's key in SQL
 * (`payout:<payout>[:<vendor order>]`, `payout_reversal:<payout>[:<vendor order>]`, `clawback:<payout>:<refund>`);
 * null for every other entry. Payout ids hold no colon.
 */
function payoutIdSql(key: string, kind: string): string {
  const rest = `(case when ${kind} = 'transfer' and substr(${key}, 1, 7) = 'payout:' then substr(${key}, 8)
    when ${kind} = 'transfer_reversal' and substr(${key}, 1, 16) = 'payout_reversal:' then substr(${key}, 17)
    when ${kind} = 'transfer_reversal' and substr(${key}, 1, 9) = 'clawback:' then substr(${key}, 10) end)`;
  return `substr(${rest}, 1, instr(${rest} || ':', ':') - 1)`;
}

// The ledger is append-only and a transfer's entry is written before the transfer is sent, so the transfer id
// (or a manual payout's bank reference) is never on the entry: the statement joins the payout the entry belongs
// to and reads its `provider_reference` as it is now. Only the vendor's own payouts join.
const payoutOfEntry = sql`${payouts.id} = ${sql.raw(payoutIdSql('"vendor_ledger"."idempotency_key"', '"vendor_ledger"."kind"'))} and ${payouts.vendorId} = ${vendorLedger.vendorId}`;

/** The payout a statement entry belongs to, as the statement shows it. */
export interface LedgerPayoutRef {
  id: string;
  provider: PayoutMethod;
  status: PayoutStatus;
  /** The Stripe transfer id (`tr_…`) once sent, or the bank reference staff recorded for a manual payout. */
  reference: string | null;
}

const payoutRefOf = (r: { payoutId: string | null; payoutProvider: PayoutMethod | null; payoutStatus: PayoutStatus | null; payoutReference: string | null }) =>
  r.payoutId && r.payoutProvider && r.payoutStatus
    ? ({ id: r.payoutId, provider: r.payoutProvider, status: r.payoutStatus, reference: r.payoutReference } satisfies LedgerPayoutRef)
    : null;

/**
 * A page of the vendor's statement, newest first, with the balance after each entry and, on payout entries
 * (transfers and their reversals), the payout with its Stripe transfer id or bank reference.
 */
export async function vendorStatement(env: Env, vendorId: string, currency: string, page: number, perPage: number) {
  const db = getDb(env.DB);
  const where = and(eq(vendorLedger.vendorId, vendorId), eq(vendorLedger.currency, currency));
  const [rows, [count], [sum]] = await db.batch([
    db
      .select({
        id: vendorLedger.id,
        kind: vendorLedger.kind,
        amount: vendorLedger.amount,
        orderId: vendorLedger.orderId,
        vendorOrderId: vendorLedger.vendorOrderId,
        note: vendorLedger.note,
        createdAt: vendorLedger.createdAt,
        // Running balance in statement order: what the statement read at that entry.
        balance: sql<number>`(select sum(l.amount) from vendor_ledger l where l.vendor_id = "vendor_ledger"."vendor_id" and l.currency = "vendor_ledger"."currency" and (l.created_at < "vendor_ledger"."created_at" or (l.created_at = "vendor_ledger"."created_at" and l.rowid <= "vendor_ledger"."rowid")))`,
        // Aliased: D1's batch answers rows keyed by column name, and the entry's own `id` would hide the payout's.
        payoutId: sql<string | null>`${payouts.id}`.as("payout_id"),
        payoutProvider: payouts.provider,
        payoutStatus: payouts.status,
        payoutReference: payouts.providerReference,
      })
      .from(vendorLedger)
      .leftJoin(payouts, payoutOfEntry)
      .where(where)
      .orderBy(desc(vendorLedger.createdAt), desc(WRITTEN))
      .limit(perPage)
      .offset((page - 1) * perPage),
    db.select({ n: sql<number>`count(*)` }).from(vendorLedger).where(where),
    db
      .select({ total: sql<number>`coalesce(sum(${vendorLedger.amount}), 0)` })
      .from(vendorLedger)
      .where(where),
  ]);
  const money = (amount: number) => ({ amount, currency });
  return {
    balance: money(sum?.total ?? 0),
    items: rows.map(({ payoutId, payoutProvider, payoutStatus, payoutReference, ...r }) => ({
      ...r,
      amount: money(r.amount),
      balance: money(r.balance),
      payout: payoutRefOf({ payoutId, payoutProvider, payoutStatus, payoutReference }),
    })),
    total: count?.n ?? 0,
    page,
    perPage,
  };
}

const CSV_HEADER = ["date", "kind", "amount", "currency", "balance", "order_id", "vendor_order_id", "payout_id", "reference", "note"];

// A spreadsheet runs a cell that starts with = + - @ as a formula; text cells get a leading apostrophe.
const textCell = (value: string | null) => {
  const text = value ?? "";
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

/**
 * The vendor's whole statement as CSV, oldest first, amounts as decimals in the currency (a spreadsheet sums
 * them to the balance); payout entries carry their payout and its Stripe transfer id or bank reference.
 */
export async function vendorStatementCsv(env: Env, vendorId: string, currency: string): Promise<string> {
  const rows = await getDb(env.DB)
    .select({
      id: vendorLedger.id,
      kind: vendorLedger.kind,
      amount: vendorLedger.amount,
      orderId: vendorLedger.orderId,
      vendorOrderId: vendorLedger.vendorOrderId,
      note: vendorLedger.note,
      createdAt: vendorLedger.createdAt,
      payoutId: sql<string | null>`${payouts.id}`.as("payout_id"),
      reference: payouts.providerReference,
    })
    .from(vendorLedger)
    .leftJoin(payouts, payoutOfEntry)
    .where(and(eq(vendorLedger.vendorId, vendorId), eq(vendorLedger.currency, currency)))
    .orderBy(vendorLedger.createdAt, WRITTEN);
  let balance = 0;
  const lines = rows.map((r) => {
    balance += r.amount;
    return [
      r.createdAt,
      r.kind,
      decimalText({ amount: r.amount, currency }),
      currency,
      decimalText({ amount: balance, currency }),
      textCell(r.orderId),
      textCell(r.vendorOrderId),
      textCell(r.payoutId),
      textCell(r.reference),
      textCell(r.note),
    ].join(",");
  });
  return `${[CSV_HEADER.join(","), ...lines].join("\r\n")}\r\n`;
}
