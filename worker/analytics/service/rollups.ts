import { addDays, dayBounds, localDay } from "../days";
import { analyticsSettings } from "./settings";

/** Figures rolled up per day without a dimension. Funnel steps count distinct sessions, not events. */
const SCALARS: { metric: string; select: string }[] = [
  { metric: "sessions", select: "count(DISTINCT session_id) FROM e WHERE session_id IS NOT NULL" },
  { metric: "page_views", select: "count(*) FROM e WHERE type = 'page_viewed'" },
  { metric: "funnel_product_view", select: "count(DISTINCT session_id) FROM e WHERE type = 'product_viewed' AND session_id IS NOT NULL" },
  { metric: "funnel_add_to_cart", select: "count(DISTINCT session_id) FROM e WHERE type = 'cart_item_added' AND session_id IS NOT NULL" },
  { metric: "funnel_checkout", select: "count(DISTINCT session_id) FROM e WHERE type = 'checkout_started' AND session_id IS NOT NULL" },
  { metric: "funnel_purchase", select: "count(DISTINCT session_id) FROM e WHERE type = 'purchase_completed' AND session_id IS NOT NULL" },
];

/** Figures per dimension (product, search text, device, country). */
const GROUPED: { metric: string; select: string }[] = [
  { metric: "product_views", select: "subject_id, count(*) FROM e WHERE type = 'product_viewed' AND subject_id IS NOT NULL GROUP BY subject_id" },
  { metric: "searches", select: "subject_id, count(*) FROM e WHERE type = 'search_performed' AND subject_id IS NOT NULL GROUP BY subject_id" },
  {
    metric: "searches_no_result",
    select: "subject_id, count(*) FROM e WHERE type = 'search_performed' AND subject_id IS NOT NULL AND result_count = 0 GROUP BY subject_id",
  },
  {
    metric: "sessions_device",
    select: "coalesce(device, 'unknown'), count(DISTINCT session_id) FROM e WHERE session_id IS NOT NULL GROUP BY coalesce(device, 'unknown')",
  },
  {
    metric: "sessions_country",
    select: "coalesce(country, 'unknown'), count(DISTINCT session_id) FROM e WHERE session_id IS NOT NULL GROUP BY coalesce(country, 'unknown')",
  },
];

const EVENTS_OF_DAY = "WITH e AS (SELECT * FROM analytics_events WHERE occurred_at >= ?2 AND occurred_at < ?3)";

/**
 * Recomputes one store-local day's rollup rows from the stored events: the day's old rows are deleted and
 * the new ones written in the same D1 batch (one transaction), so a re-run, a concurrent run or a late
 * event never counts twice; a reader sees the old day or the new day, never a mix.
 */
export async function rollupDay(env: Env, day: string, timeZone: string, now = new Date()): Promise<{ day: string; events: number }> {
  const { start, end } = dayBounds(day, timeZone);
  const d1 = env.DB;
  const bind = (sql: string) => d1.prepare(sql).bind(day, start, end);
  const statements = [
    d1.prepare("DELETE FROM analytics_daily WHERE day = ?").bind(day),
    ...SCALARS.map((s) => bind(`INSERT INTO analytics_daily (day, metric, dimension, value) ${EVENTS_OF_DAY} SELECT ?1, '${s.metric}', '', ${s.select}`)),
    ...GROUPED.map((g) => bind(`INSERT INTO analytics_daily (day, metric, dimension, value) ${EVENTS_OF_DAY} SELECT ?1, '${g.metric}', ${g.select}`)),
    d1
      .prepare(
        `INSERT INTO analytics_rollup_runs (day, time_zone, starts_at, ends_at, events, computed_at)
         VALUES (?1, ?4, ?2, ?3, (SELECT count(*) FROM analytics_events WHERE occurred_at >= ?2 AND occurred_at < ?3), ?5)
         ON CONFLICT(day) DO UPDATE SET time_zone = excluded.time_zone, starts_at = excluded.starts_at, ends_at = excluded.ends_at,
           events = excluded.events, computed_at = excluded.computed_at`,
      )
      .bind(day, start, end, timeZone, now.toISOString()),
  ];
  await d1.batch(statements);
  const run = await d1.prepare("SELECT events FROM analytics_rollup_runs WHERE day = ?").bind(day).first<{ events: number }>();
  return { day, events: run?.events ?? 0 };
}

/**
 * The cron's rollup: yesterday and today in the store's time zone, recomputed from scratch each run, so events
 * that reach D1 late (queue retries, a delayed batch) are in the day's figures by the next run.
 */
export async function rollupRecentDays(env: Env, at: Date | number = new Date()): Promise<{ day: string; events: number }[]> {
  const { timeZone } = await analyticsSettings(env);
  const today = localDay(at, timeZone);
  const out = [];
  for (const day of [addDays(today, -1), today]) out.push(await rollupDay(env, day, timeZone, new Date(at)));
  return out;
}

/**
 * Makes sure every day of `days` has current rollup rows before a report reads them: days never rolled up,
 * rolled up in another time zone, or still open to late events (yesterday and today) are recomputed.
 */
export async function ensureRollups(env: Env, days: string[], timeZone: string, now = new Date()): Promise<void> {
  if (!days.length) return;
  const runs = await env.DB.prepare("SELECT day, time_zone AS timeZone FROM analytics_rollup_runs WHERE day >= ? AND day <= ?")
    .bind(days[0], days[days.length - 1])
    .all<{ day: string; timeZone: string }>();
  const done = new Map(runs.results.map((r) => [r.day, r.timeZone]));
  const open = addDays(localDay(now, timeZone), -1);
  for (const day of days) {
    if (day > localDay(now, timeZone)) continue;
    if (day >= open || done.get(day) !== timeZone) await rollupDay(env, day, timeZone, now);
  }
}
