import { eq, sql } from "drizzle-orm";
import { preparedQuery } from "../../db/client";
import { onCatalogChange } from "../cache";
import { productImages, products, productVariants } from "../tables";
import { sellerListed } from "./seller-listed";

/** What the cart, its shipping quote and its promotions need to know about a SKU, as the catalog says now. */
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
  /** Shipping weight of one unit in grams (0 when not set). */
  weightGrams: number;
  /** The seller of the product (null: the store's own), for parcels and seller conditions. */
  vendorId: string | null;
  /** The product's category path, for category conditions of promotions. */
  categoryPath: string;
}

/**
 * How old a cached answer may be on the cart's write path. Writes in this isolate purge at once;
 * another isolate's write is seen within this time. Checkout and cart reads ask with 0 (fresh).
 */
export const SKU_FACTS_MAX_AGE_MS = 5_000;
const MAX_ENTRIES = 5_000;
/**
 * Past this share of its max age an answer is refreshed by ONE request while every other keeps using it (it is
 * still within its max age): without this, all requests that miss a SKU in the moment it expires read it from D1
 * at once, and under load those reads come in bursts that make the slowest adds (see docs/cart-writes.md).
 */
const REFRESH_FROM = 0.6;
/** A claim to refresh that is older than this is taken over: its request may have ended without storing. */
const CLAIM_TIMEOUT_MS = 1_000;
/** D1 binds at most 100 parameters per query: a refresh takes other due SKUs along up to this many in all. */
const MAX_SKUS_PER_QUERY = 100;

// Plain values only: every request loads its own misses, so no request ever awaits another's I/O. A claim to
// refresh is a plain time stamp, never a promise: nobody waits for it, and a claim whose request ended expires.
// `null` records a SKU the catalog does not know, so made-up SKUs are not a D1 query each.
const entries = new Map<string, { facts: Readonly<SkuFacts> | null; loadedAt: number; claimedAt: number }>();
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
  entries.set(sku, { facts, loadedAt, claimedAt: 0 });
}

// One query: the first picture comes from a correlated subquery on (product_id, position). Built once per
// binding; the SKUs go in as one JSON list, so the SQL is the same for any number of them.
const skuFactsQuery = preparedQuery((db) =>
  db
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
      weightGrams: productVariants.weightGrams,
      vendorId: products.vendorId,
      categoryPath: products.categoryPath,
      status: products.status,
      sellerListed: sql<number>`${sellerListed(products.vendorId)}`,
      image: sql<
        string | null
      >`(select ${productImages.url} from ${productImages} where ${productImages.productId} = ${products.id} order by ${productImages.position}, ${productImages}.rowid limit 1)`,
    })
    .from(productVariants)
    .innerJoin(products, eq(products.id, productVariants.productId))
    .where(sql`${productVariants.sku} in (select value from json_each(${sql.placeholder("skus")}))`)
    .prepare(),
);

async function loadSkuFacts(env: Env, skus: string[]): Promise<Map<string, Readonly<SkuFacts>>> {
  const rows = await skuFactsQuery(env.DB).all({ skus: JSON.stringify(skus) });
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
 * are reused; the rest are read from D1 in one query by this request. An answer past 60 % of
 * its max age is read again by the first request to see it (with any other answers then due,
 * in the same query) while the others keep using it. Pass 0 wherever the answer decides money
 * or stock (checkout, the cart as shown before paying).
 */
export async function lookupSkus(env: Env, skus: readonly string[], maxAgeMs: number): Promise<Map<string, Readonly<SkuFacts>>> {
  const found = new Map<string, Readonly<SkuFacts>>();
  const missing: string[] = [];
  const now = Date.now();
  const due = (entry: { loadedAt: number; claimedAt: number }) => now - entry.loadedAt >= maxAgeMs * REFRESH_FROM && now - entry.claimedAt >= CLAIM_TIMEOUT_MS;
  let refreshing = false;
  for (const sku of new Set(skus)) {
    const hit = maxAgeMs > 0 ? entries.get(sku) : undefined;
    if (hit && now - hit.loadedAt < maxAgeMs) {
      if (hit.facts) found.set(sku, hit.facts);
      if (due(hit)) {
        hit.claimedAt = now;
        missing.push(sku);
        refreshing = true;
      }
    } else {
      missing.push(sku);
    }
  }
  if (!missing.length) return found;
  if (refreshing) {
    // One query refreshes every answer then due, so due answers are read in a few batches, not one by one.
    for (const [sku, entry] of entries) {
      if (missing.length >= MAX_SKUS_PER_QUERY) break;
      if (now - entry.loadedAt < maxAgeMs && due(entry)) {
        entry.claimedAt = now;
        missing.push(sku);
      }
    }
  }
  const startedAt = Date.now();
  const startedIn = generation;
  const loaded = await loadSkuFacts(env, missing);
  const keep = startedIn === generation;
  const asked = new Set(skus);
  for (const sku of missing) {
    const facts = loaded.get(sku) ?? null;
    if (asked.has(sku)) {
      if (facts) found.set(sku, facts);
      else found.delete(sku);
    }
    if (keep) remember(sku, facts, startedAt);
  }
  return found;
}
