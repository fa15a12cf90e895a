import { AppError } from "../../lib/errors";
import type { PayoutListQuery, PayoutPage, PayoutView } from "../schema";
import type { PayoutMethod, PayoutStatus } from "../tables";

// Payout rows as staff and sellers read them, and the statements that fail one. Sending (payout-transfers.ts),
// runs (payout-runs.ts), reversals (payout-reversals.ts), manual payouts (payout-manual.ts) and the balances
// they pay (payout-balances.ts) sit beside this file.

/** One payout as `SELECT_PAYOUT` reads it, with its items as JSON. */
export interface PayoutRow {
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

/** The number a seller knows each order by (an order id without one is left out). */
export function orderNumbersOf(env: Env, orderIds: string[]): Promise<Map<string, string>> {
  return orderNumbers(env, orderIds);
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

/** One payout row, or null. */
export async function payoutRow(env: Env, id: string): Promise<PayoutRow | null> {
  return env.DB.prepare(`${SELECT_PAYOUT} where p.id = ?`).bind(id).first<PayoutRow>();
}

/** One payout, or 404. `vendorId` limits it to that vendor's (another vendor's answers 404 too). */
export async function payoutById(env: Env, id: string, vendorId?: string): Promise<PayoutView> {
  const row = await payoutRow(env, id);
  if (!row || (vendorId && row.vendorId !== vendorId)) throw new AppError("vendors.payout_not_found", 404, "No such payout.");
  const [view] = await toViews(env, [row]);
  return view as PayoutView;
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

/**
 * Fails a pending payout and credits back each of its `transfer` entries, once (each reversal's key is its
 * entry's), with the same vendor order: the vendor orders it covered are unpaid again and the next run pays them.
 */
export function failStatements(env: Env, row: Pick<PayoutRow, "id">, reason: string, at: string) {
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
