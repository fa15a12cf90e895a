import { createExecutionContext, createMessageBatch, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { loadAnalyticsReport } from "../../worker/analytics";
import worker from "../../worker/test-entry";
import { call, json } from "../support/http";
import { expectRoleMatrix, send, staffByRole } from "../support/staff";

// The store's days run in New York; the range spans the end of daylight saving time (1 November 2026),
// so one of its days has 25 hours. The bounds below are written out by hand, independently of the code.
const TZ = "America/New_York";
const RANGE = { from: "2026-10-30", to: "2026-11-02" };
const CURRENT = { start: "2026-10-30T04:00:00.000Z", end: "2026-11-03T05:00:00.000Z" };
const PREVIOUS = { start: "2026-10-26T04:00:00.000Z", end: "2026-10-30T04:00:00.000Z" };
const DAY_STARTS: [string, string][] = [
  ["2026-10-30", "2026-10-30T04:00:00.000Z"],
  ["2026-10-31", "2026-10-31T04:00:00.000Z"],
  ["2026-11-01", "2026-11-01T04:00:00.000Z"],
  ["2026-11-02", "2026-11-02T05:00:00.000Z"],
];
/** Local midnights (UTC) of both periods' days, written out: EDT (UTC−4) until 1 November, then EST (UTC−5). */
const ALL_DAY_STARTS: [string, string][] = [
  ["2026-10-26", "2026-10-26T04:00:00.000Z"],
  ["2026-10-27", "2026-10-27T04:00:00.000Z"],
  ["2026-10-28", "2026-10-28T04:00:00.000Z"],
  ["2026-10-29", "2026-10-29T04:00:00.000Z"],
  ...DAY_STARTS,
];
/** SQL for the local day of a timestamp column, from the hand-written bounds (callers keep the column inside them). */
const DAY_OF = (col: string) =>
  `CASE ${[...ALL_DAY_STARTS]
    .reverse()
    .map(([day, start]) => `WHEN ${col} >= '${start}' THEN '${day}'`)
    .join(" ")} END`;
const NOW = new Date("2026-11-10T12:00:00.000Z");

/** A small deterministic generator (mulberry32), so a failure can be replayed. */
function prng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const STATUSES = ["paid", "fulfilling", "shipped", "delivered", "partially_refunded", "refunded", "pending_payment", "cancelled"];
const PRODUCTS = ["prod_an1", "prod_an2", "prod_an3", "prod_an4", "prod_an5", "prod_an6"];
const EMAILS = ["ann@example.test", "ANN@example.test", "bo@example.test", "cy@example.test", "di@example.test", "ed@example.test", "fay@example.test"];
const USERS = [null, null, "usr_an1", "usr_an2", "usr_an3"];
const SPAN = { start: Date.parse("2026-10-20T00:00:00Z"), end: Date.parse("2026-11-06T00:00:00Z") };
// Orders exactly on and around the bounds, where an off-by-one-hour bug would show.
const EDGES = [
  "2026-10-30T03:59:59.999Z",
  "2026-10-30T04:00:00.000Z",
  "2026-11-01T04:00:00.000Z",
  "2026-11-02T04:59:59.999Z",
  "2026-11-02T05:00:00.000Z",
  "2026-11-03T04:59:59.999Z",
  "2026-11-03T05:00:00.000Z",
  "2026-10-26T04:00:00.000Z",
];

async function seedOrders(rand: () => number, count: number) {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)] as T;
  const statements: D1PreparedStatement[] = [];
  for (let i = 0; i < count; i++) {
    const id = `ord_an${String(i).padStart(4, "0")}`;
    const createdAt = i < EDGES.length ? (EDGES[i] as string) : new Date(SPAN.start + Math.floor(rand() * (SPAN.end - SPAN.start))).toISOString();
    const status = i < EDGES.length ? "paid" : pick(STATUSES);
    const currency = rand() < 0.1 ? "EUR" : "USD";
    const lines = Array.from({ length: 1 + Math.floor(rand() * 3) }, (_, n) => {
      const unitPrice = 199 + Math.floor(rand() * 12_000);
      const quantity = 1 + Math.floor(rand() * 3);
      return { n, productId: rand() < 0.05 ? null : pick(PRODUCTS), unitPrice, quantity, lineTotal: unitPrice * quantity, discount: 0 };
    });
    const subtotal = lines.reduce((s, l) => s + l.lineTotal, 0);
    const discount = rand() < 0.4 ? Math.floor(rand() * (subtotal / 4)) : 0;
    // Each line's share of the discount; the remainder goes to the first line so the shares add up.
    let left = discount;
    for (const l of lines) {
      l.discount = Math.floor((discount * l.lineTotal) / subtotal);
      left -= l.discount;
    }
    (lines[0] as (typeof lines)[number]).discount += left;
    const shipping = rand() < 0.3 ? 0 : 499 + Math.floor(rand() * 1000);
    const tax = Math.floor((subtotal - discount) * 0.0875);
    const grand = subtotal - discount + shipping + tax;
    const refunded = status === "refunded" ? grand : status === "partially_refunded" ? 1 + Math.floor(rand() * (grand - 1)) : 0;
    const userId = pick(USERS);
    statements.push(
      env.DB.prepare(
        `INSERT INTO orders (id, number, user_id, email, cart_id, status, currency, subtotal, shipping_total, tax_total, discount_total, grand_total,
           refunded_total, shipping_option, shipping_country, shipping_address_enc, access_token_hash, holds_expire_at, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'standard', 'US', 'x', 'x', 0, ?)`,
      ).bind(id, `NW-AN${i}`, userId, pick(EMAILS), `cart_${id}`, status, currency, subtotal, shipping, tax, discount, grand, refunded, createdAt),
      ...lines.map((l) =>
        env.DB.prepare(
          `INSERT INTO order_lines (id, order_id, sku, product_id, name, variant_title, unit_price, quantity, line_total, discount_total, hold_id)
           VALUES (?, ?, ?, ?, ?, 'Default', ?, ?, ?, ?, ?)`,
        ).bind(
          `${id}_l${l.n}`,
          id,
          `SKU-${l.productId ?? "none"}`,
          l.productId,
          `Product ${l.productId ?? "gone"}`,
          l.unitPrice,
          l.quantity,
          l.lineTotal,
          l.discount,
          `${id}:${l.n}`,
        ),
      ),
    );
  }
  for (let i = 0; i < statements.length; i += 90) await env.DB.batch(statements.slice(i, i + 90));
}

const TYPES = [
  "page_viewed",
  "product_viewed",
  "product_viewed",
  "search_performed",
  "cart_item_added",
  "cart_item_removed",
  "checkout_started",
  "checkout_step",
  "purchase_completed",
  "filter_used",
];
const SEARCHES = ["lamp", "linen shirt", "mug", "zzz nothing", "tent"];

/** Events delivered through the real queue consumer, some of them twice (at-least-once delivery). */
async function seedEvents(rand: () => number, count: number) {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)] as T;
  const messages = [];
  for (let i = 0; i < count; i++) {
    const type = pick(TYPES);
    const occurredAt = i < EDGES.length ? (EDGES[i] as string) : new Date(SPAN.start + Math.floor(rand() * (SPAN.end - SPAN.start))).toISOString();
    const search = pick(SEARCHES);
    const body = {
      type,
      subjectId: type === "product_viewed" ? pick(PRODUCTS) : type === "search_performed" ? search : type === "purchase_completed" ? `ord_an${i}` : null,
      occurredAt,
      sessionId: rand() < 0.03 ? null : `sess_an_${Math.floor(rand() * 60)}`,
      device: pick(["mobile", "mobile", "desktop", "tablet"]),
      country: rand() < 0.1 ? null : pick(["US", "DE", "GB"]),
      resultCount: type === "search_performed" ? (search === "zzz nothing" || rand() < 0.1 ? 0 : 1 + Math.floor(rand() * 30)) : null,
    };
    messages.push({ id: `ev-an-${i}`, timestamp: new Date(), attempts: 1, body });
    if (rand() < 0.05) messages.push({ id: `ev-an-${i}`, timestamp: new Date(), attempts: 2, body });
  }
  for (let i = 0; i < messages.length; i += 100) {
    const batch = createMessageBatch(env.QUEUE_ANALYTICS, messages.slice(i, i + 100));
    const ctx = createExecutionContext();
    await worker.queue?.(batch, env, ctx);
    await waitOnExecutionContext(ctx);
  }
}

const PAID = "status NOT IN ('pending_payment', 'cancelled')";

/** Every figure of one period recomputed straight from orders and events with SQL of its own. */
async function expectedPeriod(b: { start: string; end: string }) {
  const q = <T>(sql: string, ...args: unknown[]) =>
    env.DB.prepare(sql)
      .bind(...args)
      .all<T>()
      .then((r) => r.results);
  const orderWhere = `${PAID} AND currency = 'USD' AND created_at >= ? AND created_at < ?`;
  const [s] = await q<{ orders: number; gross: number; discounts: number; returns: number; tax: number; shipping: number; aov: number }>(
    `SELECT count(*) AS orders, total(subtotal) AS gross, total(discount_total) AS discounts, total(refunded_total) AS returns, total(tax_total) AS tax,
       total(shipping_total) AS shipping, CAST(round(total(subtotal - discount_total) / max(count(*), 1)) AS INTEGER) AS aov FROM orders WHERE ${orderWhere}`,
    b.start,
    b.end,
  );
  const [cust] = await q<{ customers: number; returners: number }>(
    `SELECT count(*) AS customers, total(seen_before) AS returners FROM (
       SELECT ifnull(c.user_id, 'e:' || lower(c.email)) AS who,
         max((SELECT count(*) FROM orders p WHERE p.${PAID} AND p.created_at < ? AND ifnull(p.user_id, 'e:' || lower(p.email)) = ifnull(c.user_id, 'e:' || lower(c.email))) > 0) AS seen_before
       FROM orders c WHERE c.${PAID} AND c.currency = 'USD' AND c.created_at >= ? AND c.created_at < ? GROUP BY who)`,
    b.start,
    b.start,
    b.end,
  );
  const eventWhere = "occurred_at >= ? AND occurred_at < ?";
  const distinctDaySessions = (type: string | null) =>
    q<{ n: number }>(
      `SELECT count(*) AS n FROM (SELECT DISTINCT session_id, ${DAY_OF("occurred_at")} FROM analytics_events WHERE ${eventWhere} AND session_id IS NOT NULL ${type ? "AND type = ?" : ""})`,
      ...(type ? [b.start, b.end, type] : [b.start, b.end]),
    ).then((r) => r[0]?.n ?? 0);
  return {
    sales: { ...(s as NonNullable<typeof s>), customers: cust?.customers ?? 0, returning: cust?.returners ?? 0 },
    funnel: {
      sessions: await distinctDaySessions(null),
      productViews: await distinctDaySessions("product_viewed"),
      addToCart: await distinctDaySessions("cart_item_added"),
      checkout: await distinctDaySessions("checkout_started"),
      purchase: await distinctDaySessions("purchase_completed"),
    },
    products: await q<{ productId: string; revenue: number; units: number; orders: number; views: number }>(
      `SELECT l.product_id AS productId, total(l.line_total) - total(l.discount_total) AS revenue, total(l.quantity) AS units, count(DISTINCT l.order_id) AS orders,
         (SELECT count(*) FROM analytics_events e WHERE e.type = 'product_viewed' AND e.subject_id = l.product_id AND e.occurred_at >= ? AND e.occurred_at < ?) AS views
       FROM order_lines l WHERE l.product_id IS NOT NULL AND l.order_id IN (SELECT id FROM orders WHERE ${orderWhere}) GROUP BY l.product_id`,
      b.start,
      b.end,
      b.start,
      b.end,
    ),
    searches: await q<{ key: string; count: number }>(
      `SELECT subject_id AS key, count(*) AS count FROM analytics_events WHERE type = 'search_performed' AND ${eventWhere} GROUP BY key`,
      b.start,
      b.end,
    ),
    noResult: await q<{ key: string; count: number }>(
      `SELECT subject_id AS key, count(*) AS count FROM analytics_events WHERE type = 'search_performed' AND result_count = 0 AND ${eventWhere} GROUP BY key`,
      b.start,
      b.end,
    ),
    devices: await q<{ key: string; count: number }>(
      `SELECT ifnull(device, 'unknown') AS key, count(*) AS count FROM (SELECT DISTINCT device, session_id, ${DAY_OF("occurred_at")} FROM analytics_events WHERE ${eventWhere} AND session_id IS NOT NULL) GROUP BY key`,
      b.start,
      b.end,
    ),
    countries: await q<{ key: string; count: number }>(
      `SELECT ifnull(country, 'unknown') AS key, count(*) AS count FROM (SELECT DISTINCT country, session_id, ${DAY_OF("occurred_at")} FROM analytics_events WHERE ${eventWhere} AND session_id IS NOT NULL) GROUP BY key`,
      b.start,
      b.end,
    ),
  };
}

const byKey = (rows: { key: string; count: number }[]) => Object.fromEntries(rows.map((r) => [r.key, r.count]));

let callers: Awaited<ReturnType<typeof staffByRole>>;
beforeAll(async () => {
  callers = await staffByRole();
  const set = await send("/api/admin/analytics/settings", "PUT", callers.admin.headers, { timeZone: TZ });
  expect(set.status).toBe(200);
  const rand = prng(20261103);
  await seedOrders(rand, 240);
  await seedEvents(rand, 900);
}, 60_000);

describe("analytics figures are exact", () => {
  it("matches independent SQL over the seeded orders and events to the cent, in the store's time zone across a DST change", async () => {
    const report = await loadAnalyticsReport(env, RANGE, NOW);
    expect(report.timeZone).toBe(TZ);
    for (const [period, bounds] of [
      [report.current, CURRENT],
      [report.comparison, PREVIOUS],
    ] as const) {
      if (!period) throw new Error("no comparison period");
      const want = await expectedPeriod(bounds);
      const s = period.sales;
      expect(want.sales.orders).toBeGreaterThan(10);
      // Differences in cents, all of which must be 0.
      expect({
        gross: s.gross.amount - want.sales.gross,
        discounts: s.discounts.amount - want.sales.discounts,
        returns: s.returns.amount - want.sales.returns,
        net: s.net.amount - (want.sales.gross - want.sales.discounts - want.sales.returns),
        tax: s.tax.amount - want.sales.tax,
        shipping: s.shipping.amount - want.sales.shipping,
        averageOrderValue: s.averageOrderValue.amount - want.sales.aov,
        orders: s.orders - want.sales.orders,
        customers: s.customers - want.sales.customers,
        returningCustomers: s.returningCustomers - want.sales.returning,
      }).toEqual({ gross: 0, discounts: 0, returns: 0, net: 0, tax: 0, shipping: 0, averageOrderValue: 0, orders: 0, customers: 0, returningCustomers: 0 });
      expect(s.returningCustomerRate).toBe(want.sales.customers ? want.sales.returning / want.sales.customers : 0);
      expect(period.funnel).toEqual(want.funnel);
      expect(want.funnel.purchase).toBeGreaterThan(0);
      const sold = period.topProducts.filter((p) => p.orders > 0);
      expect(
        sold
          .map((p) => ({ productId: p.productId, revenue: p.revenue.amount, units: p.units, orders: p.orders, views: p.views }))
          .sort((a, b) => a.productId.localeCompare(b.productId)),
      ).toEqual([...want.products].sort((a, b) => a.productId.localeCompare(b.productId)));
      for (const p of sold) expect(p.conversion).toBe(p.views ? p.orders / p.views : null);
      expect(byKey(period.topSearches)).toEqual(byKey(want.searches));
      expect(byKey(period.noResultSearches)).toEqual(byKey(want.noResult));
      expect(byKey(period.devices)).toEqual(byKey(want.devices));
      expect(byKey(period.countries)).toEqual(byKey(want.countries));
    }
    // The daily series: each local day's net sales and orders add up to the period's, and match per-day SQL.
    const perDay = await env.DB.prepare(
      `SELECT ${DAY_OF("created_at")} AS day, count(*) AS orders, total(subtotal - discount_total - refunded_total) AS net FROM orders
       WHERE ${PAID} AND currency = 'USD' AND created_at >= ? AND created_at < ? GROUP BY day`,
    )
      .bind(CURRENT.start, CURRENT.end)
      .all<{ day: string; orders: number; net: number }>();
    const want = Object.fromEntries(DAY_STARTS.map(([day]) => [day, { orders: 0, net: 0 }]));
    for (const r of perDay.results) want[r.day] = { orders: r.orders, net: r.net };
    expect(Object.fromEntries(report.current.days.map((d) => [d.day, { orders: d.orders, net: d.net }]))).toEqual(want);
  });

  it("reads the same figures after the rollups are re-run and redelivered events arrive again", async () => {
    const before = await loadAnalyticsReport(env, RANGE, NOW);
    const redeliver = await env.DB.prepare(
      "SELECT id, type, subject_id, occurred_at, session_id, device, country, result_count FROM analytics_events WHERE id LIKE 'ev-an-%' LIMIT 50",
    ).all<Record<string, string | number | null>>();
    const batch = createMessageBatch(
      env.QUEUE_ANALYTICS,
      redeliver.results.map((r) => ({
        id: String(r.id),
        timestamp: new Date(),
        attempts: 3,
        body: {
          type: r.type,
          subjectId: r.subject_id,
          occurredAt: r.occurred_at,
          sessionId: r.session_id,
          device: r.device,
          country: r.country,
          resultCount: r.result_count,
        },
      })),
    );
    const ctx = createExecutionContext();
    await worker.queue?.(batch, env, ctx);
    await waitOnExecutionContext(ctx);
    // Force every day to be recomputed (as if the time zone had been re-saved).
    await env.DB.prepare("UPDATE analytics_rollup_runs SET time_zone = 'UTC'").run();
    expect(await loadAnalyticsReport(env, RANGE, NOW)).toEqual(before);
  });
});

describe("GET /api/admin/analytics/report", () => {
  it("answers admins only: support, customers and vendors 403, anonymous 401", async () => {
    await expectRoleMatrix(callers, { path: `/api/admin/analytics/report?from=${RANGE.from}&to=${RANGE.to}` }, ["admin"]);
  }, 20_000);

  it("rejects a reversed or too long range and unknown parameters, naming the field", async () => {
    const reversed = await send("/api/admin/analytics/report?from=2026-11-05&to=2026-11-01", "GET", callers.admin.headers);
    expect(reversed.status).toBe(400);
    expect((await json(reversed)).errors.map((e: { path: string }) => e.path)).toEqual(["from"]);
    const long = await send("/api/admin/analytics/report?from=2024-01-01&to=2026-11-01", "GET", callers.admin.headers);
    expect(long.status).toBe(400);
    const bad = await send("/api/admin/analytics/report?from=yesterday&sort=x", "GET", callers.admin.headers);
    expect(bad.status).toBe(400);
    expect((await json(bad)).errors.map((e: { path: string }) => e.path).sort()).toEqual(["from", "sort"]);
  });
});

describe("GET /api/admin/analytics/export/{report}", () => {
  it("sends CSV with the page's figures to holders of the reports permission; support is refused", async () => {
    const res = await send(`/api/admin/analytics/export/sales?from=${RANGE.from}&to=${RANGE.to}`, "GET", callers.admin.headers);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/csv");
    expect(res.headers.get("content-disposition")).toContain(`analytics-sales-${RANGE.from}-to-${RANGE.to}.csv`);
    const [header, current] = (await res.text()).trim().split("\r\n");
    expect(header?.split(",").slice(0, 8)).toEqual(["period", "from", "to", "currency", "gross", "discounts", "returns", "net"]);
    const want = await expectedPeriod(CURRENT);
    expect(current?.split(",")[4]).toBe((want.sales.gross / 100).toFixed(2));
    expect((await send(`/api/admin/analytics/export/sales`, "GET", callers.support.headers)).status).toBe(403);
    expect((await send(`/api/admin/analytics/export/nonsense`, "GET", callers.admin.headers)).status).toBe(400);
  });

  it("prefixes shopper-typed search text that a spreadsheet would run as a formula", async () => {
    await env.DB.prepare(
      "INSERT INTO analytics_events (id, type, subject_id, occurred_at, session_id, result_count) VALUES ('ev-formula', 'search_performed', '=HYPERLINK(\"x\")', '2026-10-31T12:00:00.000Z', 'sess_f', 0)",
    ).run();
    await env.DB.prepare("DELETE FROM analytics_rollup_runs WHERE day = '2026-10-31'").run();
    const text = await (await send(`/api/admin/analytics/export/no-result-searches?from=${RANGE.from}&to=${RANGE.to}`, "GET", callers.admin.headers)).text();
    expect(text).toContain(`"'=HYPERLINK(""x"")"`);
  });
});

describe("/api/admin/analytics/settings", () => {
  it("changes the time zone and consent switch with an audit row; a bad zone is a 400 naming timeZone", async () => {
    const bad = await send("/api/admin/analytics/settings", "PUT", callers.admin.headers, { timeZone: "Mars/Olympus" });
    expect(bad.status).toBe(400);
    expect((await json(bad)).errors.map((e: { path: string }) => e.path)).toEqual(["timeZone"]);
    expect((await send("/api/admin/analytics/settings", "PUT", callers.support.headers, { consentRequired: true })).status).toBe(403);
    const ok = await send("/api/admin/analytics/settings", "PUT", callers.admin.headers, { consentRequired: true });
    expect(await json(ok)).toEqual({ timeZone: TZ, consentRequired: true, retentionDays: 90 });
    const audit = await env.DB.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'settings.analytics'").first<{ n: number }>();
    expect(audit?.n).toBe(2);
    expect(await json(await call("/api/admin/analytics/settings", { headers: callers.admin.headers }))).toEqual({
      timeZone: TZ,
      consentRequired: true,
      retentionDays: 90,
    });
    await send("/api/admin/analytics/settings", "PUT", callers.admin.headers, { consentRequired: false });
  });
});
