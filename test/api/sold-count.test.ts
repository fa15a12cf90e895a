import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { purgeCatalogCache } from "../../worker/catalog";
import { call, json, postJson } from "../support/http";
import { buy, client, signedIn, stockProduct } from "../support/orders";

const soldOf = async (sku: string) =>
  (
    await env.DB.prepare("select p.sold_count as n from products p join product_variants v on v.product_id = p.id where v.sku = ?")
      .bind(sku)
      .first<{ n: number }>()
  )?.n;

describe("products.sold_count follows paid orders", () => {
  it("counts a paid order's units once, even when the payment is reported again", async () => {
    await stockProduct("SOLD-A", 50);
    await stockProduct("SOLD-B", 50);
    expect(await soldOf("SOLD-A")).toBe(0);
    const unpaid = await buy([{ sku: "SOLD-A", quantity: 1 }], client(), false);
    // Checkout alone sells nothing.
    expect(await soldOf("SOLD-A")).toBe(0);
    const order = await buy([
      { sku: "SOLD-A", quantity: 3 },
      { sku: "SOLD-B", quantity: 2 },
    ]);
    expect([await soldOf("SOLD-A"), await soldOf("SOLD-B")]).toEqual([3, 2]);
    // The payment reported a second time (a duplicate event): nothing more is counted.
    await postJson(`/api/checkout/test-payments/${order.paymentId}`, { outcome: "succeeded" });
    expect([await soldOf("SOLD-A"), await soldOf("SOLD-B")]).toEqual([3, 2]);
    // The unpaid order was never counted, and cancelling it takes nothing away.
    await postJson(`/api/checkout/test-payments/${unpaid.paymentId}`, { outcome: "failed" });
    expect(await soldOf("SOLD-A")).toBe(3);
  });

  it("takes the units back when a paid order is cancelled (once, however often cancel is asked)", async () => {
    await stockProduct("SOLD-C", 50);
    const admin = await signedIn("admin");
    const order = await buy([{ sku: "SOLD-C", quantity: 4 }]);
    expect(await soldOf("SOLD-C")).toBe(4);
    const answers = await Promise.all([1, 2, 3].map(() => admin.send(`/api/admin/orders/${order.orderId}/cancel`, "POST", { reason: "customer asked" })));
    expect(answers.filter((r) => r.status === 200)).toHaveLength(1);
    expect(await soldOf("SOLD-C")).toBe(0);
  });

  it("takes the units back on a refund in full, not on a partial one", async () => {
    await stockProduct("SOLD-D", 50);
    const admin = await signedIn("admin");
    const order = await buy([{ sku: "SOLD-D", quantity: 2 }]);
    expect(await soldOf("SOLD-D")).toBe(2);
    const partial = await admin.send(`/api/admin/orders/${order.orderId}/refunds`, "POST", { amount: 100, reason: "scratched box" });
    expect(partial.status).toBe(200);
    expect(await soldOf("SOLD-D")).toBe(2);
    const rest = await admin.send(`/api/admin/orders/${order.orderId}/refunds`, "POST", { reason: "returned" });
    expect(rest.status).toBe(200);
    expect(await soldOf("SOLD-D")).toBe(0);
  });

  it("drives the bestselling sort from real sales", async () => {
    await stockProduct("SOLD-E", 50);
    await stockProduct("SOLD-F", 50);
    await buy([{ sku: "SOLD-F", quantity: 5 }]);
    await buy([{ sku: "SOLD-E", quantity: 1 }]);
    purgeCatalogCache();
    const page = await json(await call("/api/products?sort=bestselling&perPage=100"));
    const slugs = (page.items as { slug: string }[]).map((p) => p.slug).filter((s) => s === "sold-e" || s === "sold-f");
    expect(slugs).toEqual(["sold-f", "sold-e"]);
  });
});
