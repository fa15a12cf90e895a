import { REVENUE_STATUSES } from "../../backoffice";
import { storeSettings } from "../../store";
import { dayBounds, daysBetween } from "../days";
import type { ProductFigures, ReportQuery, VendorAnalyticsReport, VendorFigures, VendorPeriodReport } from "../schema";
import { comparisonRange, type ReportRange, reportRange } from "./range";
import { ensureRollups } from "./rollups";
import { analyticsSettings } from "./settings";

const PAID = `o.status IN (${REVENUE_STATUSES.map((s) => `'${s}'`).join(", ")})`;
const TOP = 20;

/** One period as the queries need it. */
export interface VendorWindow {
  /** Store-local days, both included (the rollups' keys). */
  from: string;
  to: string;
  /** UTC bounds of those days (orders' `created_at`). */
  start: string;
  end: string;
  currency: string;
}

async function windowOf(env: Env, range: ReportRange, timeZone: string, now: Date): Promise<VendorWindow> {
  await ensureRollups(env, daysBetween(range.from, range.to), timeZone, now);
  const { baseCurrency: currency } = await storeSettings(env);
  return { from: range.from, to: range.to, start: dayBounds(range.from, timeZone).start, end: dayBounds(range.to, timeZone).end, currency };
}

/**
 * Sales, orders, units, product views and conversion per seller for one period. A line belongs to the
 * seller that checkout recorded on it (so a product that changed hands later still counts for the seller
 * who sold it); a view belongs to the product's seller now. Every seller with a sale or a view is listed,
 * best-selling first; with `vendorId`, that seller only (and always, with zeros when nothing happened).
 * The period's rollups must be current (the callers in this file make sure of it).
 */
async function figuresPerVendor(env: Env, w: VendorWindow, vendorId: string | null): Promise<VendorFigures[]> {
  const { results } = await env.DB.prepare(
    `WITH sold AS (
       SELECT l.vendor_id AS vendor_id, sum(l.line_total - l.discount_total) AS sales, sum(l.quantity) AS units, count(DISTINCT l.order_id) AS orders
       FROM order_lines l JOIN orders o ON o.id = l.order_id
       WHERE ${PAID} AND o.currency = ?1 AND o.created_at >= ?2 AND o.created_at < ?3 AND l.vendor_id IS NOT NULL
         AND (?6 IS NULL OR l.vendor_id = ?6)
       GROUP BY l.vendor_id),
     viewed AS (
       SELECT p.vendor_id AS vendor_id, sum(d.value) AS views FROM analytics_daily d JOIN products p ON p.id = d.dimension
       WHERE d.metric = 'product_views' AND d.day >= ?4 AND d.day <= ?5 AND p.vendor_id IS NOT NULL AND (?6 IS NULL OR p.vendor_id = ?6)
       GROUP BY p.vendor_id)
     SELECT v.id AS vendorId, v.name, v.handle, coalesce(s.sales, 0) AS sales, coalesce(s.orders, 0) AS orders, coalesce(s.units, 0) AS units,
       coalesce(w.views, 0) AS views
     FROM vendors v LEFT JOIN sold s ON s.vendor_id = v.id LEFT JOIN viewed w ON w.vendor_id = v.id
     WHERE (?6 IS NULL AND (s.vendor_id IS NOT NULL OR w.vendor_id IS NOT NULL)) OR v.id = ?6
     ORDER BY sales DESC, orders DESC, v.id`,
  )
    .bind(w.currency, w.start, w.end, w.from, w.to, vendorId)
    .all<{ vendorId: string; name: string; handle: string; sales: number; orders: number; units: number; views: number }>();
  return results.map((r) => ({
    vendorId: r.vendorId,
    name: r.name,
    handle: r.handle,
    sales: { amount: r.sales, currency: w.currency },
    orders: r.orders,
    units: r.units,
    views: r.views,
    conversion: r.views ? r.orders / r.views : null,
  }));
}

/**
 * Per-seller figures of `/admin/analytics` for one period (see `figuresPerVendor`): every seller with a sale
 * or a product view, best-selling first, sales in the base currency like the rest of the report. The caller
 * has brought the period's rollups up to date.
 */
export function vendorFiguresOf(env: Env, w: VendorWindow): Promise<VendorFigures[]> {
  return figuresPerVendor(env, w, null);
}

/** One seller's best products of a period by sales, then its most viewed products that sold nothing. */
async function vendorTopProducts(env: Env, w: VendorWindow, vendorId: string): Promise<ProductFigures[]> {
  const { results } = await env.DB.prepare(
    `WITH sold AS (
       SELECT l.product_id AS product_id, max(l.name) AS line_name, sum(l.line_total - l.discount_total) AS revenue, sum(l.quantity) AS units,
         count(DISTINCT l.order_id) AS orders
       FROM order_lines l JOIN orders o ON o.id = l.order_id
       WHERE ${PAID} AND o.currency = ?1 AND o.created_at >= ?2 AND o.created_at < ?3 AND l.vendor_id = ?6 AND l.product_id IS NOT NULL
       GROUP BY l.product_id),
     viewed AS (
       SELECT d.dimension AS product_id, sum(d.value) AS views FROM analytics_daily d JOIN products p ON p.id = d.dimension
       WHERE d.metric = 'product_views' AND d.day >= ?4 AND d.day <= ?5 AND p.vendor_id = ?6
       GROUP BY d.dimension),
     ids AS (SELECT product_id FROM sold UNION SELECT product_id FROM viewed)
     SELECT ids.product_id AS productId, coalesce(p.name, s.line_name, ids.product_id) AS name, coalesce(s.revenue, 0) AS revenue,
       coalesce(s.units, 0) AS units, coalesce(s.orders, 0) AS orders, coalesce(v.views, 0) AS views
     FROM ids LEFT JOIN sold s ON s.product_id = ids.product_id LEFT JOIN viewed v ON v.product_id = ids.product_id
       LEFT JOIN products p ON p.id = ids.product_id
     ORDER BY revenue DESC, views DESC, ids.product_id LIMIT ${TOP}`,
  )
    .bind(w.currency, w.start, w.end, w.from, w.to, vendorId)
    .all<{ productId: string; name: string; revenue: number; units: number; orders: number; views: number }>();
  return results.map((r) => ({
    productId: r.productId,
    name: r.name,
    revenue: { amount: r.revenue, currency: w.currency },
    units: r.units,
    orders: r.orders,
    views: r.views,
    conversion: r.views ? r.orders / r.views : null,
  }));
}

async function vendorPeriod(env: Env, vendorId: string, range: ReportRange, timeZone: string, now: Date): Promise<VendorPeriodReport> {
  const w = await windowOf(env, range, timeZone, now);
  const [totals] = await figuresPerVendor(env, w, vendorId);
  if (!totals) throw new Error(`vendor ${vendorId} has no row`);
  return { from: range.from, to: range.to, totals, topProducts: await vendorTopProducts(env, w, vendorId) };
}

/**
 * A seller's own figures for a range of store-local days (last 30 by default) and the period before it:
 * sales, orders, units, views and conversion, and its best products. Only `vendorId`'s lines and products
 * are read, so no other seller's figure can appear; the caller has resolved `vendorId` from the member.
 */
export async function loadVendorAnalyticsReport(env: Env, vendorId: string, query: ReportQuery, now = new Date()): Promise<VendorAnalyticsReport> {
  const { timeZone } = await analyticsSettings(env);
  const range = reportRange(query, timeZone, now);
  const current = await vendorPeriod(env, vendorId, range, timeZone, now);
  const comparison = query.compare === "none" ? null : await vendorPeriod(env, vendorId, comparisonRange(range), timeZone, now);
  return { timeZone, current, comparison };
}
