import { AppError } from "../../lib/errors";
import type { Overview } from "../schema";

/** Statuses of an order whose payment was taken (refunds are subtracted from its total). */
export const REVENUE_STATUSES = ["paid", "fulfilling", "shipped", "delivered", "partially_refunded", "refunded"] as const;
const PAID_IN = REVENUE_STATUSES.map((s) => `'${s}'`).join(", ");
const CHART_DAYS = 30;
const DAY_MS = 86_400_000;

type RevenueFigures = Overview["today"];

const figures = (revenue: number, orders: number): RevenueFigures => ({
  revenue,
  orders,
  averageOrderValue: orders ? Math.round(revenue / orders) : 0,
});

/** Midnight UTC of `now`'s day, and of the Monday that starts its (ISO) week. */
export function periodStarts(now: Date) {
  const day = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  const sinceMonday = (day.getUTCDay() + 6) % 7;
  return { today: day, week: new Date(day.getTime() - sinceMonday * DAY_MS), chart: new Date(day.getTime() - (CHART_DAYS - 1) * DAY_MS) };
}

/**
 * The figures of the admin overview. Revenue counts orders whose payment was
 * taken, by the day they were placed (UTC), net of refunds, in the base
 * currency. Every query rides an index (orders by status and time, variants
 * by the stock mirror) except the low-stock scan, which reads the variants'
 * mirror columns once; all run in one D1 round trip.
 */
export async function loadOverview(env: Env, now = new Date()): Promise<Overview> {
  const starts = periodStarts(now);
  const currency = env.BASE_CURRENCY;
  const earliest = new Date(Math.min(starts.week.getTime(), starts.chart.getTime())).toISOString();
  const weekAgo = new Date(now.getTime() - 7 * DAY_MS).toISOString();
  const db = env.DB;
  const [byDay, waiting, lowCount, lowItems, signupCount, recent] = await db.batch([
    db
      .prepare(
        `select substr(created_at, 1, 10) as date, sum(grand_total - refunded_total) as revenue, count(*) as orders
         from orders where status in (${PAID_IN}) and created_at >= ? and currency = ? group by date`,
      )
      .bind(earliest, currency),
    db.prepare("select count(*) as n from orders where status in ('paid', 'fulfilling')"),
    db.prepare("select count(*) as n from product_variants where stock_available <= low_stock_threshold"),
    db.prepare(
      `select v.sku, p.name as productName, v.stock_available as available, v.low_stock_threshold as threshold
       from product_variants v join products p on p.id = v.product_id
       where v.stock_available <= v.low_stock_threshold order by v.stock_available, v.sku limit 8`,
    ),
    db.prepare("select count(*) as n from users where created_at >= ?").bind(weekAgo),
    // Users are inserted as they sign up, so rowid order is sign-up order: a backward rowid walk, no sort of every user.
    db.prepare("select id, email, name, role, created_at as createdAt from users order by rowid desc limit 5"),
  ]);
  if (!byDay || !waiting || !lowCount || !lowItems || !signupCount || !recent) throw new AppError("internal.error", 500, "Overview query failed.");
  const days = new Map((byDay.results as { date: string; revenue: number; orders: number }[]).map((r) => [r.date, r]));
  const sum = (from: Date) => {
    let revenue = 0;
    let orders = 0;
    for (const [date, r] of days) {
      if (date >= from.toISOString().slice(0, 10)) {
        revenue += r.revenue;
        orders += r.orders;
      }
    }
    return figures(revenue, orders);
  };
  const revenueByDay = Array.from({ length: CHART_DAYS }, (_, i) => {
    const date = new Date(starts.chart.getTime() + i * DAY_MS).toISOString().slice(0, 10);
    const r = days.get(date);
    return { date, revenue: r?.revenue ?? 0, orders: r?.orders ?? 0 };
  });
  const first = <T>(rows: D1Result<unknown>) => rows.results[0] as T;
  return {
    currency,
    asOf: now.toISOString(),
    today: sum(starts.today),
    week: { ...sum(starts.week), since: starts.week.toISOString() },
    awaitingFulfilment: first<{ n: number }>(waiting).n,
    lowStock: { count: first<{ n: number }>(lowCount).n, items: lowItems.results as Overview["lowStock"]["items"] },
    signups: { last7Days: first<{ n: number }>(signupCount).n, recent: recent.results as Overview["signups"]["recent"] },
    revenueByDay,
  };
}
