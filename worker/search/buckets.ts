// Plain constants (no zod), shared by the search schema, the service and the benchmark.

/**
 * Price facet buckets in minor units of the base currency: [min, max) each. The same boundaries
 * are written into the facet-count triggers of migrations/0002_search_index.sql.
 */
export const PRICE_BUCKETS: ReadonlyArray<{ min: number; max: number | null }> = [
  { min: 0, max: 2500 },
  { min: 2500, max: 5000 },
  { min: 5000, max: 10000 },
  { min: 10000, max: 20000 },
  { min: 20000, max: 50000 },
  { min: 50000, max: null },
];

/** Minimum-rating choices offered as a facet ("4 stars & up" …). */
export const RATING_STEPS = [4, 3, 2, 1] as const;
