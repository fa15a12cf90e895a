import { and, asc, desc, eq, inArray, sql } from "drizzle-orm";
import { products } from "../../catalog/tables";
import { getDb } from "../../db/client";
import { AppError } from "../../lib/errors";
import { decryptPii } from "../../lib/pii-crypto";
import { groupLinesBySeller, type ParcelGroup } from "../../shipping";
import { vendors } from "../../vendors/tables";
import type { TimelineActor } from "../actor";
import { orderLines, orders, type VendorOrderStatus, vendorOrders } from "../tables";
import { type OrderShipment, orderAddressContext, remainingByLine, shipmentsOf } from "./orders";
import { createShipment } from "./shipments";

/** The seller (null: the store's own) and category of each product, as the catalog has them now. */
export async function sellersOfProducts(env: Env, productIds: (string | null)[]): Promise<Map<string, { vendorId: string | null; categoryId: string | null }>> {
  const ids = [...new Set(productIds.filter((id): id is string => !!id))];
  if (!ids.length) return new Map();
  const rows = await getDb(env.DB)
    .select({ id: products.id, vendorId: products.vendorId, categoryId: products.categoryId })
    .from(products)
    .where(inArray(products.id, ids));
  return new Map(rows.map((r) => [r.id, { vendorId: r.vendorId, categoryId: r.categoryId }]));
}

/** Lines of one seller: `vendorId` null for the store's own products. */
export type SellerGroup<T> = ParcelGroup<T>;

/**
 * Splits lines by seller, by the same rule the shipping quote uses (the store's own group first, then vendors in
 * id order: stable for tests and retries), so the vendor orders checkout writes are the parcels it charged for.
 */
export function groupBySeller<T extends { productId: string | null }>(items: T[], sellers: Map<string, { vendorId: string | null }>): SellerGroup<T>[] {
  return groupLinesBySeller(items, new Map([...sellers].map(([productId, seller]) => [productId, seller.vendorId])));
}

export type NewVendorOrder = Omit<typeof vendorOrders.$inferInsert, "status" | "shipmentId" | "shippedAt" | "deliveredAt" | "createdAt" | "updatedAt">;

/** The statements that write an order's vendor orders, for the checkout's batch (with the order and its lines). */
export function vendorOrderStatements(d1: D1Database, rows: NewVendorOrder[]) {
  // One statement per vendor order: D1 binds at most 100 values per statement.
  return rows.map((r) =>
    getDb(d1)
      .insert(vendorOrders)
      .values({ ...r, status: "pending_payment" as const }),
  );
}

/** Where a vendor order ships: the name and postal address only, never the shopper's email, phone or billing. */
export interface VendorShipTo {
  fullName: string;
  company: string | null;
  line1: string;
  line2: string | null;
  city: string;
  region: string | null;
  postalCode: string | null;
  country: string;
}

function shipToOf(address: Record<string, string | null | undefined>): VendorShipTo {
  return {
    fullName: address.fullName ?? "",
    company: address.company ?? null,
    line1: address.line1 ?? "",
    line2: address.line2 ?? null,
    city: address.city ?? "",
    region: address.region ?? null,
    postalCode: address.postalCode ?? null,
    country: address.country ?? "",
  };
}

const VISIBLE: VendorOrderStatus[] = ["paid", "shipped", "delivered", "cancelled"];

/**
 * A vendor's own vendor orders, newest first. Orders still waiting for payment are not shown: nothing is to
 * ship until the shopper has paid.
 */
export async function listVendorOrders(env: Env, vendorId: string, query: { status?: VendorOrderStatus; page: number; perPage: number }) {
  const db = getDb(env.DB);
  const where = and(eq(vendorOrders.vendorId, vendorId), query.status ? eq(vendorOrders.status, query.status) : inArray(vendorOrders.status, VISIBLE));
  const [rows, [count]] = await db.batch([
    db
      .select({
        id: vendorOrders.id,
        number: orders.number,
        status: vendorOrders.status,
        currency: vendorOrders.currency,
        subtotal: vendorOrders.subtotal,
        discountTotal: vendorOrders.discountTotal,
        shippingTotal: vendorOrders.shippingTotal,
        createdAt: vendorOrders.createdAt,
        itemCount: sql<number>`(select coalesce(sum(ol.quantity), 0) from order_lines ol where ol.vendor_order_id = "vendor_orders"."id")`,
      })
      .from(vendorOrders)
      .innerJoin(orders, eq(orders.id, vendorOrders.orderId))
      .where(where)
      .orderBy(desc(vendorOrders.createdAt), desc(vendorOrders.id))
      .limit(query.perPage)
      .offset((query.page - 1) * query.perPage),
    db.select({ n: sql<number>`count(*)` }).from(vendorOrders).where(where),
  ]);
  const money = (amount: number, currency: string) => ({ amount, currency });
  return {
    items: rows.map((r) => ({
      id: r.id,
      orderNumber: r.number,
      status: r.status,
      createdAt: r.createdAt,
      itemCount: r.itemCount,
      goods: money(r.subtotal - r.discountTotal, r.currency),
      shipping: money(r.shippingTotal, r.currency),
    })),
    total: count?.n ?? 0,
    page: query.page,
    perPage: query.perPage,
  };
}

async function ownVendorOrder(env: Env, vendorId: string, vendorOrderId: string) {
  const row = await getDb(env.DB)
    .select()
    .from(vendorOrders)
    .where(and(eq(vendorOrders.id, vendorOrderId), eq(vendorOrders.vendorId, vendorId), inArray(vendorOrders.status, VISIBLE)))
    .get();
  // Another vendor's order reads exactly like a missing one.
  if (!row) throw new AppError("orders.not_found", 404, "No such order.");
  return row;
}

/**
 * The one parcel of a vendor order, as its vendor and staff read it (carrier, tracking, where it is), picked from
 * the order's shipments by the vendor order's `shipmentId`; null before it ships.
 */
export function parcelView(parcels: readonly OrderShipment[], shipmentId: string | null) {
  const parcel = shipmentId ? parcels.find((p) => p.id === shipmentId) : undefined;
  if (!parcel) return null;
  return {
    carrier: parcel.carrier,
    carrierName: parcel.carrierName,
    trackingNumber: parcel.trackingNumber,
    trackingUrl: parcel.trackingUrl,
    status: parcel.status,
    shippedAt: parcel.shippedAt,
    deliveredAt: parcel.deliveredAt,
  };
}

/**
 * One of the vendor's vendor orders: its lines, its parcel and where to ship it. 404 for another vendor's
 * (or an unpaid) order. The shopper's email, phone and billing details are never part of it.
 */
export async function vendorOrderDetail(env: Env, vendorId: string, vendorOrderId: string) {
  const vo = await ownVendorOrder(env, vendorId, vendorOrderId);
  const db = getDb(env.DB);
  const [order, lines] = await Promise.all([
    db
      .select({ number: orders.number, shippingAddressEnc: orders.shippingAddressEnc, shippingOption: orders.shippingOption })
      .from(orders)
      .where(eq(orders.id, vo.orderId))
      .get(),
    db.select().from(orderLines).where(eq(orderLines.vendorOrderId, vo.id)).orderBy(asc(orderLines.sku)),
  ]);
  if (!order) throw new AppError("orders.not_found", 404, "No such order.");
  const address = JSON.parse(await decryptPii(env.PII_KEYS, order.shippingAddressEnc, orderAddressContext(vo.orderId))) as Record<string, string | null>;
  const parcels = vo.shipmentId ? await shipmentsOf(env.DB, vo.orderId) : [];
  const money = (amount: number) => ({ amount, currency: vo.currency });
  return {
    id: vo.id,
    orderNumber: order.number,
    status: vo.status,
    createdAt: vo.createdAt,
    shippingOption: order.shippingOption,
    shipTo: shipToOf(address),
    lines: lines.map((l) => ({
      id: l.id,
      sku: l.sku,
      name: l.name,
      variantTitle: l.variantTitle,
      quantity: l.quantity,
      unitPrice: money(l.unitPrice),
      lineTotal: money(l.lineTotal),
      discount: money(l.discountTotal),
    })),
    goods: money(vo.subtotal - vo.discountTotal),
    shipping: money(vo.shippingTotal),
    shipment: parcelView(parcels, vo.shipmentId),
    shippedAt: vo.shippedAt,
    deliveredAt: vo.deliveredAt,
  };
}
export type VendorOrderDetail = Awaited<ReturnType<typeof vendorOrderDetail>>;

/**
 * The vendor ships its whole part of an order in one parcel with carrier and tracking. The parcel carries only
 * this vendor's lines; the shipment, the order's own move (fulfilling/shipped) and the vendor order's move to
 * `shipped` commit in one batch, so shipping twice at once ships once (the other gets 409).
 */
export async function shipVendorOrder(
  env: Env,
  vendorId: string,
  vendorOrderId: string,
  input: { carrier: string; trackingNumber: string; trackingUrl?: string | null },
  ctx: { actor: TimelineActor; origin: string },
) {
  const vo = await ownVendorOrder(env, vendorId, vendorOrderId);
  if (vo.status !== "paid") throw new AppError("orders.invalid_transition", 409, `This order is ${vo.status}; it cannot ship.`);
  const own = new Set((await getDb(env.DB).select({ id: orderLines.id }).from(orderLines).where(eq(orderLines.vendorOrderId, vo.id))).map((l) => l.id));
  const lines = (await remainingByLine(env.DB, vo.orderId)).filter((l) => own.has(l.id) && l.remaining > 0);
  if (!lines.length) throw new AppError("orders.nothing_to_ship", 409, "Every item of this order has already shipped.");
  await createShipment(
    env,
    vo.orderId,
    { ...input, lines: lines.map((l) => ({ orderLineId: l.id, quantity: l.remaining })), vendorOrderId: vo.id },
    { actor: ctx.actor, origin: ctx.origin },
  );
  return vendorOrderDetail(env, vendorId, vo.id);
}

/**
 * The shopper's view of a marketplace order: one group per seller (the store's own lines first) with its lines,
 * its status and its parcels. An order without vendor lines answers a single store group.
 */
export async function sellerGroupsOf(env: Env, orderId: string) {
  const db = getDb(env.DB);
  const [lines, vos, parcels] = await Promise.all([
    db.select().from(orderLines).where(eq(orderLines.orderId, orderId)).orderBy(asc(orderLines.sku)),
    db
      .select({ vo: vendorOrders, vendorName: vendors.name, vendorHandle: vendors.handle })
      .from(vendorOrders)
      .innerJoin(vendors, eq(vendors.id, vendorOrders.vendorId))
      .where(eq(vendorOrders.orderId, orderId))
      .orderBy(asc(vendorOrders.vendorId)),
    shipmentsOf(env.DB, orderId),
  ]);
  const parcelsOf = (lineIds: Set<string>) => parcels.filter((p) => p.lines.some((l) => lineIds.has(l.orderLineId)));
  const groups = [];
  const storeLines = lines.filter((l) => !l.vendorOrderId);
  if (storeLines.length) {
    groups.push({ seller: null, status: null, lines: storeLines, shipments: parcelsOf(new Set(storeLines.map((l) => l.id))) });
  }
  for (const { vo, vendorName, vendorHandle } of vos) {
    const own = lines.filter((l) => l.vendorOrderId === vo.id);
    groups.push({
      seller: { name: vendorName, handle: vendorHandle },
      status: vo.status,
      lines: own,
      shipments: parcelsOf(new Set(own.map((l) => l.id))),
    });
  }
  return groups;
}
export type SellerGroupView = Awaited<ReturnType<typeof sellerGroupsOf>>[number];

/**
 * A seller's sales for its overview: vendor orders the shopper paid for (not cancelled), all time and since
 * `since`, with what the seller earns on them before commission (goods and shipping, without tax). Refunds are
 * the ledger's business and show on the balance.
 */
export async function vendorSalesSummary(env: Env, vendorId: string, since: string) {
  const row = await env.DB.prepare(
    `select count(*) as orders, coalesce(sum(gross_total), 0) as gross,
            coalesce(sum(case when created_at >= ?2 then 1 else 0 end), 0) as recentOrders,
            coalesce(sum(case when created_at >= ?2 then gross_total else 0 end), 0) as recentGross,
            max(currency) as currency
       from vendor_orders where vendor_id = ?1 and status in ('paid', 'shipped', 'delivered')`,
  )
    .bind(vendorId, since)
    .first<{ orders: number; gross: number; recentOrders: number; recentGross: number; currency: string | null }>();
  const currency = row?.currency ?? env.BASE_CURRENCY;
  return {
    total: { orders: row?.orders ?? 0, sales: { amount: row?.gross ?? 0, currency } },
    recent: { since, orders: row?.recentOrders ?? 0, sales: { amount: row?.recentGross ?? 0, currency } },
  };
}
