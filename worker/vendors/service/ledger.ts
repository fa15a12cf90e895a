import { and, desc, eq, sql } from "drizzle-orm";
import { getDb } from "../../db/client";
import { newId } from "../../lib/ids";
import { decimalText } from "../../lib/money";
import { type LedgerKind, vendorLedger } from "../tables";

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

/** A vendor's balance per currency: the sum of its entries (positive: the store owes it). */
export async function vendorBalance(env: Env, vendorId: string, currency: string): Promise<number> {
  const row = await getDb(env.DB)
    .select({ total: sql<number>`coalesce(sum(${vendorLedger.amount}), 0)` })
    .from(vendorLedger)
    .where(and(eq(vendorLedger.vendorId, vendorId), eq(vendorLedger.currency, currency)))
    .get();
  return row?.total ?? 0;
}

/** A page of the vendor's statement, newest first, with the balance after each entry. */
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
        // Running balance in (created_at, id) order: what the statement read at that entry.
        balance: sql<number>`(select sum(l.amount) from vendor_ledger l where l.vendor_id = "vendor_ledger"."vendor_id" and l.currency = "vendor_ledger"."currency" and (l.created_at < "vendor_ledger"."created_at" or (l.created_at = "vendor_ledger"."created_at" and l.id <= "vendor_ledger"."id")))`,
      })
      .from(vendorLedger)
      .where(where)
      .orderBy(desc(vendorLedger.createdAt), desc(vendorLedger.id))
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
    items: rows.map((r) => ({ ...r, amount: money(r.amount), balance: money(r.balance) })),
    total: count?.n ?? 0,
    page,
    perPage,
  };
}

const CSV_HEADER = ["date", "kind", "amount", "currency", "balance", "order_id", "vendor_order_id", "note"];

// A spreadsheet runs a cell that starts with = + - @ as a formula; text cells get a leading apostrophe.
const textCell = (value: string | null) => {
  const text = value ?? "";
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

/**
 * The vendor's whole statement as CSV, oldest first, amounts as decimals in the currency (a spreadsheet sums
 * them to the balance).
 */
export async function vendorStatementCsv(env: Env, vendorId: string, currency: string): Promise<string> {
  const rows = await getDb(env.DB)
    .select()
    .from(vendorLedger)
    .where(and(eq(vendorLedger.vendorId, vendorId), eq(vendorLedger.currency, currency)))
    .orderBy(vendorLedger.createdAt, vendorLedger.id);
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
      textCell(r.note),
    ].join(",");
  });
  return `${[CSV_HEADER.join(","), ...lines].join("\r\n")}\r\n`;
}
