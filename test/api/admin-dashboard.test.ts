import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { periodStarts } from "../../worker/backoffice";
import { purgeCatalogCache } from "../../worker/catalog";
import { insertCategory, insertProduct } from "../support/factories";
import { call, cookiesFrom, json, postJson } from "../support/http";
import { expectRoleMatrix, send, staffByRole } from "../support/staff";

const ADDRESS = { fullName: "Ada Lovelace", line1: "1 Market St", city: "San Francisco", region: "CA", postalCode: "94105", country: "US" };

/** Places and pays an order for `qty` × `sku` as a guest through the checkout API and the test provider. */
async function buy(sku: string, qty: number, outcome: "succeeded" | "failed" | null = "succeeded") {
  const add = await postJson("/api/cart/items", { sku, quantity: qty });
  const cookie = cookiesFrom(add);
  const placed = await json(
    await postJson("/api/checkout", { email: "buyer@example.test", shippingAddress: ADDRESS, shippingOption: "standard" }, { Cookie: cookie }),
  );
  if (outcome) await postJson(`/api/checkout/test-payments/${placed.payment.redirectUrl.split("/").pop()}`, { outcome });
  return placed as { orderId: string; total: { amount: number } };
}

let callers: Awaited<ReturnType<typeof staffByRole>>;
beforeAll(async () => {
  const category = await insertCategory(env.DB, { slug: "dash" });
  await insertProduct(env.DB, {
    slug: "lamp",
    category,
    variants: [
      { sku: "DASH-LAMP", title: "Default", options: {}, price: 6000, stockAvailable: 20, lowStockThreshold: 5 },
      { sku: "DASH-LOW", title: "Small", options: {}, price: 1000, stockAvailable: 2, lowStockThreshold: 5 },
    ],
  });
  purgeCatalogCache();
  callers = await staffByRole();
}, 30_000);

describe("GET /api/admin/overview", () => {
  it("answers admins only: support, customers and vendors 403, anonymous 401", async () => {
    await expectRoleMatrix(callers, { path: "/api/admin/overview" }, ["admin"]);
  }, 20_000);

  it("counts paid orders net of refunds for today, this week and the chart, with orders awaiting fulfilment", async () => {
    // 6000 + free shipping (over the threshold) each; one declined and one unpaid do not count.
    const a = await buy("DASH-LAMP", 1);
    const b = await buy("DASH-LAMP", 2);
    await buy("DASH-LAMP", 1, "failed");
    await buy("DASH-LAMP", 1, null);
    const refund = await send(
      `/api/admin/orders/${b.orderId}/refunds`,
      "POST",
      { ...callers.admin.headers, "Idempotency-Key": "dash-refund-0001" },
      {
        amount: 2500,
        reason: "one arrived scratched",
      },
    );
    expect(refund.status).toBe(200);

    const res = await send("/api/admin/overview", "GET", callers.admin.headers);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("private, no-store");
    const o = await json(res);
    const net = a.total.amount + b.total.amount - 2500;
    expect(o.currency).toBe("USD");
    expect(o.today).toEqual({ revenue: net, orders: 2, averageOrderValue: Math.round(net / 2) });
    expect(o.week).toMatchObject({ revenue: net, orders: 2, since: periodStarts(new Date()).week.toISOString() });
    // a is paid, b partially refunded (still to ship): only a counts as waiting.
    expect(o.awaitingFulfilment).toBe(1);
    expect(o.revenueByDay).toHaveLength(30);
    expect(o.revenueByDay.at(-1)).toEqual({ date: new Date().toISOString().slice(0, 10), revenue: net, orders: 2 });
    expect(o.revenueByDay.slice(0, -1).every((d: { revenue: number }) => d.revenue === 0)).toBe(true);
    expect(o.lowStock.items.map((i: { sku: string }) => i.sku)).toContain("DASH-LOW");
    expect(o.lowStock.items.map((i: { sku: string }) => i.sku)).not.toContain("DASH-LAMP");
    expect(o.signups.last7Days).toBe(4);
    expect(o.signups.recent).toHaveLength(4);
  }, 30_000);

  it("ends the week on Monday 00:00 UTC and the chart 29 days before today", () => {
    const s = periodStarts(new Date("2026-11-26T15:00:00Z")); // a Thursday
    expect(s.today.toISOString()).toBe("2026-11-26T00:00:00.000Z");
    expect(s.week.toISOString()).toBe("2026-11-23T00:00:00.000Z");
    expect(s.chart.toISOString()).toBe("2026-10-28T00:00:00.000Z");
    expect(periodStarts(new Date("2026-11-23T00:00:01Z")).week.toISOString()).toBe("2026-11-23T00:00:00.000Z");
    expect(periodStarts(new Date("2026-11-29T23:59:59Z")).week.toISOString()).toBe("2026-11-23T00:00:00.000Z");
  });

  it("reads orders through the status/time index (EXPLAIN QUERY PLAN)", async () => {
    const plan = await env.DB.prepare(
      "explain query plan select substr(created_at, 1, 10) as date, sum(grand_total - refunded_total), count(*) from orders where status in ('paid', 'fulfilling', 'shipped', 'delivered', 'partially_refunded', 'refunded') and created_at >= ? and currency = ? group by date",
    )
      .bind("2026-01-01", "USD")
      .all<{ detail: string }>();
    expect(plan.results.map((r) => r.detail).join(" | ")).toMatch(/USING INDEX orders_status_idx \(status=\? AND created_at>\?\)/);
    const waiting = await env.DB.prepare("explain query plan select count(*) from orders where status in ('paid', 'fulfilling')").all<{ detail: string }>();
    expect(waiting.results.map((r) => r.detail).join(" | ")).toMatch(/COVERING INDEX orders_status_idx/);
    expect((await call("/api/admin/overview")).status).toBe(401);
  });
});
