import { REVENUE_STATUSES } from "../../backoffice";
import { storeSettings } from "../../store";
import { dayBounds, daysBetween, localDay } from "../days";
import type { AnalyticsReport, CountRow, DayFigures, FunnelFigures, PeriodReport, ProductFigures, ReportQuery, SalesFigures } from "../schema";
import { comparisonRange, type ReportRange, reportRange } from "./range";
import { ensureRollups } from "./rollups";
import { analyticsSettings } from "./settings";
import { vendorFiguresOf } from "./vendors";

const TOP = 20;
const PAID = `o.status IN (${REVENUE_STATUSES.map((s) => `'${s}'`).join(", ")})`;
const CUSTOMER = "coalesce(o.user_id, 'e:' || lower(o.email))";

/**
 * Every report of `/admin/analytics` for a range of store-local days, with the period just before it for
 * comparison. Sales come from the orders themselves (always current: a refund made today lowers the day the
 * order was placed); behaviour comes from the daily rollups, which are brought up to date first.
 */
export async function loadAnalyticsReport(env: Env, query: ReportQuery, now = new Date()): Promise<AnalyticsReport> {
  const { timeZone } = await analyticsSettings(env);
  const range = reportRange(query, timeZone, now);
  const current = await loadPeriod(env, range, timeZone, now);
  const comparison = query.compare === "none" ? null : await loadPeriod(env, comparisonRange(range), timeZone, now);
  return { timeZone, current, comparison };
}

/** One period's figures (see `loadAnalyticsReport`). */
export async function loadPeriod(env: Env, range: ReportRange, timeZone: string, now = new Date()): Promise<PeriodReport> {
  const days = daysBetween(range.from, range.to);
  await ensureRollups(env, days, timeZone, now);
  const start = dayBounds(range.from, timeZone).start;
  const end = dayBounds(range.to, timeZone).end;
  const { baseCurrency: currency } = await storeSettings(env);
  const d1 = env.DB;
  const inRange = `${PAID} AND o.currency = ?1 AND o.created_at >= ?2 AND o.created_at < ?3`;
  const rollup = (metric: string) =>
    d1
      .prepare(
        "SELECT dimension AS key, sum(value) AS count FROM analytics_daily WHERE metric = ?1 AND day >= ?2 AND day <= ?3 GROUP BY dimension ORDER BY count DESC, key LIMIT ?4",
      )
      .bind(metric, range.from, range.to, TOP);
  const [sales, customers, quarters, products, scalars, sessionsByDay, searches, noResult, devices, countries] = (await d1.batch([
    d1
      .prepare(
        `SELECT count(*) AS orders, coalesce(sum(o.subtotal), 0) AS gross, coalesce(sum(o.discount_total), 0) AS discounts,
           coalesce(sum(o.refunded_total), 0) AS returns, coalesce(sum(o.tax_total), 0) AS tax, coalesce(sum(o.shipping_total), 0) AS shipping
         FROM orders o WHERE ${inRange}`,
      )
      .bind(currency, start, end),
    d1
      .prepare(
        `WITH cur AS (SELECT DISTINCT ${CUSTOMER} AS k FROM orders o WHERE ${inRange})
         SELECT count(*) AS customers,
           coalesce(sum(EXISTS (SELECT 1 FROM orders o WHERE ${PAID} AND o.created_at < ?2 AND ${CUSTOMER} = cur.k)), 0) AS returners
         FROM cur`,
      )
      .bind(currency, start, end),
    // Quarter-hour buckets: every time zone's offset is a multiple of 15 minutes, so each bucket lies in one local day.
    d1
      .prepare(
        `SELECT substr(o.created_at, 1, 14) || printf('%02d', (cast(substr(o.created_at, 15, 2) AS integer) / 15) * 15) AS q,
           count(*) AS orders, sum(o.subtotal - o.discount_total - o.refunded_total) AS net
         FROM orders o WHERE ${inRange} GROUP BY q`,
      )
      .bind(currency, start, end),
    d1
      .prepare(
        `SELECT l.product_id AS productId, coalesce(p.name, max(l.name)) AS name, sum(l.line_total - l.discount_total) AS revenue,
           sum(l.quantity) AS units, count(DISTINCT l.order_id) AS orders
         FROM order_lines l JOIN orders o ON o.id = l.order_id LEFT JOIN products p ON p.id = l.product_id
         WHERE ${inRange} AND l.product_id IS NOT NULL GROUP BY l.product_id ORDER BY revenue DESC, l.product_id LIMIT ${TOP}`,
      )
      .bind(currency, start, end),
    d1
      .prepare("SELECT metric, sum(value) AS value FROM analytics_daily WHERE dimension = '' AND day >= ?1 AND day <= ?2 GROUP BY metric")
      .bind(range.from, range.to),
    d1.prepare("SELECT day, value FROM analytics_daily WHERE metric = 'sessions' AND dimension = '' AND day >= ?1 AND day <= ?2").bind(range.from, range.to),
    rollup("searches"),
    rollup("searches_no_result"),
    rollup("sessions_device"),
    rollup("sessions_country"),
  ])) as [D1Result, D1Result, D1Result, D1Result, D1Result, D1Result, D1Result, D1Result, D1Result, D1Result];

  const s = sales.results[0] as { orders: number; gross: number; discounts: number; returns: number; tax: number; shipping: number };
  const c = customers.results[0] as { customers: number; returners: number };
  const money = (amount: number) => ({ amount, currency });
  const salesFigures: SalesFigures = {
    currency,
    gross: money(s.gross),
    discounts: money(s.discounts),
    returns: money(s.returns),
    net: money(s.gross - s.discounts - s.returns),
    tax: money(s.tax),
    shipping: money(s.shipping),
    orders: s.orders,
    averageOrderValue: money(s.orders ? Math.round((s.gross - s.discounts) / s.orders) : 0),
    customers: c.customers,
    returningCustomers: c.returners,
    returningCustomerRate: c.customers ? c.returners / c.customers : 0,
  };

  const metric = new Map((scalars.results as { metric: string; value: number }[]).map((r) => [r.metric, r.value]));
  const funnel: FunnelFigures = {
    sessions: metric.get("sessions") ?? 0,
    productViews: metric.get("funnel_product_view") ?? 0,
    addToCart: metric.get("funnel_add_to_cart") ?? 0,
    checkout: metric.get("funnel_checkout") ?? 0,
    purchase: metric.get("funnel_purchase") ?? 0,
  };

  const byDay = new Map<string, DayFigures>(days.map((day) => [day, { day, net: 0, orders: 0, sessions: 0 }]));
  for (const q of quarters.results as { q: string; orders: number; net: number }[]) {
    const row = byDay.get(localDay(Date.parse(`${q.q}:00Z`), timeZone));
    if (row) {
      row.net += q.net;
      row.orders += q.orders;
    }
  }
  for (const r of sessionsByDay.results as { day: string; value: number }[]) {
    const row = byDay.get(r.day);
    if (row) row.sessions = r.value;
  }

  const topProducts = await withViews(env, products.results as SoldProduct[], range, currency);
  const vendors = await vendorFiguresOf(env, { from: range.from, to: range.to, start, end, currency });
  const counts = (r: D1Result) => r.results as CountRow[];
  return {
    from: range.from,
    to: range.to,
    sales: salesFigures,
    funnel,
    days: [...byDay.values()],
    topProducts,
    vendors,
    topSearches: counts(searches),
    noResultSearches: counts(noResult),
    devices: counts(devices),
    countries: counts(countries),
  };
}

/**
 * Adds views (from the rollups) to the best sellers, and the most viewed products that sold nothing, so a
 * product people look at but do not buy shows up with its 0 % conversion.
 */
type SoldProduct = { productId: string; name: string; revenue: number; units: number; orders: number };

async function withViews(env: Env, sold: SoldProduct[], range: ReportRange, currency: string): Promise<ProductFigures[]> {
  const viewed = await env.DB.prepare(
    `SELECT d.dimension AS productId, p.name AS name, sum(d.value) AS views FROM analytics_daily d LEFT JOIN products p ON p.id = d.dimension
     WHERE d.metric = 'product_views' AND d.day >= ?1 AND d.day <= ?2 GROUP BY d.dimension ORDER BY views DESC, d.dimension LIMIT ${TOP}`,
  )
    .bind(range.from, range.to)
    .all<{ productId: string; name: string | null; views: number }>();
  const soldIds = sold.map((p) => p.productId);
  const views = new Map(viewed.results.map((v) => [v.productId, v.views]));
  // Views of the best sellers that are not among the most viewed.
  if (soldIds.length) {
    const missing = soldIds.filter((id) => !views.has(id));
    if (missing.length) {
      const rows = await env.DB.prepare(
        `SELECT dimension AS productId, sum(value) AS views FROM analytics_daily WHERE metric = 'product_views' AND day >= ?1 AND day <= ?2
         AND dimension IN (${missing.map((_, i) => `?${i + 3}`).join(", ")}) GROUP BY dimension`,
      )
        .bind(range.from, range.to, ...missing)
        .all<{ productId: string; views: number }>();
      for (const r of rows.results) views.set(r.productId, r.views);
    }
  }
  const rows: ProductFigures[] = sold.map((p) => {
    const v = views.get(p.productId) ?? 0;
    return {
      productId: p.productId,
      name: p.name,
      revenue: { amount: p.revenue, currency },
      units: p.units,
      orders: p.orders,
      views: v,
      conversion: v ? p.orders / v : null,
    };
  });
  for (const v of viewed.results) {
    if (rows.length >= TOP * 2) break;
    if (!soldIds.includes(v.productId))
      rows.push({ productId: v.productId, name: v.name ?? v.productId, revenue: { amount: 0, currency }, units: 0, orders: 0, views: v.views, conversion: 0 });
  }
  return rows;
}
