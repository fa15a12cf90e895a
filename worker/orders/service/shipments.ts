import { and, eq, sql } from "drizzle-orm";
import { auditStatement } from "../../lib/audit";
import { getDb } from "../../db/client";
import { AppError } from "../../lib/errors";
import { newId } from "../../lib/ids";
import { changesOf, runBatch } from "../../lib/d1-batch";
import { carrierName, carrierSlug, trackingUrlFor } from "../carriers";
import { SHIPMENT_TEXT } from "../labels";
import { actorColumn, actors } from "../actor";
import { type OrderStatus, type ShipmentStatus, shipments } from "../tables";
import { vendorParcelDeliveredStatement } from "../vendor-order-sync";
import { sellerNames, sendOrderEmail } from "./emails";
import { assertTransition, type ChangeContext, getOrder, type OrderRow, remainingByLine, timelineStatement, transitionStatements } from "./orders";

const SHIPPABLE: OrderStatus[] = ["paid", "fulfilling", "partially_refunded"];

export interface NewShipment {
  carrier: string;
  trackingNumber: string;
  trackingUrl?: string | null;
  /** Lines and quantities in this parcel; omitted: everything not shipped yet. */
  lines?: { orderLineId: string; quantity: number }[];
  /** A seller's parcel: the vendor order it ships moves to `shipped` in the same batch. */
  vendorOrderId?: string;
}

/**
 * Records a parcel of an order. The order becomes `fulfilling` while some
 * items are still to ship and `shipped` once every unit of every line is in a
 * shipment. The batch re-checks the remaining quantity inside the write (a
 * NOT NULL violation aborts it), so two staff shipping at once never ship
 * more than was bought. The shopper gets one "shipped" email per parcel.
 */
export async function createShipment(env: Env, orderId: string, input: NewShipment, ctx: ChangeContext) {
  const order = await getOrder(env, orderId);
  if (!SHIPPABLE.includes(order.status))
    throw new AppError("orders.invalid_transition", 409, `An order that is ${order.status.replace("_", " ")} cannot ship.`);
  const lines = await remainingByLine(env.DB, order.id);
  const wanted = input.lines?.length ? input.lines : lines.filter((l) => l.remaining > 0).map((l) => ({ orderLineId: l.id, quantity: l.remaining }));
  const problems = wanted.flatMap((w, i) => {
    const line = lines.find((l) => l.id === w.orderLineId);
    if (!line) return [{ path: `lines.${i}.orderLineId`, message: "Not a line of this order" }];
    if (w.quantity > line.remaining) return [{ path: `lines.${i}.quantity`, message: `At most ${line.remaining} left to ship` }];
    return [];
  });
  if (problems.length) throw new AppError("orders.invalid_shipment", 400, "Some lines cannot ship in these quantities.", problems);
  if (!wanted.length) throw new AppError("orders.nothing_to_ship", 409, `Every item of order ${order.number} has already shipped.`);

  const carrier = carrierSlug(input.carrier);
  const trackingNumber = input.trackingNumber.trim();
  const trackingUrl = input.trackingUrl || trackingUrlFor(carrier, trackingNumber);
  const shipmentId = newId("shp");
  const now = new Date().toISOString();
  const shippedUnits = wanted.reduce((s, w) => s + w.quantity, 0);
  const complete = lines.every((l) => l.remaining - (wanted.find((w) => w.orderLineId === l.id)?.quantity ?? 0) === 0);

  // paid → fulfilling → (parcel) → shipped: each its own timeline row, in that order.
  const t = Date.now();
  const at = (ms: number) => new Date(t + ms).toISOString();
  let status = order.status;
  const before = [];
  const after = [];
  if (status === "paid" || (status === "partially_refunded" && !complete)) {
    before.push(...transitionStatements(env.DB, order.id, status, "fulfilling", ctx.actor, null, at(0)));
    status = "fulfilling";
  }
  if (complete) {
    assertTransition(status, "shipped");
    after.push(...transitionStatements(env.DB, order.id, status, "shipped", ctx.actor, "Every item has shipped", at(2)));
  }
  const parcelStatus = status;
  if (complete) status = "shipped";
  const items = wanted.map((w) => ({ name: lines.find((l) => l.id === w.orderLineId)?.name ?? "", quantity: w.quantity }));
  try {
    await runBatch(env.DB, [
      // Only while the order is still in the status read above (a NULL order_id aborts the batch): a
      // cancellation or refund that committed meanwhile must not end up with a parcel and a "shipped" email.
      env.DB.prepare(
        `insert into shipments (id, order_id, carrier, tracking_number, tracking_url, shipped_at, created_by)
         values (?1, (select id from orders where id = ?2 and status = ?3), ?4, ?5, ?6, ?7, ?8)`,
      ).bind(shipmentId, order.id, order.status, carrier, trackingNumber, trackingUrl ?? null, now, actorColumn(ctx.actor)),
      ...wanted.map((w) =>
        env.DB.prepare(
          `insert into shipment_lines (shipment_id, order_line_id, quantity)
           select ?1, ?2, case when ?3 + coalesce((select sum(quantity) from shipment_lines where order_line_id = ?2), 0)
                                 <= (select quantity from order_lines where id = ?2 and order_id = ?4) then ?3 end`,
        ).bind(shipmentId, w.orderLineId, w.quantity, order.id),
      ),
      ...(input.vendorOrderId
        ? [
            env.DB.prepare(
              "update vendor_orders set status = 'shipped', shipment_id = ?1, shipped_at = ?2, updated_at = ?2 where id = ?3 and status = 'paid'",
            ).bind(shipmentId, now, input.vendorOrderId),
          ]
        : []),
      ...before,
      timelineStatement(env.DB, {
        orderId: order.id,
        status: parcelStatus,
        actor: ctx.actor,
        kind: "shipment",
        at: at(1),
        note: `${shippedUnits} item${shippedUnits === 1 ? "" : "s"} shipped with ${carrierName(carrier)}, tracking ${trackingNumber}`,
      }),
      ...after,
      ...(ctx.audit
        ? [
            auditStatement(env.DB, ctx.audit, {
              action: "order.ship",
              entityType: "order",
              entityId: order.id,
              before: { status: order.status },
              after: { status, shipmentId, carrier, trackingNumber, lines: wanted },
            }),
          ]
        : []),
    ]);
  } catch (err) {
    const text = String(err);
    if (text.includes("UNIQUE") && text.includes("shipments"))
      throw new AppError("orders.duplicate_tracking", 409, `${carrierName(carrier)} tracking number ${trackingNumber} is already on a shipment.`, [
        { path: "trackingNumber", message: "Already used" },
      ]);
    if (text.includes("NOT NULL") && text.includes("shipments.order_id"))
      throw new AppError("orders.conflict", 409, `Order ${order.number} changed while this was being done. Reload and try again.`);
    if (text.includes("NOT NULL") && text.includes("shipment_lines"))
      throw new AppError("orders.conflict", 409, "Someone shipped some of these items meanwhile. Reload and try again.");
    throw err;
  }
  // A seller's parcel says who sent it: the shopper of a marketplace order gets one of these per seller.
  const vendorId = input.vendorOrderId
    ? (await env.DB.prepare("select vendor_id as v from vendor_orders where id = ?").bind(input.vendorOrderId).first<{ v: string }>())?.v
    : undefined;
  const seller = vendorId ? (await sellerNames(env, [vendorId])).get(vendorId) : undefined;
  await sendOrderEmail(env, ctx.origin, order, {
    template: "order_shipped",
    key: shipmentId,
    carrier: carrierName(carrier),
    trackingNumber,
    trackingUrl,
    items,
    ...(seller ? { seller } : {}),
  });
  return { shipmentId, orderId: order.id, status, carrier, trackingNumber, trackingUrl };
}

/** Where a carrier status sits on the way to the door; exceptions sit beside "in transit". */
const RANK: Record<ShipmentStatus, number> = { label_created: 0, in_transit: 1, exception: 1, out_for_delivery: 2, delivered: 3, returned: 3 };
const TERMINAL: ShipmentStatus[] = ["delivered", "returned"];

export interface TrackingUpdate {
  /** easypost, generic, ups… (the webhook the event came through): with `eventId`, the dedupe key. */
  source: string;
  eventId: string;
  trackingNumber: string;
  /** The carrier the update names, when it names one (EasyPost does). */
  carrier?: string | null;
  status: ShipmentStatus | null;
  occurredAt: string;
  description?: string | null;
  location?: string | null;
}

/**
 * Whether a newer carrier event may move a parcel: never once it is delivered
 * or returned, never from an event older than the newest applied one, and
 * never backwards (a late "in transit" after "out for delivery"); an exception
 * may interrupt any moving parcel and any later event may follow it.
 */
export function shouldApply(current: { status: ShipmentStatus; lastEventAt: string | null }, next: { status: ShipmentStatus; occurredAt: string }): boolean {
  if (TERMINAL.includes(current.status)) return false;
  if (current.lastEventAt && Date.parse(next.occurredAt) < Date.parse(current.lastEventAt)) return false;
  if (next.status === "exception" || current.status === "exception") return true;
  return RANK[next.status] >= RANK[current.status];
}

export type TrackingResult = {
  outcome: "duplicate" | "unknown_tracking_number" | "stale" | "applied" | "ignored";
  orderId?: string;
  orderStatus?: OrderStatus;
};

/**
 * A later domain's handler for tracking numbers that are not on any parcel (a return coming back):
 * answers what it did, or null when the number is not its either.
 */
export type UnmatchedTrackingHandler = (
  env: Env,
  update: TrackingUpdate,
  origin: string,
) => Promise<Exclude<TrackingResult["outcome"], "unknown_tracking_number"> | null>;
const unmatchedTrackingHandlers: UnmatchedTrackingHandler[] = [];

/** Lets a later domain (returns) receive carrier events for its own tracking numbers through the one carrier webhook. */
export function registerUnmatchedTracking(handler: UnmatchedTrackingHandler): void {
  if (!unmatchedTrackingHandlers.includes(handler)) unmatchedTrackingHandlers.push(handler);
}

/**
 * Applies one carrier tracking event, exactly once per `<source>:<event id>`:
 * the event row, the parcel's new status, its timeline row and (when the last
 * parcel arrives) the order's move to delivered commit in one batch, each
 * statement guarded by the one before, so a second delivery of the same event
 * inserts nothing and changes nothing. An event older than what the parcel
 * already shows is recorded with `applied = 0` and changes nothing.
 */
export async function applyTrackingEvent(env: Env, update: TrackingUpdate, origin: string): Promise<TrackingResult> {
  const db = getDb(env.DB);
  const id = `${update.source}:${update.eventId}`;
  const seen = await env.DB.prepare("select id from tracking_events where id = ?").bind(id).first();
  if (seen) return { outcome: "duplicate" };
  const candidates = await db.select().from(shipments).where(eq(shipments.trackingNumber, update.trackingNumber)).limit(5);
  const carrier = update.carrier ? carrierSlug(update.carrier) : update.source !== "generic" && update.source !== "easypost" ? update.source : null;
  const shipment = candidates.find((s) => !carrier || s.carrier === carrier) ?? (candidates.length === 1 ? candidates[0] : undefined);
  const record = (applied: boolean, shipmentId: string | null) =>
    env.DB.prepare(
      `insert into tracking_events (id, carrier, shipment_id, tracking_number, status, description, location, occurred_at, applied)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict(id) do nothing`,
    ).bind(
      id,
      update.source,
      shipmentId,
      update.trackingNumber,
      update.status ?? "label_created",
      update.description ?? null,
      update.location ?? null,
      update.occurredAt,
      applied ? 1 : 0,
    );
  if (!shipment) {
    for (const handler of unmatchedTrackingHandlers) {
      const outcome = await handler(env, update, origin);
      if (outcome) {
        await record(outcome === "applied", null).run();
        return { outcome };
      }
    }
    await record(false, null).run();
    return { outcome: "unknown_tracking_number" };
  }
  const order = await getOrder(env, shipment.orderId);
  if (!update.status || update.status === "label_created" || !shouldApply(shipment, { status: update.status, occurredAt: update.occurredAt })) {
    await record(false, shipment.id).run();
    return { outcome: update.status && update.status !== "label_created" ? "stale" : "ignored", orderId: order.id, orderStatus: order.status };
  }
  const status = update.status;
  const others = (await db.select().from(shipments).where(eq(shipments.orderId, order.id))).filter((s) => s.id !== shipment.id);
  const lines = await remainingByLine(env.DB, order.id);
  const lastOne =
    status === "delivered" &&
    others.every((s) => s.status === "delivered") &&
    lines.every((l) => l.remaining === 0) &&
    (order.status === "shipped" || order.status === "partially_refunded");
  const where = [update.description, update.location].filter(Boolean).join(" — ");
  const note = `${carrierName(shipment.carrier)} ${shipment.trackingNumber}: ${SHIPMENT_TEXT[status]}${where ? ` (${where})` : ""}`;
  const results = await runBatch(env.DB, [
    record(true, shipment.id),
    db
      .update(shipments)
      .set({ status, lastEventAt: update.occurredAt, ...(status === "delivered" ? { deliveredAt: update.occurredAt } : {}) })
      .where(
        and(
          eq(shipments.id, shipment.id),
          eq(shipments.status, shipment.status),
          sql`coalesce(${shipments.lastEventAt}, '') = ${shipment.lastEventAt ?? ""}`,
          sql`changes() = 1`,
        ),
      ),
    timelineStatement(env.DB, { orderId: order.id, status: order.status, actor: actors.carrier(shipment.carrier), kind: "tracking", note }, true),
    env.DB.prepare("update orders set updated_at = ? where id = ? and changes() = 1").bind(new Date().toISOString(), order.id),
    ...(lastOne ? transitionStatements(env.DB, order.id, order.status, "delivered", actors.carrier(shipment.carrier), "Every parcel has been delivered") : []),
    // Last, so the changes() guards above read their own predecessors.
    ...(status === "delivered" ? [vendorParcelDeliveredStatement(env.DB, shipment.id, update.occurredAt)] : []),
  ]);
  const changed = changesOf(results[1]) > 0;
  if (!changed) return { outcome: "duplicate", orderId: order.id, orderStatus: order.status };
  if (lastOne) {
    await sendOrderEmail(env, origin, order, { template: "order_delivered" });
    return { outcome: "applied", orderId: order.id, orderStatus: "delivered" };
  }
  return { outcome: "applied", orderId: order.id, orderStatus: order.status };
}

export type { OrderRow };
