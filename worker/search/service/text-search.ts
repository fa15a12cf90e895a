import { PRICE_BUCKETS } from "../buckets";
import type { Dictionaries, FacetCounts } from "./facets";
import { type ActiveFilter, type Dim, inSubtree, type SearchFilters } from "./filters";
import { type DocumentSnapshot, NONE } from "./snapshot";

/**
 * The candidate pass of a text search, done in the Worker over the document snapshot (see
 * snapshot.ts): D1 lists the documents the words match, and their filter, facet and sort fields
 * come from the snapshot. The filters and counting rules are those of the SQL candidate pass
 * that searches without words use (listing.ts `candidatesSql`).
 */

const bump = (counts: Int32Array, i: number) => {
  counts[i] = (counts[i] ?? 0) + 1;
};

export type Test = (doc: number) => boolean;

/** One predicate per active filter, in the same order, equal to the filter's SQL condition. */
export function documentTests(snapshot: DocumentSnapshot, active: ActiveFilter[], filters: SearchFilters, dictionaries: Dictionaries): Test[] {
  return active.map((f): Test => {
    if (f.dim === "category") {
      // Same range as the SQL: [path, path with its last "/" raised to "0"); unknown slug: nothing.
      // Tested per interned category (a document's path is its category's).
      const path = dictionaries.categories.find((c) => c.slug === filters.category)?.path;
      if (path === undefined) return () => false;
      const allowed = new Uint8Array(snapshot.categories.values.length);
      const within = inSubtree(path);
      snapshot.categoryPaths.forEach((p, i) => {
        if (within(p)) allowed[i] = 1;
      });
      return (doc) => allowed[snapshot.categoryIdx[doc] as number] === 1;
    }
    if (f.dim === "brand") {
      const slugs = new Set(filters.brand ?? []);
      // By interned index: one array read per document instead of a string hash.
      const allowed = new Uint8Array(snapshot.brands.values.length);
      for (const [id, b] of dictionaries.brands) {
        const i = snapshot.brands.find(id);
        if (i >= 0 && slugs.has(b.slug)) allowed[i] = 1;
      }
      return (doc) => allowed[snapshot.brandIdx[doc] as number] === 1;
    }
    if (f.dim === "vendor") {
      const allowed = new Uint8Array(snapshot.vendors.values.length);
      for (const id of filters.vendor ?? []) {
        const i = snapshot.vendors.find(id);
        if (i >= 0) allowed[i] = 1;
      }
      return (doc) => allowed[snapshot.vendorIdx[doc] as number] === 1;
    }
    if (f.dim === "price") {
      const min = filters.minPrice ?? Number.NEGATIVE_INFINITY;
      const max = filters.maxPrice ?? Number.POSITIVE_INFINITY;
      return (doc) => {
        const p = snapshot.price[doc] as number;
        return p >= min && p <= max;
      };
    }
    if (f.dim === "rating") {
      const min = Math.round((filters.rating ?? 0) * 100);
      return (doc) => (snapshot.rating[doc] as number) >= min;
    }
    if (f.dim === "inStock") return (doc) => snapshot.inStock[doc] === 1;
    const name = f.dim.slice("attr:".length);
    const values = new Set(filters.attributes[name] ?? []);
    const allowed: boolean[] = [];
    for (const [id, a] of dictionaries.attributes) if (a.name === name && values.has(a.value)) allowed[id] = true;
    return (doc) => {
      for (const id of snapshot.attributesOf(doc)) if (allowed[id] === true) return true;
      return false;
    };
  });
}

/**
 * Counts the facets of a text search and lists its results: `ids` are the documents the words
 * match (with their bm25 `scores` when ranked, lower is better), `tests` the active filters
 * (`dims` their dimensions, same order). A document passing every filter is listed and counted
 * for every dimension; one failing exactly filter D is counted for D's values only (so selecting
 * "red" still counts blue). Ids the snapshot does not hold (removed between the two reads of one
 * request) are skipped. Answers the matching doc ids; `counts` receives the facet counts.
 */
export function countText(
  snapshot: DocumentSnapshot,
  o: { ids: number[]; scores: number[] | null; tests: Test[]; dims: Dim[]; counts: FacetCounts; dictionaries: Dictionaries },
): { matching: number[]; score: Float64Array } {
  const { ids, scores, tests, dims, counts } = o;
  const category = new Int32Array(snapshot.categories.values.length);
  const brand = new Int32Array(snapshot.brands.values.length);
  const vendor = new Int32Array(snapshot.vendors.values.length);
  const price = new Int32Array(PRICE_BUCKETS.length);
  const rating = new Int32Array(6);
  let inStock = 0;
  let topAttribute = 0;
  for (const id of o.dictionaries.attributes.keys()) topAttribute = Math.max(topAttribute, id);
  const attributes = new Int32Array(topAttribute + 1);
  // Which attribute values belong to the dimension of each filter (for documents failing only it).
  const attributeName: string[] = [];
  for (const [id, a] of o.dictionaries.attributes) attributeName[id] = a.name;
  const matching: number[] = [];
  // By doc id (typed: a plain array written at scattered indexes turns into a slow dictionary).
  const score = new Float64Array(scores ? snapshot.capacity : 0);
  for (let i = 0; i < ids.length; i++) {
    const doc = ids[i] as number;
    if (!snapshot.has(doc)) continue;
    let failedAt = -1;
    let failures = 0;
    for (let t = 0; t < tests.length; t++) {
      if ((tests[t] as Test)(doc)) continue;
      failedAt = t;
      if (++failures > 1) break;
    }
    if (failures > 1) continue;
    const c = snapshot.categoryIdx[doc] as number;
    const b = snapshot.brandIdx[doc] as number;
    const v = snapshot.vendorIdx[doc] as number;
    const attrs = snapshot.attributesOf(doc);
    if (failures === 0) {
      matching.push(doc);
      if (scores) score[doc] = scores[i] as number;
      bump(category, c);
      if (b !== NONE) bump(brand, b);
      if (v !== NONE) bump(vendor, v);
      bump(price, snapshot.priceBucket[doc] as number);
      bump(rating, snapshot.ratingBucket[doc] as number);
      if (snapshot.inStock[doc] === 1) inStock++;
      for (const id of attrs) bump(attributes, id);
      continue;
    }
    const dim = dims[failedAt] as Dim;
    if (dim === "category") bump(category, c);
    else if (dim === "brand") {
      if (b !== NONE) bump(brand, b);
    } else if (dim === "vendor") {
      if (v !== NONE) bump(vendor, v);
    } else if (dim === "price") bump(price, snapshot.priceBucket[doc] as number);
    else if (dim === "rating") bump(rating, snapshot.ratingBucket[doc] as number);
    else if (dim === "inStock") {
      if (snapshot.inStock[doc] === 1) inStock++;
    } else {
      const name = dim.slice("attr:".length);
      for (const id of attrs) if (attributeName[id] === name) bump(attributes, id);
    }
  }
  const add = <K>(map: Map<K, number>, key: K, n: number): void => {
    if (n > 0) map.set(key, (map.get(key) ?? 0) + n);
  };
  category.forEach((n, i) => {
    add(counts.category, snapshot.categories.values[i] as string, n);
  });
  brand.forEach((n, i) => {
    add(counts.brand, snapshot.brands.values[i] as string, n);
  });
  vendor.forEach((n, i) => {
    add(counts.vendor, snapshot.vendors.values[i] as string, n);
  });
  price.forEach((n, i) => {
    add(counts.price, i, n);
  });
  rating.forEach((n, i) => {
    add(counts.rating, i, n);
  });
  counts.inStock += inStock;
  attributes.forEach((n, id) => {
    add(counts.attributes, id, n);
  });
  return { matching, score };
}
