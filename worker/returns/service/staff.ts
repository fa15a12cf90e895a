import { and, desc, eq, isNull, sql } from "drizzle-orm";
import { catalogChanged } from "../../catalog";
import { getDb } from "../../db/client";
import { changesOf, runBatch } from "../../lib/d1-batch";
import { AppError } from "../../lib/errors";
import { formatMoney } from "../../lib/money";
import { type OrderRow, refundOrder, timelineStatement } from "../../orders";
import type { AdminReturnPage, AdminReturnQuery, AdminReturnView, ApproveReturnBody, InspectLineBody, RefundReturnBody, ReturnView } from "../schema";
import { returnLines, returns } from "../tables";
import {
  assertReturnPath,
  type ChangeContext,
  conflict,
  guardedAuditStatement,
  itemsText,
  linesOfReturns,
  moveStatements,
  RETURN_NEXT,
  type ReturnRow,
  refundQuote,
  requireAllInspected,
  returnView,
  returnWithOrder,
  sendReturnEmail,
} from "./shared";
import { releaseExchange, reserveExchange, settleLostApproval } from "./exchange";
import { carrierKey } from "./tracking";

const ledger = (env: Env, sku: string) => env.INVENTORY_LEDGER.getByName(sku);

/** Returns for staff, newest first, by status or by order number, return number or email. */
export async function listReturnsForAdmin(env: Env, q: AdminReturnQuery): Promise<AdminReturnPage> {
  const where: string[] = [];
  const args: unknown[] = [];
  if (q.status) {
    where.push("r.status = ?");
    args.push(q.status);
  }
  if (q.q) {
    where.push("(lower(r.number) like ? or lower(o.number) like ? or lower(o.email) like ?)");
    const like = `%${q.q.toLowerCase().replace(/[%_]/g, "")}%`;
    args.push(like, like, like);
  }
  const clause = where.length ? `where ${where.join(" and ")}` : "";
  const total = await env.DB.prepare(`select count(*) as n from returns r join orders o on o.id = r.order_id ${clause}`)
    .bind(...args)
    .first<{ n: number }>();
  const rows = await env.DB.prepare(
    `select r.id, r.number, r.order_id as orderId, o.number as orderNumber, o.email, r.status, r.resolution, r.created_at as createdAt,
       (select coalesce(sum(quantity), 0) from return_lines where return_id = r.id) as units
     from returns r join orders o on o.id = r.order_id ${clause} order by r.created_at desc, r.id limit ? offset ?`,
  )
    .bind(...args, q.perPage, (q.page - 1) * q.perPage)
    .all<AdminReturnPage["items"][number]>();
  return { items: rows.results, total: total?.n ?? 0, page: q.page, perPage: q.perPage };
}

/** One return with its order's number and email and the statuses it may move to next. */
export async function adminReturnDetail(env: Env, id: string): Promise<AdminReturnView> {
  const { ret, lines, order } = await returnWithOrder(env, id);
  return { ...(await returnView(env, ret, lines)), orderNumber: order.number, email: order.email, next: [...RETURN_NEXT[ret.status]] };
}

/** The returns of one order, for the admin order page. */
export async function returnsOfOrder(env: Env, orderId: string): Promise<ReturnRow[]> {
  return getDb(env.DB).select().from(returns).where(eq(returns.orderId, orderId)).orderBy(desc(returns.createdAt));
}

async function step(
  env: Env,
  id: string,
  ctx: ChangeContext,
  to: ReturnRow["status"],
  note: (ret: ReturnRow) => string,
  set: Partial<ReturnRow> = {},
  audit = {},
) {
  const { ret, lines, order } = await returnWithOrder(env, id);
  assertReturnPath(ret, to);
  const [moved] = await runBatch(env.DB, moveStatements(env, ret, order, to, ctx, note(ret), set, audit));
  if (changesOf(moved) === 0) throw conflict(ret);
  return { ret: { ...ret, ...set, status: to }, lines, order };
}

/**
 * Staff accept a return and tell the shopper how to send it (instructions, and a label or a tracking
 * number when the store provides one). A tracking number given here lets the carrier's webhook move
 * the return without the shopper entering one.
 */
export async function approveReturn(env: Env, id: string, body: ApproveReturnBody, ctx: ChangeContext): Promise<ReturnView> {
  const set = {
    instructions: body.instructions,
    labelUrl: body.labelUrl ?? null,
    carrier: body.carrier ? carrierKey(body.carrier) : null,
    trackingNumber: body.trackingNumber ?? null,
  };
  // An exchange holds its replacement units before the return is approved, so an approval never promises
  // stock that is gone; of two exchanges for the last unit, the second approval answers 409 and stays requested.
  const before = await returnWithOrder(env, id);
  assertReturnPath(before.ret, "approved");
  if (before.ret.resolution === "exchange") await reserveExchange(env, before.lines);
  let approved: Awaited<ReturnType<typeof step>>;
  try {
    approved = await step(env, id, ctx, "approved", (r) => `Return ${r.number} approved.`, set, set);
  } catch (err) {
    if (before.ret.resolution === "exchange") await settleLostApproval(env, id, before.lines);
    throw err;
  }
  const { ret, lines, order } = approved;
  await sendReturnEmail(env, ctx.origin, order, ret, lines, "approved", {
    message: body.instructions,
    labelUrl: set.labelUrl,
    trackingNumber: set.trackingNumber,
  });
  return returnView(env, ret, lines);
}

/** Staff decline a return with the reason the shopper reads; its units may be asked back again. */
export async function rejectReturn(env: Env, id: string, reason: string, ctx: ChangeContext): Promise<ReturnView> {
  const { ret, lines, order } = await step(env, id, ctx, "rejected", (r) => `Return ${r.number} declined: ${reason}`, { rejectReason: reason }, { reason });
  await sendReturnEmail(env, ctx.origin, order, ret, lines, "rejected", { message: reason });
  return returnView(env, ret, lines);
}

/** Staff mark the parcel received (from approved it passes through in transit, as the table says). */
export async function markReturnReceived(env: Env, id: string, ctx: ChangeContext, note?: string | null): Promise<ReturnView> {
  const { ret, lines, order } = await step(
    env,
    id,
    ctx,
    "received",
    (r) => `Return ${r.number} received${note ? `: ${note}` : "."}`,
    { receivedAt: new Date().toISOString() },
    { note: note ?? null },
  );
  await sendReturnEmail(env, ctx.origin, order, ret, lines, "received");
  return returnView(env, ret, lines);
}

/**
 * Staff inspect one received line: `restocked` puts its units back on the shelf through the SKU's
 * stock ledger, `damaged` writes them off (a zero movement on the ledger carrying the reason, since
 * the units left stock when they were sold). The decision is claimed once per line in D1 (a second,
 * different decision is 409); the ledger call is idempotent by `return:<line id>:<outcome>`, so a
 * retried or duplicated request moves stock exactly once.
 */
export async function inspectReturnLine(env: Env, id: string, lineId: string, body: InspectLineBody, ctx: ChangeContext): Promise<ReturnView> {
  const { ret, lines, order } = await returnWithOrder(env, id);
  const index = lines.findIndex((l) => l.id === lineId);
  const line = lines[index];
  if (!line) throw new AppError("returns.not_found", 404, "No such item in this return.");
  if (ret.status !== "received") throw new AppError("returns.invalid_transition", 409, `Return ${ret.number} must be received before its items are inspected.`);
  const note = body.note?.trim() || null;
  if (line.inspection && line.inspection !== body.outcome)
    throw new AppError("returns.already_inspected", 409, `${line.name} was already ${line.inspection}.`, [
      { path: "outcome", message: `Already ${line.inspection}` },
    ]);
  if (!line.inspection) {
    const now = new Date().toISOString();
    const text = body.outcome === "restocked" ? `${line.quantity} × ${line.name} restocked` : `${line.quantity} × ${line.name} written off as damaged: ${note}`;
    await runBatch(env.DB, [
      getDb(env.DB)
        .update(returnLines)
        .set({ inspection: body.outcome, inspectionNote: note, inspectedAt: now })
        .where(
          and(eq(returnLines.id, line.id), isNull(returnLines.inspection), sql`exists (select 1 from returns where id = ${ret.id} and status = 'received')`),
        ),
      ...(ctx.audit
        ? [
            guardedAuditStatement(env.DB, ctx.audit, {
              action: `return.inspect`,
              entityType: "return",
              entityId: ret.id,
              after: { lineId: line.id, sku: line.sku, quantity: line.quantity, outcome: body.outcome, note },
            }),
          ]
        : []),
      timelineStatement(
        env.DB,
        {
          id: `oev_${line.id}_inspect`,
          orderId: order.id,
          status: order.status,
          actor: ctx.actor,
          kind: "note",
          internal: true,
          note: `Return ${ret.number}: ${text}.`,
          at: now,
        },
        true,
      ),
    ]);
  }
  // Whoever claimed the line (this request or an earlier one that failed before reaching the ledger), the
  // ledger applies each line's movement once by its id.
  const reason =
    body.outcome === "restocked" ? `return ${ret.number} restocked` : `return ${ret.number} written off: ${note ?? line.inspectionNote ?? "damaged"}`;
  const moved = await ledger(env, line.sku).adjust(line.sku, `return:${line.id}:${body.outcome}`, body.outcome === "restocked" ? line.quantity : 0, reason);
  if (!moved.ok) throw new AppError("inventory.adjust_refused", 409, "The stock ledger refused this change.");
  if (body.outcome === "restocked") await catalogChanged(env.DB);
  const after = lines.map((l) => (l.id === line.id ? { ...l, inspection: body.outcome, inspectionNote: l.inspectionNote ?? note } : l));
  await sendInspectionEmail(env, ctx.origin, order, ret);
  return returnView(env, ret, after);
}

/**
 * Once every line of a return is inspected, tells the shopper what became of each item and what happens
 * next. Lines are read again after the write, so of two staff inspecting the last two lines at once at
 * least one sees them all done; the email's id (`return-inspected:<id>`) makes that one email.
 */
async function sendInspectionEmail(env: Env, origin: string, order: OrderRow, ret: ReturnRow): Promise<void> {
  const fresh = await linesOfReturns(env, [ret.id]);
  if (!fresh.length || fresh.some((l) => !l.inspection)) return;
  const damaged = fresh.some((l) => l.inspection === "damaged");
  let next: string;
  if (ret.resolution === "exchange") next = "Next, we send your replacement as a new order at no charge and email you when it ships.";
  else {
    const { max } = await refundQuote(env, ret, fresh);
    next =
      max > 0
        ? `Next, we refund up to ${formatMoney({ amount: max, currency: ret.currency })} to your original payment method and email you when it is on its way.`
        : "Next, we close the return; there is nothing left to refund for these items.";
  }
  const message = damaged ? `Items we wrote off arrived damaged and cannot be sold again; the note says why. ${next}` : next;
  await sendReturnEmail(env, origin, order, ret, fresh, "inspected", {
    message,
    detail: (l) => (l.inspection === "restocked" ? "Restocked" : `Written off: ${l.inspectionNote ?? "damaged"}`),
  });
}

/**
 * Refunds a received, inspected return through the provider that took the order's payment. The
 * amount is at most what was paid for the returned units (prorated over the order's discounts, after
 * what other refunded returns of the same lines took) less the restocking fee. The return is claimed
 * first (received → refunded, guarded by the status read), so of two refunds at once only one reaches
 * the provider; orders' refund then claims the amount on the payment, calls the provider with an
 * idempotency key, records the order's timeline, audit and one refund email. A provider failure
 * gives the return back to received.
 */
export async function refundReturn(env: Env, id: string, body: RefundReturnBody, ctx: ChangeContext): Promise<ReturnView> {
  const { ret, lines, order } = await returnWithOrder(env, id);
  assertReturnPath(ret, "refunded");
  requireAllInspected(ret, lines);
  const quote = await refundQuote(env, ret, lines);
  const amount = body.amount ?? quote.max;
  if (amount <= 0 || amount > quote.max)
    throw new AppError(
      "returns.refund_too_large",
      400,
      `At most ${formatMoney({ amount: quote.max, currency: ret.currency })} can be refunded for this return${quote.fee ? ` (after a restocking fee of ${formatMoney({ amount: quote.fee, currency: ret.currency })})` : ""}.`,
      [{ path: "amount", message: `Between 1 and ${quote.max}` }],
    );
  const now = new Date().toISOString();
  const db = getDb(env.DB);
  const [claimed] = await runBatch(env.DB, [
    db
      .update(returns)
      .set({ status: "refunded", refundAmount: amount, updatedAt: now })
      .where(and(eq(returns.id, ret.id), eq(returns.status, "received"))),
    ...(ctx.audit
      ? [
          guardedAuditStatement(env.DB, ctx.audit, {
            action: "return.refunded",
            entityType: "return",
            entityId: ret.id,
            before: { status: ret.status },
            after: { status: "refunded", orderId: order.id, amount, fee: quote.fee, max: quote.max },
          }),
        ]
      : []),
  ]);
  if (changesOf(claimed) === 0) throw conflict(ret);
  try {
    // Charged to the sellers of the returned lines only, by what was paid for the returned units.
    const refunded = lines.map((l) => ({ orderLineId: l.orderLineId, weight: quote.perLine.get(l.id) ?? 0 }));
    await refundOrder(env, order.id, amount, `Return ${ret.number} (${itemsText(lines)})`, ctx, refunded);
  } catch (err) {
    await runBatch(env.DB, [
      db
        .update(returns)
        .set({ status: "received", refundAmount: 0, updatedAt: new Date().toISOString() })
        .where(and(eq(returns.id, ret.id), eq(returns.status, "refunded"))),
    ]);
    throw err;
  }
  // Each line's share of what was sent, the fee taken from the lines in order.
  let feeLeft = quote.gross - amount;
  const perLine = lines.map((l) => {
    const share = quote.perLine.get(l.id) ?? 0;
    const take = Math.min(share, feeLeft);
    feeLeft -= take;
    return { ...l, refundAmount: share - take };
  });
  await runBatch(
    env.DB,
    perLine.map((l) => db.update(returnLines).set({ refundAmount: l.refundAmount }).where(eq(returnLines.id, l.id))),
  );
  // An exchange refunded instead (the replacement could not be sent) gives its held units back.
  if (ret.resolution === "exchange") await releaseExchange(env, lines, `return ${ret.number} refunded instead`);
  return returnView(env, { ...ret, status: "refunded", refundAmount: amount, updatedAt: now }, perLine);
}

/** Staff close a received, inspected return without a refund or exchange (say, everything was written off as the shopper's damage). */
export async function closeReturn(env: Env, id: string, note: string | null, ctx: ChangeContext): Promise<ReturnView> {
  const { ret: before, lines: inspected } = await returnWithOrder(env, id);
  assertReturnPath(before, "closed");
  requireAllInspected(before, inspected);
  const { ret, lines, order } = await step(env, id, ctx, "closed", (r) => `Return ${r.number} closed${note ? `: ${note}` : "."}`, {}, { note });
  if (ret.resolution === "exchange") await releaseExchange(env, lines, `return ${ret.number} closed`);
  await sendReturnEmail(env, ctx.origin, order, ret, lines, "closed", { message: note });
  return returnView(env, ret, lines);
}
