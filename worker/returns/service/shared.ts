import { and, asc, eq, inArray } from "drizzle-orm";
import { getDb } from "../../db/client";
import type { AuditActor, AuditEntry } from "../../lib/audit";
import { AppError } from "../../lib/errors";
import { newId } from "../../lib/ids";
import { enqueueEmail } from "../../notifications";
import { actorColumn, type ChangeContext, getOrder, type OrderRow, orderPageUrl, type TimelineActor, timelineStatement } from "../../orders";
import { RETURN_STATUS_TEXT } from "../labels";
import type { ReturnView } from "../schema";
import { type ReturnStatus, returnLines, returnPhotos, returns } from "../tables";

export type ReturnRow = typeof returns.$inferSelect;
export type ReturnLineRow = typeof returnLines.$inferSelect;
export type { ChangeContext };

/**
 * The one transition table of a return: requested → approved | rejected; approved → in transit →
 * received → refunded | exchanged | closed. Anything else is refused (409).
 */
export const RETURN_NEXT: Record<ReturnStatus, readonly ReturnStatus[]> = {
  requested: ["approved", "rejected"],
  approved: ["in_transit"],
  in_transit: ["received"],
  received: ["refunded", "exchanged", "closed"],
  rejected: [],
  refunded: [],
  exchanged: [],
  closed: [],
};

export function canReturnTransition(from: ReturnStatus, to: ReturnStatus): boolean {
  return RETURN_NEXT[from].includes(to);
}

/** The one status a step may pass through on its way: a parcel nobody reported as sent is still carried back. */
const PASS_THROUGH: readonly ReturnStatus[] = ["in_transit"];

/**
 * The statuses a return passes through from `from` to `to` (both included), following the table; null
 * when `to` cannot be reached. Only "in transit" may be passed through, so marking received a parcel
 * nobody reported as sent (approved → in transit → received) follows the table, and nothing else skips it.
 */
export function returnPath(from: ReturnStatus, to: ReturnStatus): ReturnStatus[] | null {
  if (canReturnTransition(from, to)) return [from, to];
  for (const via of PASS_THROUGH) if (canReturnTransition(from, via) && canReturnTransition(via, to)) return [from, via, to];
  return null;
}

export function assertReturnPath(ret: Pick<ReturnRow, "number" | "status">, to: ReturnStatus): ReturnStatus[] {
  const path = returnPath(ret.status, to);
  if (!path)
    throw new AppError(
      "returns.invalid_transition",
      409,
      `Return ${ret.number} is ${RETURN_STATUS_TEXT[ret.status].toLowerCase()} and cannot become ${RETURN_STATUS_TEXT[to].toLowerCase()}.`,
    );
  return path;
}

export async function getReturnRow(env: Env, id: string): Promise<ReturnRow> {
  const row = await getDb(env.DB).select().from(returns).where(eq(returns.id, id)).get();
  if (!row) throw new AppError("returns.not_found", 404, "No such return.");
  return row;
}

export async function linesOfReturns(env: Env, ids: string[]): Promise<ReturnLineRow[]> {
  if (!ids.length) return [];
  return getDb(env.DB).select().from(returnLines).where(inArray(returnLines.returnId, ids)).orderBy(asc(returnLines.name), asc(returnLines.id));
}

export async function returnWithOrder(env: Env, id: string): Promise<{ ret: ReturnRow; lines: ReturnLineRow[]; order: OrderRow }> {
  const ret = await getReturnRow(env, id);
  const [lines, order] = await Promise.all([linesOfReturns(env, [ret.id]), getOrder(env, ret.orderId)]);
  return { ret, lines, order };
}

export interface RefundQuote {
  /** What was paid for the returned units (line total less the line's discount share, prorated per unit). */
  gross: number;
  fee: number;
  /** The most a refund of this return may send. */
  max: number;
  perLine: Map<string, number>;
}

/**
 * What a refund of this return may send back: for each line, its units' share of what was paid for
 * the order line (`line_total - discount_total`), prorated so that all the order line's units together
 * never add up to more than was paid, counted after the units other refunded returns already took;
 * then less the restocking fee fixed when the return was requested.
 */
export async function refundQuote(env: Env, ret: ReturnRow, lines: ReturnLineRow[]): Promise<RefundQuote> {
  const orderLines = await env.DB.prepare("select id, quantity, line_total as lineTotal, discount_total as discountTotal from order_lines where order_id = ?")
    .bind(ret.orderId)
    .all<{ id: string; quantity: number; lineTotal: number; discountTotal: number }>();
  const prior = await env.DB.prepare(
    `select rl.order_line_id as orderLineId, sum(rl.quantity) as units from return_lines rl join returns r on r.id = rl.return_id
     where r.order_id = ? and r.status = 'refunded' and r.id <> ? group by rl.order_line_id`,
  )
    .bind(ret.orderId, ret.id)
    .all<{ orderLineId: string; units: number }>();
  const perLine = new Map<string, number>();
  let gross = 0;
  for (const line of lines) {
    const ol = orderLines.results.find((o) => o.id === line.orderLineId);
    if (!ol || ol.quantity <= 0) continue;
    const paid = Math.max(0, ol.lineTotal - ol.discountTotal);
    const before = Math.min(ol.quantity, prior.results.find((p) => p.orderLineId === line.orderLineId)?.units ?? 0);
    const after = Math.min(ol.quantity, before + line.quantity);
    const share = Math.floor((paid * after) / ol.quantity) - Math.floor((paid * before) / ol.quantity);
    perLine.set(line.id, share);
    gross += share;
  }
  const fee = Math.round((gross * ret.restockingFeeBp) / 10_000);
  return { gross, fee, max: Math.max(0, gross - fee), perLine };
}

const allInspected = (lines: ReturnLineRow[]) => lines.length > 0 && lines.every((l) => l.inspection);

/** A return as its API answers it. */
export async function returnView(env: Env, ret: ReturnRow, lines: ReturnLineRow[]): Promise<ReturnView> {
  const money = (amount: number) => ({ amount, currency: ret.currency });
  const [refundable, photos] = await Promise.all([
    ret.status === "received" && allInspected(lines) ? refundQuote(env, ret, lines).then((q) => q.max) : 0,
    getDb(env.DB)
      .select({ id: returnPhotos.id, type: returnPhotos.contentType, bytes: returnPhotos.bytes, createdAt: returnPhotos.createdAt })
      .from(returnPhotos)
      .where(eq(returnPhotos.returnId, ret.id))
      .orderBy(asc(returnPhotos.createdAt), asc(returnPhotos.id)),
  ]);
  return {
    id: ret.id,
    number: ret.number,
    orderId: ret.orderId,
    status: ret.status,
    statusText: RETURN_STATUS_TEXT[ret.status],
    resolution: ret.resolution,
    note: ret.customerNote,
    rejectReason: ret.rejectReason,
    instructions: ret.instructions,
    labelUrl: ret.labelUrl,
    carrier: ret.carrier,
    trackingNumber: ret.trackingNumber,
    shippingPaidBy: ret.shippingPaidBy,
    restockingFeePercent: ret.restockingFeeBp / 100,
    refunded: money(ret.refundAmount),
    refundable: money(refundable),
    // Same rule as the exchange service's exchangeOrderId (kept here to avoid an import cycle).
    exchangeOrderId: ret.status === "exchanged" ? `ord_x${ret.id.replace(/^ret_/, "")}` : null,
    createdAt: ret.createdAt,
    updatedAt: ret.updatedAt,
    lines: lines
      .filter((l) => l.returnId === ret.id)
      .map((l) => ({
        id: l.id,
        orderLineId: l.orderLineId,
        sku: l.sku,
        name: l.name,
        quantity: l.quantity,
        reason: l.reason,
        note: l.note,
        exchangeSku: l.exchangeSku,
        inspection: l.inspection,
        inspectionNote: l.inspectionNote,
        refunded: money(l.refundAmount),
      })),
    photos,
  };
}

export function requireAllInspected(ret: ReturnRow, lines: ReturnLineRow[]) {
  const open = lines.findIndex((l) => !l.inspection);
  if (open >= 0)
    throw new AppError("returns.not_inspected", 409, `Inspect every item of return ${ret.number} first (restock it or write it off).`, [
      { path: `lines.${open}`, message: "Not inspected yet" },
    ]);
}

/**
 * The audit row of a staff step, written only when the statement just before it in the batch changed
 * a row (so a step that lost a race leaves no audit row), and it chains: the statement after it sees
 * `changes() = 1` only if it was written.
 */
export function guardedAuditStatement(d1: D1Database, actor: AuditActor, entry: AuditEntry) {
  const json = (v: unknown) => (v === undefined ? null : JSON.stringify(v));
  return d1
    .prepare(
      `insert into audit_log (id, actor_id, actor_email, action, entity_type, entity_id, before, after, request_id)
       select ?, ?, ?, ?, ?, ?, ?, ?, ? where changes() = 1`,
    )
    .bind(
      newId("aud"),
      actor.actorId,
      actor.actorEmail,
      entry.action,
      entry.entityType,
      entry.entityId,
      json(entry.before),
      json(entry.after),
      actor.requestId,
    );
}

/**
 * The guarded status change of a return, its audit row (staff steps), the order timeline row (shown
 * to the shopper) and a touch of the order so live order pages see it: each written only if the one
 * before it was, so a step that lost a race to another leaves nothing behind.
 */
export function moveStatements(
  env: Env,
  ret: ReturnRow,
  order: OrderRow,
  to: ReturnStatus,
  ctx: Pick<ChangeContext, "actor" | "audit">,
  note: string,
  set: Partial<ReturnRow> = {},
  audit: Record<string, unknown> = {},
) {
  const now = new Date().toISOString();
  return [
    getDb(env.DB)
      .update(returns)
      .set({ ...set, status: to, updatedAt: now })
      .where(and(eq(returns.id, ret.id), eq(returns.status, ret.status))),
    ...(ctx.audit
      ? [
          guardedAuditStatement(env.DB, ctx.audit, {
            action: `return.${to}`,
            entityType: "return",
            entityId: ret.id,
            before: { status: ret.status },
            after: { status: to, orderId: order.id, ...audit },
          }),
        ]
      : []),
    timelineStatement(env.DB, { orderId: order.id, status: order.status, actor: ctx.actor, kind: "note", note, at: now }, true),
    env.DB.prepare("update orders set updated_at = ? where id = ? and changes() = 1").bind(now, order.id),
  ];
}

/**
 * The audit actor of a shopper's own step on a return (asking, sending it back): the account, or
 * `guest` for a guest with the emailed link, and the order's email, so the audit log shows who did
 * every step and not only staff's.
 */
export function shopperAuditActor(actor: TimelineActor, email: string, requestId: string | null = null): AuditActor {
  return { actorId: actor.kind === "customer" ? actor.userId : actorColumn(actor), actorEmail: email, requestId };
}

/** The audit actor of a carrier's tracking event (no person, no request of ours to name). */
export function carrierAuditActor(carrier: string): AuditActor {
  return { actorId: `carrier:${carrier}`, actorEmail: "carrier", requestId: null };
}

export function conflict(ret: ReturnRow): AppError {
  return new AppError("returns.conflict", 409, `Return ${ret.number} changed while this was being done. Reload and try again.`);
}

export const itemsText = (lines: Pick<ReturnLineRow, "name" | "quantity">[]) => lines.map((l) => `${l.quantity} × ${l.name}`).join(", ");

/**
 * One email per return step, with an id derived from the return and the step (`return-approved:<id>`),
 * so a step reached twice (a duplicate webhook, a retried request) emails once.
 */
export async function sendReturnEmail(
  env: Env,
  origin: string,
  order: OrderRow,
  ret: ReturnRow,
  lines: ReturnLineRow[],
  step: "requested" | "approved" | "rejected" | "in_transit" | "received" | "inspected" | "closed" | "exchanged",
  extra: { message?: string | null; labelUrl?: string | null; trackingNumber?: string | null; detail?: (line: ReturnLineRow) => string } = {},
): Promise<void> {
  const base = (env.PUBLIC_ORIGIN || origin).replace(/\/+$/, "");
  await enqueueEmail(env.EMAIL_QUEUE, {
    id: `return-${step}:${ret.id}`,
    template: "return_update",
    to: order.email,
    data: {
      step,
      number: order.number,
      returnNumber: ret.number,
      items: lines.map((l) => ({ name: l.name, quantity: l.quantity, ...(extra.detail ? { detail: extra.detail(l) } : {}) })),
      url: await orderPageUrl(env, base, order),
      message: extra.message ?? null,
      labelUrl: extra.labelUrl ?? null,
      trackingNumber: extra.trackingNumber ?? null,
      policyUrl: `${base}/policies/returns`,
    },
  });
}
