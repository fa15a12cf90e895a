/**
 * Gathers what a product page's structured data says beyond the product row: the published reviews
 * (reviews' digest), the standard shipping rate to the store's main country for each variant (shipping's
 * zones and rates), and the vendor's name for a marketplace product (vendors' table, read only).
 */
import { and, eq } from "drizzle-orm";
import { CATALOG_TTL_MS, onCatalogChange, type ProductDetail } from "../catalog";
import { MemoCache } from "../lib/memo-cache";
import { products } from "../catalog/tables";
import { getDb } from "../db/client";
import { productReviewDigest } from "../reviews";
import { rateFor, shippingData, shippingPrice } from "../shipping";
import { storefrontSettings } from "../store";
import { vendors } from "../vendors/tables";
import { type JsonLd, type OfferShipping, productJsonLd, publishedReviewFacts } from "./service";

/** How many published reviews a product's JSON-LD carries (the most helpful ones). */
const REVIEWS_IN_JSON_LD = 3;

/** Each variant's standard shipping to `country`, or an empty map when the store does not ship there. */
export async function offerShipping(env: Env, product: Pick<ProductDetail, "variants">, country: string): Promise<Map<string, OfferShipping>> {
  const data = await shippingData(env);
  const row = data.countries.get(country);
  const out = new Map<string, OfferShipping>();
  if (!row?.ships || !row.zoneId) return out;
  for (const v of product.variants) {
    // Rates are banded by order value: a single unit of this variant is the order the listing describes.
    const rate = rateFor(data, row.zoneId, "standard", v.price.amount);
    if (!rate) continue;
    out.set(v.sku, {
      country,
      amount: shippingPrice(rate, v.price.amount, v.weightGrams),
      currency: v.price.currency,
      minDays: rate.minDays,
      maxDays: rate.maxDays,
    });
  }
  return out;
}

/**
 * Sellers of products, kept per isolate like the catalog's own reads (`CATALOG_TTL_MS`, then stale up to as long
 * while one request re-reads): a product page rendered for a shopper with a cart or a session reads its seller
 * once per 30 s instead of on every render. A vendor's settings or status change moves the catalog version, which
 * drops them in every isolate (`onCatalogChange`).
 */
const sellers = new MemoCache(2_000);
onCatalogChange(() => sellers.purge());

/** The active vendor selling this product (its name and storefront handle), or null for the store's own products. */
export function productSeller(env: Env, productId: string): Promise<{ name: string; handle: string } | null> {
  return sellers.get(productId, CATALOG_TTL_MS, () => readSeller(env, productId));
}

async function readSeller(env: Env, productId: string): Promise<{ name: string; handle: string } | null> {
  const row = await getDb(env.DB)
    .select({ name: vendors.name, handle: vendors.handle })
    .from(products)
    .innerJoin(vendors, eq(vendors.id, products.vendorId))
    .where(and(eq(products.id, productId), eq(vendors.status, "active")))
    .get();
  return row ?? null;
}

/** The name of the active vendor selling this product, or null for the store's own products. */
export async function sellerName(env: Env, productId: string): Promise<string | null> {
  return (await productSeller(env, productId))?.name ?? null;
}

/**
 * The product page's Product JSON-LD with every fact the store has: reviews, shipping, seller, identifiers.
 * A page that also shows the seller passes its own `productSeller` read (still in flight), so the seller is read
 * once and in parallel with the reviews and shipping.
 */
export async function productStructuredData(env: Env, product: ProductDetail, origin: string, sellerRead?: Promise<{ name: string } | null>): Promise<JsonLd> {
  const { mainCountry } = await storefrontSettings(env);
  const [digest, shipping, seller] = await Promise.all([
    productReviewDigest(env, product.slug, REVIEWS_IN_JSON_LD),
    offerShipping(env, product, mainCountry),
    sellerRead ? sellerRead.then((s) => s?.name ?? null) : sellerName(env, product.id),
  ]);
  return productJsonLd(product, origin, { country: mainCountry, reviews: publishedReviewFacts(digest), shipping, seller });
}
