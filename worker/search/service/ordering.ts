import type { ProductSort } from "../schema";
import type { DocumentSnapshot } from "./snapshot";

// Ordering a listing's matches in the Worker: candidate rows (by index) or the snapshot's columns (by doc id).

/** What ordering reads: candidate columns by index, or snapshot columns by doc id (no `doc_id`: the index is the doc id). */
export type SortColumns = {
  doc_id?: ArrayLike<number>;
  price: ArrayLike<number>;
  rating: ArrayLike<number>;
  rating_count?: ArrayLike<number>;
  featured?: ArrayLike<number>;
  sold?: ArrayLike<number>;
  created_at?: ArrayLike<string | number>;
  score?: ArrayLike<number>;
};

/** Compares two candidates (by index) in `sort` order, ties by doc id. */
export function compareCandidates(c: SortColumns, sort: ProductSort, ranked: boolean): (a: number, b: number) => number {
  const ids = c.doc_id;
  const id = ids ? (a: number, b: number) => (ids[a] ?? 0) - (ids[b] ?? 0) : (a: number, b: number) => a - b;
  const n = (list: ArrayLike<number> | undefined, i: number) => list?.[i] ?? 0;
  switch (sort) {
    case "relevance":
      return ranked
        ? (a, b) => n(c.score, a) - n(c.score, b) || n(c.sold, b) - n(c.sold, a) || id(a, b)
        : (a, b) => n(c.featured, b) - n(c.featured, a) || n(c.sold, b) - n(c.sold, a) || id(a, b);
    case "price_asc":
      return (a, b) => n(c.price, a) - n(c.price, b) || id(a, b);
    case "price_desc":
      return (a, b) => n(c.price, b) - n(c.price, a) || id(a, b);
    case "newest":
      return (a, b) => {
        const x = c.created_at?.[a] ?? "";
        const y = c.created_at?.[b] ?? "";
        return (x < y ? 1 : x > y ? -1 : 0) || id(a, b);
      };
    case "rating":
      return (a, b) => n(c.rating, b) - n(c.rating, a) || n(c.rating_count, b) - n(c.rating_count, a) || id(a, b);
    case "bestselling":
      return (a, b) => n(c.sold, b) - n(c.sold, a) || id(a, b);
  }
}

/** The first `k` of `items` in `compare` order: a bounded insertion pass when k is small, else a sort. */
export function firstInOrder(items: number[], k: number, compare: (a: number, b: number) => number): number[] {
  if (k <= 0) return [];
  if (k > 500 || k * 8 > items.length) return items.sort(compare).slice(0, k);
  const top: number[] = [];
  for (const item of items) {
    if (top.length === k && compare(item, top[k - 1] as number) >= 0) continue;
    let lo = 0;
    let hi = top.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compare(item, top[mid] as number) < 0) hi = mid;
      else lo = mid + 1;
    }
    top.splice(lo, 0, item);
    if (top.length > k) top.pop();
  }
  return top;
}

/** The snapshot's sort columns under the candidate column names (read by doc id). */
export function snapshotColumns(s: DocumentSnapshot): Omit<SortColumns, "score"> {
  return {
    price: s.price,
    rating: s.rating,
    rating_count: s.ratingCount,
    featured: s.featured,
    sold: s.sold,
    created_at: s.createdAt,
  };
}
