import { eq, inArray, sql } from "drizzle-orm";
import { getDb } from "../../db/client";
import { onCatalogChange } from "../cache";
import { productImages, products, productVariants } from "../tables";
import { sellerListed } from "./seller-listed";

/** What the cart needs to know about a SKU, as the catalog says now. */
export interface SkuFacts {
  sku: string;
  productId: string;
  productSlug: string;
  name: string;
  variantTitle: string;
  options: Readonly<Record<string, string>>;
  /** Unit price in minor units of `currency`. */
  price: number;
  currency: string;
  /** Units that can be bought now (never negative). */
  available: number;
  /** Published and its seller (if any) active: only such products can be added to a cart or bought. */
  active: boolean;
  image: string | null;
}

/**
 * How old a cached answer may be on the cart's write path. Writes in this isolate purge at once;
 * another isolate's write is seen within this time. Checkout and cart reads ask with 0 (fresh).
 */
export const SKU_FACTS_MAX_AGE_MS = 5_000;
const MAX_ENTRIES = 5_000;

// Plain values only: every request loads its own misses, so no request ever awaits another's I/O.
// `null` records a SKU the catalog does not know, so made-up SKUs are not a D1 query each.
const entries = new Map<string, { facts: Readonly<SkuFacts> | null; loadedAt: number }>();
// Bumped by every purge: a load that started before a purge must not store what it read.
let generation = 0;

/** Forgets every cached SKU answer in this isolate (part of the catalog purge). */
function purgeSkuLookups(): void {
  entries.clear();
  generation++;
}
onCatalogChange(purgeSkuLookups);

function remember(sku: string, facts: Readonly<SkuFacts> | null, loadedAt: number): void {
  if (entries.size >= MAX_ENTRIES) {
    // Map keeps insertion order: drop the oldest tenth.
    let drop = Math.ceil(MAX_ENTRIES / 10);
    for (const key of entries.keys()) {
      entries.delete(key);
      if (--drop === 0) break;
    }
  }
  entries.delete(sku);
  entries.set(sku, { facts, loadedAt });
}

async function loadSkuFacts(env: Env, skus: string[]): Promise<Map<string, Readonly<SkuFacts>>> {
  // One query: the first picture comes from a correlated subquery on (product_id, position).
  const rows = await getDb(env.DB)
    .select({
      sku: productVariants.sku,
      productId: products.id,
      productSlug: products.slug,
      name: products.name,
      variantTitle: productVariants.title,
      options: productVariants.options,
      price: productVariants.price,
      currency: products.currency,
      available: productVariants.stockAvailable,
      status: products.status,
      sellerListed: sql<number>`${sellerListed(products.vendorId)}`,
      image: sql<
        string | null
      >`(select ${productImages.url} from ${productImages} where ${productImages.productId} = ${products.id} order by ${productImages.position}, ${productImages}.rowid limit 1)`,
    })
    .from(productVariants)
    .innerJoin(products, eq(products.id, productVariants.productId))
    .where(inArray(productVariants.sku, skus));
  return new Map(
    rows.map(({ status, sellerListed: listed, ...r }) => [
      r.sku,
      Object.freeze({
        ...r,
        options: Object.freeze({ ...r.options }),
        active: status === "active" && Boolean(listed),
        available: Math.max(0, r.available),
      }),
    ]),
  );
}

/**
 * Catalog facts (price, availability, names, first picture) for SKUs; SKUs the catalog does
 * not know are absent from the map. Answers cached in this isolate for at most `maxAgeMs`
 * are reused; the rest are read from D1 in one query by this request. Pass 0 wherever the
 * answer decides money or stock (checkout, the cart as shown before paying).
 */
export async function lookupSkus(env: Env, skus: readonly string[], maxAgeMs: number): Promise<Map<string, Readonly<SkuFacts>>> {
  const found = new Map<string, Readonly<SkuFacts>>();
  const missing: string[] = [];
  const now = Date.now();
  for (const sku of new Set(skus)) {
    const hit = maxAgeMs > 0 ? entries.get(sku) : undefined;
    if (hit && now - hit.loadedAt < maxAgeMs) {
      if (hit.facts) found.set(sku, hit.facts);
    } else {
      missing.push(sku);
    }
  }
  if (!missing.length) return found;
  const startedAt = Date.now();
  const startedIn = generation;
  const loaded = await loadSkuFacts(env, missing);
  const keep = startedIn === generation;
  for (const sku of missing) {
    const facts = loaded.get(sku) ?? null;
    if (facts) found.set(sku, facts);
    if (keep) remember(sku, facts, startedAt);
  }
  return found;
}
