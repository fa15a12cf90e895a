import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { loadAnalyticsReport } from "../../worker/analytics";
import { insertCategory, insertProduct, insertUser } from "../support/factories";
import { call, json } from "../support/http";
import { send, signIn, type Caller } from "../support/staff";
import { addMember, bearerFor, insertVendor, type VendorMemberCaller } from "../support/vendors";

// Per-seller analytics: two sellers (A, B) and the store's own product, orders with lines of one or both
// sellers, unpaid and foreign-currency orders that must not count, and product views in and outside the
// range. The store runs on UTC days (the default), so a day's bounds are its UTC midnights.
const RANGE = { from: "2026-10-05", to: "2026-10-11" };
const CURRENT = { start: "2026-10-05T00:00:00.000Z", end: "2026-10-12T00:00:00.000Z" };
const PREVIOUS = { start: "2026-09-28T00:00:00.000Z", end: "2026-10-05T00:00:00.000Z" };

let a: VendorMemberCaller;
let b: VendorMemberCaller;
let admin: Caller;
const P = { a1: "prod_va_a1", a2: "prod_va_a2", b1: "prod_va_b1", own: "prod_va_own" };
const vendorOf: Record<string, () => string | null> = { a1: () => a.vendorId, a2: () => a.vendorId, b1: () => b.vendorId, own: () => null };

let orderN = 0;
/** A paid (or other status) order with lines `[product key, unit price, quantity, discount]`, placed at `at`. */
async function order(at: string, lines: [keyof typeof P, number, number, number][], status = "paid", currency = "USD") {
  const id = `ord_va${++orderN}`;
  const subtotal = lines.reduce((s, [, price, qty]) => s + price * qty, 0);
  const discount = lines.reduce((s, [, , , d]) => s + d, 0);
  await env.DB.batch([
    env.DB.prepare(
      `INSERT INTO orders (id, number, email, cart_id, status, currency, subtotal, shipping_total, tax_total, discount_total, grand_total,
         shipping_option, shipping_country, shipping_address_enc, access_token_hash, holds_expire_at, created_at)
       VALUES (?1, ?1, 'va@example.test', ?1, ?2, ?3, ?4, 500, 0, ?5, ?4 - ?5 + 500, 'standard', 'US', 'x', 'x', 0, ?6)`,
    ).bind(id, status, currency, subtotal, discount, at),
    ...lines.map(([key, price, qty, d], n) =>
      env.DB.prepare(
        `INSERT INTO order_lines (id, order_id, sku, product_id, name, variant_title, unit_price, quantity, line_total, discount_total, hold_id, vendor_id)
         VALUES (?1, ?2, ?3, ?4, ?4, 'Default', ?5, ?6, ?7, ?8, ?1, ?9)`,
      ).bind(`${id}_${n}`, id, `SKU-${P[key]}`, P[key], price, qty, price * qty, d, vendorOf[key]?.() ?? null),
    ),
  ]);
}

let eventN = 0;
async function views(key: keyof typeof P, at: string, times: number) {
  for (let i = 0; i < times; i++) {
    await env.DB.prepare("INSERT INTO analytics_events (id, type, subject_id, occurred_at, session_id) VALUES (?, 'product_viewed', ?, ?, ?)")
      .bind(`ev-va-${++eventN}`, P[key], at, `sess_va_${eventN}`)
      .run();
  }
}

/** Each seller's figures recomputed from orders and events with SQL of this test's own. */
async function expected(bounds: { start: string; end: string }) {
  const { results } = await env.DB.prepare(
    `SELECT v.id AS vendorId,
       (SELECT total(l.line_total) - total(l.discount_total) FROM order_lines l JOIN orders o ON o.id = l.order_id
          WHERE l.vendor_id = v.id AND o.status NOT IN ('pending_payment', 'cancelled') AND o.currency = 'USD' AND o.created_at >= ?1 AND o.created_at < ?2) AS sales,
       (SELECT count(DISTINCT l.order_id) FROM order_lines l JOIN orders o ON o.id = l.order_id
          WHERE l.vendor_id = v.id AND o.status NOT IN ('pending_payment', 'cancelled') AND o.currency = 'USD' AND o.created_at >= ?1 AND o.created_at < ?2) AS orders,
       (SELECT total(l.quantity) FROM order_lines l JOIN orders o ON o.id = l.order_id
          WHERE l.vendor_id = v.id AND o.status NOT IN ('pending_payment', 'cancelled') AND o.currency = 'USD' AND o.created_at >= ?1 AND o.created_at < ?2) AS units,
       (SELECT count(*) FROM analytics_events e JOIN products p ON p.id = e.subject_id
          WHERE e.type = 'product_viewed' AND p.vendor_id = v.id AND e.occurred_at >= ?1 AND e.occurred_at < ?2) AS views
     FROM vendors v WHERE v.id IN (?3, ?4) ORDER BY v.id`,
  )
    .bind(bounds.start, bounds.end, a.vendorId, b.vendorId)
    .all<{ vendorId: string; sales: number; orders: number; units: number; views: number }>();
  return results;
}

beforeAll(async () => {
  a = await insertVendor();
  b = await insertVendor();
  admin = await signIn("admin");
  const category = await insertCategory(env.DB, { slug: "va-things" });
  for (const [key, vendorId] of [
    ["a1", a.vendorId],
    ["a2", a.vendorId],
    ["b1", b.vendorId],
    ["own", null],
  ] as const) {
    await insertProduct(env.DB, { id: P[key], slug: P[key].replace(/_/g, "-"), name: `Seller item ${key}`, category, vendorId });
  }
  // This period.
  await order("2026-10-05T00:00:00.000Z", [["a1", 2500, 2, 500]]);
  await order("2026-10-06T10:00:00.000Z", [
    ["a1", 2500, 1, 0],
    ["a2", 1200, 3, 300],
    ["b1", 9900, 1, 0],
    ["own", 800, 1, 0],
  ]);
  await order("2026-10-07T10:00:00.000Z", [["b1", 9900, 2, 1000]], "shipped");
  await order("2026-10-08T10:00:00.000Z", [["a2", 1200, 1, 0]], "refunded");
  await order("2026-10-09T10:00:00.000Z", [["a1", 2500, 4, 0]], "pending_payment");
  await order("2026-10-09T11:00:00.000Z", [["a1", 2500, 4, 0]], "cancelled");
  await order("2026-10-10T10:00:00.000Z", [["a1", 2500, 1, 0]], "paid", "EUR");
  await order("2026-10-11T23:59:59.999Z", [["a2", 1200, 1, 0]]);
  await order("2026-10-12T00:00:00.000Z", [["a1", 2500, 9, 0]]);
  // The period before.
  await order("2026-10-01T12:00:00.000Z", [["a1", 2500, 1, 0]]);
  await order("2026-10-04T23:59:59.999Z", [["b1", 9900, 1, 0]], "delivered");

  await views("a1", "2026-10-06T09:00:00.000Z", 8);
  await views("a2", "2026-10-07T09:00:00.000Z", 3);
  await views("b1", "2026-10-08T09:00:00.000Z", 5);
  await views("own", "2026-10-08T09:00:00.000Z", 4);
  await views("a1", "2026-10-02T09:00:00.000Z", 2);
  await views("a1", "2026-10-12T00:00:00.000Z", 7);
}, 60_000);

describe("per-seller figures in /admin/analytics", () => {
  it("match independent SQL to the cent for both periods; the store's own lines belong to no seller", async () => {
    const report = await loadAnalyticsReport(env, RANGE);
    for (const [period, bounds] of [
      [report.current, CURRENT],
      [report.comparison, PREVIOUS],
    ] as const) {
      if (!period) throw new Error("no comparison period");
      const got = period.vendors
        .filter((v) => v.vendorId === a.vendorId || v.vendorId === b.vendorId)
        .map((v) => ({ vendorId: v.vendorId, sales: v.sales.amount, orders: v.orders, units: v.units, views: v.views }))
        .sort((x, y) => x.vendorId.localeCompare(y.vendorId));
      expect(got).toEqual(await expected(bounds));
      for (const v of period.vendors) expect(v.conversion).toBe(v.views ? v.orders / v.views : null);
    }
    // Written out by hand for this period: A = (2×2500−500) + 2500 + (3×1200−300) + 1200 (refunded, still a sale) + 1200 = 12,700.
    const byId = Object.fromEntries(report.current.vendors.map((v) => [v.vendorId, v]));
    expect(byId[a.vendorId]).toMatchObject({ sales: { amount: 12_700, currency: "USD" }, orders: 4, units: 8, views: 11, conversion: 4 / 11 });
    expect(byId[b.vendorId]).toMatchObject({ sales: { amount: 28_700, currency: "USD" }, orders: 2, units: 3, views: 5, conversion: 2 / 5 });
    // Best-selling first.
    expect(report.current.vendors.map((v) => v.vendorId).slice(0, 2)).toEqual([b.vendorId, a.vendorId]);
  });

  it("export as CSV, one row per seller and period", async () => {
    const res = await send(`/api/admin/analytics/export/vendors?from=${RANGE.from}&to=${RANGE.to}`, "GET", admin.headers);
    expect(res.status).toBe(200);
    const lines = (await res.text()).trim().split("\r\n");
    expect(lines[0]).toBe("period,from,to,vendor_id,handle,name,currency,sales,orders,units,views,conversion");
    const rowA = lines.find((l) => l.startsWith("current,") && l.includes(a.vendorId));
    expect(rowA?.split(",").slice(6, 11)).toEqual(["USD", "127.00", "4", "8", "11"]);
    expect(lines.some((l) => l.startsWith("comparison,") && l.includes(b.vendorId))).toBe(true);
  });
});

describe("GET /api/vendor/analytics/report", () => {
  it("gives a seller its own figures and products only, equal to its row in the store's report", async () => {
    const res = await call(`/api/vendor/analytics/report?from=${RANGE.from}&to=${RANGE.to}`, { headers: a.headers });
    expect(res.status).toBe(200);
    expect(res.headers.get("Cache-Control")).toContain("no-store");
    const text = await res.clone().text();
    const body = await json(res);
    const store = await loadAnalyticsReport(env, RANGE);
    expect(body.current.totals).toEqual(store.current.vendors.find((v) => v.vendorId === a.vendorId));
    expect(body.comparison.totals).toEqual(store.comparison?.vendors.find((v) => v.vendorId === a.vendorId));
    expect(body.current.topProducts.map((p: { productId: string }) => p.productId)).toEqual([P.a1, P.a2]);
    expect(body.current.topProducts[0]).toMatchObject({ revenue: { amount: 7_000 }, units: 3, orders: 2, views: 8 });
    for (const other of [b.vendorId, P.b1, P.own]) expect(text).not.toContain(other);

    const mine = await json(await call(`/api/vendor/analytics/report?from=${RANGE.from}&to=${RANGE.to}&compare=none`, { headers: b.headers }));
    expect(mine.comparison).toBeNull();
    expect(mine.current.totals).toMatchObject({ vendorId: b.vendorId, sales: { amount: 28_700 } });
    expect(JSON.stringify(mine)).not.toContain(a.vendorId);
  });

  it("shows a seller with nothing in the period its own zeros", async () => {
    const quiet = await insertVendor();
    const body = await json(await call(`/api/vendor/analytics/report?from=${RANGE.from}&to=${RANGE.to}`, { headers: quiet.headers }));
    expect(body.current.totals).toMatchObject({ vendorId: quiet.vendorId, sales: { amount: 0 }, orders: 0, units: 0, views: 0, conversion: null });
    expect(body.current.topProducts).toEqual([]);
  });

  it("answers finance members and owners; other roles 403, customers 403, nobody 401", async () => {
    const path = `/api/vendor/analytics/report?from=${RANGE.from}&to=${RANGE.to}`;
    expect((await call(path, { headers: (await addMember(a.vendorId, "finance")).headers })).status).toBe(200);
    expect((await call(path, { headers: (await addMember(a.vendorId, "catalog")).headers })).status).toBe(403);
    expect((await call(path, { headers: (await addMember(a.vendorId, "orders")).headers })).status).toBe(403);
    expect((await call(path, { headers: await bearerFor(await insertUser(env.DB)) })).status).toBe(403);
    expect((await call(path)).status).toBe(401);
  });

  it("rejects a reversed range and unknown parameters with 400 naming the field", async () => {
    const reversed = await call("/api/vendor/analytics/report?from=2026-10-09&to=2026-10-01", { headers: a.headers });
    expect(reversed.status).toBe(400);
    expect((await json(reversed)).errors.map((e: { path: string }) => e.path)).toEqual(["from"]);
    const bad = await call("/api/vendor/analytics/report?from=last-week&vendorId=x", { headers: a.headers });
    expect(bad.status).toBe(400);
    expect((await json(bad)).errors.map((e: { path: string }) => e.path).sort()).toEqual(["from", "vendorId"]);
  });
});
