import { bumpCacheVersion, onCacheVersionChange, requestCacheVersionBump } from "../lib/cache-version";
import { purgeResponseCache } from "../lib/response-cache";

/** Catalog answers may be reused briefly by browsers and shared caches, then revalidated. */
export const CATALOG_CACHE_CONTROL = "public, max-age=30, s-maxage=60, stale-while-revalidate=300";

/** Hot catalog reads are served from this isolate's memory for this long. */
export const CATALOG_TTL_MS = 30_000;

// Every in-isolate copy of catalog data registers here: catalog's own reads, the SKU facts of the cart,
// and later layers' copies (search listings and suggestions). Later layers register themselves, so
// catalog never imports them.
const forgetters: Array<() => void> = [purgeResponseCache];

/** Forgets every catalog answer and rendered page this isolate holds (the shared copies stay, under their version). */
function forgetCatalogCache(): void {
  for (const forget of forgetters) forget();
}
// Another isolate's write moved the version on: what this isolate read before it is old.
onCacheVersionChange(forgetCatalogCache);

/**
 * Registers `forget` to run whenever catalog data changes (a write in this isolate, or the catalog
 * version moving on in another): a cache of catalog data, in any domain, empties itself there.
 */
export function onCatalogChange(forget: () => void): void {
  forgetters.push(forget);
}

/**
 * Call after a catalog write (products, categories, stock status, sold counts) has committed:
 * forgets this isolate's copies and moves the catalog version on, so every isolate and every
 * edge location stops serving the old answers and pages within seconds (docs/caching.md).
 */
export async function catalogChanged(d1: D1Database): Promise<void> {
  forgetCatalogCache();
  await bumpCacheVersion(d1);
}

/**
 * The same without waiting, for callers that cannot (and tests that write D1 directly): this
 * isolate forgets at once and its next catalog request moves the version on before reading.
 */
export function purgeCatalogCache(): void {
  forgetCatalogCache();
  requestCacheVersionBump();
}
