import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { purgeCatalogCache } from "../../worker/catalog";
import { insertCategory, insertProduct } from "./factories";
import { buy, signedIn, stockProduct } from "./orders";

export type Shopper = Awaited<ReturnType<typeof signedIn>>;
export type Staff = Awaited<ReturnType<typeof signedIn>>;

/** Ships every line of the order and marks it delivered, through the staff API (the real path). */
export async function deliver(admin: Staff, orderId: string) {
  const shipped = await admin.send(`/api/admin/orders/${orderId}/shipments`, "POST", { carrier: "UPS", trackingNumber: `1Z${orderId.slice(-8)}` });
  expect(shipped.status).toBe(200);
  const delivered = await admin.send(`/api/admin/orders/${orderId}/delivered`, "POST", {});
  expect(delivered.status).toBe(200);
}

/** A signed-in customer who bought `sku` and (unless `delivered` is false) received it. */
export async function buyer(admin: Staff, sku: string, delivered = true): Promise<Shopper & { orderId: string }> {
  const shopper = await signedIn("customer");
  const order = await buy([{ sku, quantity: 1 }], shopper);
  if (delivered) await deliver(admin, order.orderId);
  return { ...shopper, orderId: order.orderId };
}

/** A product with plenty of stock, addressed by its slug (the lower-cased SKU). */
export async function reviewableProduct(sku: string): Promise<string> {
  await stockProduct(sku, 500);
  return sku.toLowerCase();
}

export const goodReview = (rating = 5) => ({ rating, title: "Does what it says", body: "Solid build, arrived quickly and works as described." });

/** Products (slug = lower-cased SKU) in ONE new category `slug`, each with plenty of stock. */
export async function productsInCategory(categorySlug: string, skus: string[]): Promise<string[]> {
  const category = await insertCategory(env.DB, { slug: categorySlug });
  for (const sku of skus)
    await insertProduct(env.DB, {
      slug: sku.toLowerCase(),
      name: `Item ${sku}`,
      category,
      variants: [{ sku, title: "Default", options: {}, price: 2500, stockAvailable: 500 }],
    });
  purgeCatalogCache();
  return skus.map((s) => s.toLowerCase());
}
