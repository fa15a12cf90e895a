// The recommenders' arithmetic, free of bindings and imports, so the Worker's cron and the offline
// evaluation (`npm run eval:recs`, plain Node) score with the very same code.

/** One paid order: the distinct products in it and when it was placed (epoch ms). */
export interface Basket {
  products: readonly string[];
  at: number;
}

/** What content similarity looks at in a product. */
export interface ProductDoc {
  id: string;
  name: string;
  brandId: string | null;
  /** The category and its ancestors, nearest first. */
  categoryIds: readonly string[];
  attributes: ReadonlyArray<{ name: string; value: string }>;
}

export interface Scored {
  id: string;
  score: number;
}

/** Rows kept per product and kind: enough to survive the serve-time filters (stock, self, bought). */
export const KEPT_PER_PRODUCT = 30;
/** A co-purchase loses half its weight after this many days. */
export const HALF_LIFE_DAYS = 90;
/** Larger orders are wholesale or test orders; their pairs say little and cost n². */
export const MAX_BASKET = 20;
/** Shrinks the Jaccard of rarely seen pairs towards zero (pseudo-count of weighted orders). */
const SHRINK = 1;

/** exp(-ln2 · age / half-life): an order today weighs 1, one half-life ago 0.5. */
export function decayWeight(at: number, now: number, halfLifeDays = HALF_LIFE_DAYS): number {
  const ageDays = Math.max(0, now - at) / 86_400_000;
  return 2 ** (-ageDays / halfLifeDays);
}

/**
 * "Frequently bought together": for every product, the products most often in the same paid order,
 * scored by a time-decayed Jaccard index c(i,j) / (c(i) + c(j) − c(i,j) + 1), where c sums each order's
 * decay weight. Jaccard (rather than lift) keeps one-off pairs of rare products from topping the list;
 * the +1 shrinks pairs seen once.
 */
export function coPurchaseScores(baskets: readonly Basket[], now: number, keep = KEPT_PER_PRODUCT): Map<string, Scored[]> {
  const single = new Map<string, number>();
  const pair = new Map<string, Map<string, number>>();
  for (const basket of baskets) {
    const items = [...new Set(basket.products)];
    if (items.length > MAX_BASKET) continue;
    const w = decayWeight(basket.at, now);
    for (const a of items) {
      single.set(a, (single.get(a) ?? 0) + w);
      if (items.length < 2) continue;
      let row = pair.get(a);
      if (!row) {
        row = new Map();
        pair.set(a, row);
      }
      for (const b of items) if (b !== a) row.set(b, (row.get(b) ?? 0) + w);
    }
  }
  const out = new Map<string, Scored[]>();
  for (const [a, row] of pair) {
    const ca = single.get(a) ?? 0;
    const scored: Scored[] = [];
    for (const [b, cab] of row) scored.push({ id: b, score: cab / (ca + (single.get(b) ?? 0) - cab + SHRINK) });
    out.set(a, top(scored, keep));
  }
  return out;
}

/** Lower-case word tokens of a name (letters and digits, two characters or more). */
export function words(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}]{2,}/gu) ?? []).filter((w) => !STOP_WORDS.has(w));
}
const STOP_WORDS = new Set(["and", "the", "for", "with", "of", "in", "on", "to", "a"]);

/** The knobs of content similarity; `SIMILARITY_DEFAULTS` are what the store uses (chosen as docs/recommendations.md says). */
export interface SimilarityOptions {
  /** Rows kept per product. */
  keep: number;
  /** Terms carried by more than this share of a large catalog are skipped. */
  maxDocShare: number;
  /** Weight of the brand term. */
  brandWeight: number;
  /** Weight of the product's own category (its ancestors weigh `ancestorWeight`). */
  categoryWeight: number;
  ancestorWeight: number;
  /** How much sales lift a candidate: score = cosine × (1 + sales)^exponent; 0 is pure content. */
  popularityExponent: number;
}

export const SIMILARITY_DEFAULTS: SimilarityOptions = {
  keep: KEPT_PER_PRODUCT,
  maxDocShare: 0.2,
  brandWeight: 3,
  categoryWeight: 3,
  ancestorWeight: 0.5,
  popularityExponent: 0.3,
};

/**
 * The weighted terms of a product: name words, brand, category (the own category weighs more than
 * its ancestors) and attribute values. Prefixes keep a brand named "Oak" apart from the word "oak".
 */
export function termsOf(
  doc: ProductDoc,
  options: Pick<SimilarityOptions, "brandWeight" | "categoryWeight" | "ancestorWeight"> = SIMILARITY_DEFAULTS,
): Map<string, number> {
  const terms = new Map<string, number>();
  const add = (t: string, w: number) => terms.set(t, (terms.get(t) ?? 0) + w);
  for (const w of words(doc.name)) add(`w:${w}`, 1);
  if (doc.brandId) add(`b:${doc.brandId}`, options.brandWeight);
  for (const [depth, c] of doc.categoryIds.entries()) add(`c:${c}`, depth === 0 ? options.categoryWeight : options.ancestorWeight);
  for (const a of doc.attributes) add(`a:${a.name.toLowerCase()}=${a.value.toLowerCase()}`, 1);
  return terms;
}

/**
 * Re-ranks content neighbours by what sells: cosine × (1 + sales)^exponent. Among products that are
 * equally alike, the one shoppers buy is the better suggestion; the exponent keeps a best seller that is
 * barely alike from jumping a close match.
 */
export function withPopularity(score: number, sales: number, exponent: number): number {
  return exponent === 0 ? score : score * (1 + Math.max(0, sales)) ** exponent;
}

/**
 * "Similar items": cosine similarity of TF-IDF vectors over `termsOf`, lifted by sales (`withPopularity`,
 * `popularity` maps a product id to its paid sales; missing means none). Scores are accumulated through
 * an inverted index, so only products sharing a term are compared; terms carried by more than
 * `maxDocShare` of a large catalog are skipped (their IDF is near zero and their postings are the cost).
 */
export function contentSimilarity(
  docs: readonly ProductDoc[],
  popularity: ReadonlyMap<string, number> = new Map(),
  overrides: Partial<SimilarityOptions> = {},
): Map<string, Scored[]> {
  const options = { ...SIMILARITY_DEFAULTS, ...overrides };
  const n = docs.length;
  const df = new Map<string, number>();
  const termLists = docs.map((d) => termsOf(d, options));
  for (const terms of termLists) for (const t of terms.keys()) df.set(t, (df.get(t) ?? 0) + 1);
  const maxDf = Math.max(100, Math.floor(n * options.maxDocShare));
  // Unit-length vectors, and the postings of the terms worth comparing on.
  const vectors = termLists.map((terms) => {
    const v = new Map<string, number>();
    let norm = 0;
    for (const [t, tf] of terms) {
      const w = tf * Math.log((1 + n) / (1 + (df.get(t) ?? 0)));
      if (w <= 0) continue;
      v.set(t, w);
      norm += w * w;
    }
    norm = Math.sqrt(norm) || 1;
    for (const [t, w] of v) v.set(t, w / norm);
    return v;
  });
  const postings = new Map<string, Array<{ doc: number; w: number }>>();
  vectors.forEach((v, doc) => {
    for (const [t, w] of v) {
      if ((df.get(t) ?? 0) > maxDf) continue;
      let list = postings.get(t);
      if (!list) {
        list = [];
        postings.set(t, list);
      }
      list.push({ doc, w });
    }
  });
  const out = new Map<string, Scored[]>();
  vectors.forEach((v, doc) => {
    const acc = new Map<number, number>();
    for (const [t, w] of v) {
      const list = postings.get(t);
      if (!list) continue;
      for (const p of list) if (p.doc !== doc) acc.set(p.doc, (acc.get(p.doc) ?? 0) + w * p.w);
    }
    const scored: Scored[] = [];
    for (const [other, score] of acc) {
      const id = (docs[other] as ProductDoc).id;
      scored.push({ id, score: withPopularity(score, popularity.get(id) ?? 0, options.popularityExponent) });
    }
    const self = (docs[doc] as ProductDoc).id;
    if (scored.length) out.set(self, top(scored, options.keep));
  });
  return out;
}

/** The `k` best by score; ties by id so every run and every machine gives the same order. */
export function top(items: Scored[], k: number): Scored[] {
  return items.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).slice(0, k);
}

/**
 * Merges ranked lists: each candidate's score is the weighted sum of its reciprocal ranks
 * (1 / (rank + 60)), the usual reciprocal-rank fusion, so lists of unlike scores combine fairly.
 */
export function fuse(lists: ReadonlyArray<{ items: readonly Scored[]; weight: number }>, k: number): Scored[] {
  const acc = new Map<string, number>();
  for (const { items, weight } of lists) for (const [rank, s] of items.entries()) acc.set(s.id, (acc.get(s.id) ?? 0) + weight / (rank + 60));
  return top(
    [...acc].map(([id, score]) => ({ id, score })),
    k,
  );
}
