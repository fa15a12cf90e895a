import { desc, eq } from "drizzle-orm";
import { getDb } from "../../db/client";
import { auditStatement } from "../../lib/audit";
import { runBatch } from "../../lib/d1-batch";
import { AppError, type FieldError } from "../../lib/errors";
import { newId } from "../../lib/ids";
import { actorColumn, type OrderAccess, type OrderRow, timelineStatement, touchOrder } from "../../orders";
import type { CreateReturnBody, OrderReturns, ReturnableLine, ReturnTrackingBody, ReturnView } from "../schema";
import { returns } from "../tables";
import {
  assertReturnPath,
  type ChangeContext,
  conflict,
  getReturnRow,
  itemsText,
  linesOfReturns,
  moveStatements,
  type ReturnLineRow,
  returnView,
  sendReturnEmail,
  shopperAuditActor,
} from "./shared";
import { RETURN_PHOTO_LIMIT, returnPhotoStatement, storeReturnPhotos } from "./photos";
import { exchangePriceProblems, exchangeVariants } from "./exchange";
import { returnSettings } from "./settings";
import { carrierKey } from "./tracking";

const DAY_MS = 86_400_000;
/** Orders nothing can be returned from (never paid, cancelled, refunded in full). */
const CLOSED_ORDER = new Set(["pending_payment", "cancelled", "refunded"]);

/**
 * Each line of an order with how many units may still be returned: units in delivered parcels, within
 * the window counted from the latest delivery of that line, not of a non-returnable product or
 * category, less units already in a return that was not declined. `now` is for tests of the window.
 */
export async function returnableLines(env: Env, order: OrderRow, now = Date.now()): Promise<ReturnableLine[]> {
  const settings = await returnSettings(env);
  const rows = await env.DB.prepare(
    `select ol.id, ol.sku, ol.name, ol.variant_title as variantTitle, ol.product_id as productId, ol.quantity, ol.unit_price as unitPrice,
       coalesce((select sum(sl.quantity) from shipment_lines sl join shipments s on s.id = sl.shipment_id
                 where sl.order_line_id = ol.id and s.status = 'delivered'), 0) as delivered,
       (select max(s.delivered_at) from shipment_lines sl join shipments s on s.id = sl.shipment_id
         where sl.order_line_id = ol.id and s.status = 'delivered') as deliveredAt,
       coalesce((select sum(rl.quantity) from return_lines rl join returns r on r.id = rl.return_id
                 where rl.order_line_id = ol.id and r.status <> 'rejected'), 0) as requested,
       p.category_path as categoryPath
     from order_lines ol left join products p on p.id = ol.product_id
     where ol.order_id = ? order by ol.name, ol.id`,
  )
    .bind(order.id)
    .all<{
      id: string;
      sku: string;
      name: string;
      variantTitle: string;
      productId: string | null;
      quantity: number;
      unitPrice: number;
      delivered: number;
      deliveredAt: string | null;
      requested: number;
      categoryPath: string | null;
    }>();
  const productIds = [...new Set(rows.results.map((r) => r.productId).filter((p): p is string => !!p))];
  const variants = productIds.length
    ? (
        await env.DB.prepare(
          `select product_id as productId, sku, title, price from product_variants where product_id in (${productIds.map(() => "?").join(",")}) order by position`,
        )
          .bind(...productIds)
          .all<{ productId: string; sku: string; title: string; price: number }>()
      ).results
    : [];
  return rows.results.map((r) => {
    const returnBy = r.deliveredAt ? new Date(Date.parse(r.deliveredAt) + settings.windowDays * DAY_MS).toISOString() : null;
    const excluded =
      (r.productId && settings.nonReturnableProductIds.includes(r.productId)) ||
      settings.nonReturnableCategoryIds.some((c) => r.categoryPath?.includes(`/${c}/`));
    let reason: string | null = null;
    if (CLOSED_ORDER.has(order.status)) reason = "This order cannot be returned.";
    else if (excluded) reason = "This item cannot be returned.";
    else if (r.delivered === 0) reason = "Not delivered yet.";
    else if (returnBy && Date.parse(returnBy) < now) reason = `The ${settings.windowDays}-day return window has closed.`;
    else if (r.requested >= r.delivered) reason = "Already in a return.";
    return {
      orderLineId: r.id,
      sku: r.sku,
      name: r.name,
      variantTitle: r.variantTitle,
      productId: r.productId,
      bought: r.quantity,
      delivered: r.delivered,
      returnable: reason ? 0 : r.delivered - r.requested,
      reason,
      returnBy,
      unitPrice: { amount: r.unitPrice, currency: order.currency },
      // The same variant is an option too: a faulty item swapped for a new one.
      exchangeOptions: variants
        .filter((v) => v.productId === r.productId)
        .map((v) => ({ sku: v.sku, title: v.title, price: { amount: v.price, currency: order.currency } })),
    };
  });
}

/** An order's returnable lines, the reasons to pick from and its returns, for the order page and `GET /api/orders/:id/returns`. */
export async function orderReturns(env: Env, order: OrderRow): Promise<OrderReturns> {
  const [settings, lines, rows] = await Promise.all([
    returnSettings(env),
    returnableLines(env, order),
    getDb(env.DB).select().from(returns).where(eq(returns.orderId, order.id)).orderBy(desc(returns.createdAt)),
  ]);
  const allLines = await linesOfReturns(
    env,
    rows.map((r) => r.id),
  );
  return {
    orderId: order.id,
    reasons: settings.reasons,
    windowDays: settings.windowDays,
    lines,
    returns: await Promise.all(rows.map((r) => returnView(env, r, allLines))),
  };
}

/**
 * A shopper asks to return delivered items. Each line is checked against the rules (delivered, in
 * the window, returnable product, a listed reason, an exchange variant of the same product) and
 * refused with the field named. The return, its lines and a timeline row commit in one batch in which
 * every line re-checks, inside the write, that the units asked for plus those already in returns do
 * not pass what was delivered, so two requests at once cannot return the same unit twice.
 */
export async function requestReturn(
  env: Env,
  access: Pick<OrderAccess, "order" | "actor">,
  body: CreateReturnBody,
  origin: string,
  extra: { photos?: ArrayBuffer[]; requestId?: string | null } = {},
): Promise<ReturnView> {
  const { order, actor } = access;
  const files = extra.photos ?? [];
  if (files.length > RETURN_PHOTO_LIMIT)
    throw new AppError("returns.photo_limit", 400, `A return may have at most ${RETURN_PHOTO_LIMIT} photos.`, [
      { path: "photos", message: `At most ${RETURN_PHOTO_LIMIT} photos` },
    ]);
  const [settings, lines] = await Promise.all([returnSettings(env), returnableLines(env, order)]);
  const problems: FieldError[] = [];
  type Code = "returns.window_closed" | "returns.not_returnable" | "returns.invalid_lines";
  let code = "returns.invalid_lines" as Code;
  for (const [i, want] of body.lines.entries()) {
    const line = lines.find((l) => l.orderLineId === want.orderLineId);
    if (!line) {
      problems.push({ path: `lines.${i}.orderLineId`, message: "Not an item of this order" });
      continue;
    }
    if (line.returnable === 0) {
      if (line.reason?.includes("window")) code = "returns.window_closed";
      else if (line.reason?.includes("cannot be returned") && code !== "returns.window_closed") code = "returns.not_returnable";
      problems.push({ path: `lines.${i}.orderLineId`, message: line.reason ?? "Cannot be returned" });
      continue;
    }
    if (want.quantity > line.returnable) problems.push({ path: `lines.${i}.quantity`, message: `At most ${line.returnable}` });
    if (!settings.reasons.includes(want.reason)) problems.push({ path: `lines.${i}.reason`, message: `One of: ${settings.reasons.join(", ")}` });
    if (body.resolution === "exchange" && !line.exchangeOptions.some((o) => o.sku === want.exchangeSku))
      problems.push({ path: `lines.${i}.exchangeSku`, message: "Another variant of the same product" });
  }
  if (problems.length) {
    const status = code === "returns.invalid_lines" ? 400 : 409;
    const message =
      code === "returns.window_closed"
        ? `The ${settings.windowDays}-day return window has closed for some of these items.`
        : code === "returns.not_returnable"
          ? "Some of these items cannot be returned."
          : "Some items cannot be returned in these quantities.";
    throw new AppError(code, status, message, problems);
  }

  if (body.resolution === "exchange") {
    const wanted = body.lines.map((want, index) => ({
      index,
      exchangeSku: want.exchangeSku as string,
      unitPrice: lines.find((l) => l.orderLineId === want.orderLineId)?.unitPrice.amount ?? 0,
    }));
    const priceProblems = exchangePriceProblems(
      order,
      wanted,
      await exchangeVariants(
        env,
        wanted.map((w) => w.exchangeSku),
      ),
    );
    if (priceProblems.length)
      throw new AppError("returns.exchange_price_higher", 409, "An exchange can be for a variant of the same price or less.", priceProblems);
  }
  // Stored only once the request passed its rules; a refused photo stops the request before it is written.
  const photos = await storeReturnPhotos(env, files);
  const id = newId("ret");
  const number = `R-${id.slice(4, 12).toUpperCase()}`;
  const now = new Date().toISOString();
  const newLines: ReturnLineRow[] = body.lines.map((want) => {
    const line = lines.find((l) => l.orderLineId === want.orderLineId) as ReturnableLine;
    return {
      id: newId("rtl"),
      returnId: id,
      orderLineId: line.orderLineId,
      sku: line.sku,
      name: line.variantTitle && line.variantTitle !== "Default" ? `${line.name} (${line.variantTitle})` : line.name,
      quantity: want.quantity,
      reason: want.reason,
      note: want.note?.trim() || null,
      exchangeSku: body.resolution === "exchange" ? (want.exchangeSku ?? null) : null,
      inspection: null,
      inspectionNote: null,
      inspectedAt: null,
      refundAmount: 0,
    };
  });
  const row = {
    id,
    number,
    orderId: order.id,
    status: "requested" as const,
    resolution: body.resolution,
    currency: order.currency,
    customerNote: body.note?.trim() || null,
    restockingFeeBp: Math.round(settings.restockingFeePercent * 100),
    shippingPaidBy: settings.shippingPaidBy,
    requestedBy: actorColumn(actor),
    createdAt: now,
    updatedAt: now,
  };
  try {
    await runBatch(env.DB, [
      getDb(env.DB).insert(returns).values(row),
      ...newLines.map((l) => {
        const delivered = lines.find((x) => x.orderLineId === l.orderLineId)?.delivered ?? 0;
        return env.DB.prepare(
          `insert into return_lines (id, return_id, order_line_id, sku, name, quantity, reason, note, exchange_sku)
           select ?1, ?2, ?3, ?4, ?5,
             case when ?6 + coalesce((select sum(rl.quantity) from return_lines rl join returns r on r.id = rl.return_id
                                      where rl.order_line_id = ?3 and r.status <> 'rejected'), 0) <= ?7 then ?6 end,
             ?8, ?9, ?10`,
        ).bind(l.id, id, l.orderLineId, l.sku, l.name, l.quantity, delivered, l.reason, l.note, l.exchangeSku);
      }),
      ...photos.map((p) => returnPhotoStatement(env.DB, id, actor, p)),
      timelineStatement(env.DB, {
        orderId: order.id,
        status: order.status,
        actor,
        kind: "note",
        note: `Return ${number} requested (${body.resolution}): ${itemsText(newLines)}.`,
        at: now,
      }),
      auditStatement(env.DB, shopperAuditActor(actor, order.email, extra.requestId ?? null), {
        action: "return.requested",
        entityType: "return",
        entityId: id,
        after: { status: "requested", orderId: order.id, resolution: body.resolution, lines: newLines.length, photos: photos.length },
      }),
      touchOrder(env.DB, order.id, now),
    ]);
  } catch (err) {
    if (String(err).includes("NOT NULL") && String(err).includes("return_lines"))
      throw new AppError("returns.conflict", 409, "Some of these items were just put in another return. Reload and try again.");
    throw err;
  }
  const saved = {
    ...row,
    rejectReason: null,
    instructions: null,
    labelUrl: null,
    carrier: null,
    trackingNumber: null,
    refundAmount: 0,
    exchangeOrderLineId: null,
    receivedAt: null,
  };
  await sendReturnEmail(env, origin, order, saved, newLines, "requested");
  return returnView(env, saved, newLines);
}

/** One return, for a caller who may open its order (the order's access rule decides). */
export async function returnForOrder(env: Env, order: OrderRow, returnId: string): Promise<ReturnView> {
  const ret = await getReturnRow(env, returnId);
  if (ret.orderId !== order.id) throw new AppError("returns.not_found", 404, "No such return.");
  return returnView(env, ret, await linesOfReturns(env, [ret.id]));
}

/**
 * The shopper says the parcel is on its way, with the carrier and tracking number: the return
 * moves from approved to in transit, and the carrier's tracking webhook can then move it on.
 */
export async function addReturnTracking(env: Env, order: OrderRow, returnId: string, body: ReturnTrackingBody, ctx: ChangeContext): Promise<ReturnView> {
  const ret = await getReturnRow(env, returnId);
  if (ret.orderId !== order.id) throw new AppError("returns.not_found", 404, "No such return.");
  assertReturnPath(ret, "in_transit");
  if (ret.status !== "approved") throw conflict(ret);
  const lines = await linesOfReturns(env, [ret.id]);
  const carrier = carrierKey(body.carrier);
  const audit = ctx.audit ?? shopperAuditActor(ctx.actor, order.email);
  const [moved] = await runBatch(
    env.DB,
    moveStatements(env, ret, order, "in_transit", { ...ctx, audit }, `Return ${ret.number} sent back with ${body.carrier}, tracking ${body.trackingNumber}.`, {
      carrier,
      trackingNumber: body.trackingNumber,
    }),
  );
  if (!moved?.meta.changes) throw conflict(ret);
  const after = { ...ret, status: "in_transit" as const, carrier, trackingNumber: body.trackingNumber };
  await sendReturnEmail(env, ctx.origin, order, after, lines, "in_transit", { trackingNumber: body.trackingNumber });
  return returnView(env, after, lines);
}
