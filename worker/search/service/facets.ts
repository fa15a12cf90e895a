import { formatMoney } from "../../lib/money";
import { PRICE_BUCKETS, RATING_STEPS } from "../buckets";
import type { CategoryFacetValue, FacetValue, PriceFacetValue, SearchFacets } from "../schema";
import type { Dim, SearchFilters } from "./filters";

export interface CategoryRow {
  id: string;
  parentId: string | null;
  slug: string;
  name: string;
  path: string;
  depth: number;
  position: number;
}

/** Everything needed to turn ids into labels and filter values, read in the same batch as the counts. */
export interface Dictionaries {
  categories: CategoryRow[];
  brands: Map<string, { slug: string; name: string }>;
  /** Active sellers' names by vendor id (the vendor facet's labels; its values stay the ids). */
  vendors: Map<string, string>;
  attributes: Map<number, { name: string; value: string }>;
}

/** Index of the price bucket holding `price` (the triggers use the same boundaries). */
export function priceBucket(price: number): number {
  const i = PRICE_BUCKETS.findIndex((b) => b.max === null || price < b.max);
  return i < 0 ? PRICE_BUCKETS.length - 1 : i;
}

/** Whole stars, rounded down, of a rating × 100. */
export function ratingBucket(rating: number): number {
  return Math.floor(Math.min(Math.max(rating, 0), 500) / 100);
}

/** Which dimensions a kind of document counts for, resolved once. */
export interface DocumentWants {
  category: boolean;
  brand: boolean;
  vendor: boolean;
  price: boolean;
  rating: boolean;
  inStock: boolean;
  someAttribute: boolean;
  attribute: (valueId: number) => boolean;
}

const increment = <K>(map: Map<K, number>, key: K, by = 1) => map.set(key, (map.get(key) ?? 0) + by);

/**
 * Raw facet counts, filled from candidate documents or from cells of the facet-count table.
 * The caller decides which dimensions each source may count (see `wants`).
 */
export class FacetCounts {
  readonly category = new Map<string, number>();
  readonly brand = new Map<string, number>();
  readonly vendor = new Map<string, number>();
  readonly price = new Map<number, number>();
  readonly rating = new Map<number, number>();
  inStock = 0;
  readonly attributes = new Map<number, number>();

  private readonly dictionaries: Dictionaries;

  constructor(dictionaries: Dictionaries) {
    this.dictionaries = dictionaries;
  }

  /** Multiplies every count by `factor` (a sample's counts to the whole), each rounded by `round`. */
  scale(factor: number, round: (n: number) => number): void {
    for (const map of [this.category, this.brand, this.vendor, this.price, this.rating, this.attributes] as Array<Map<unknown, number>>) {
      for (const [key, n] of map) map.set(key, round(n * factor));
    }
    this.inStock = round(this.inStock * factor);
  }

  /** Counts one document for every dimension `wants` accepts (see `documentWants`). */
  addDocument(
    doc: {
      categoryId: string;
      brandId: string | null;
      vendorId: string | null;
      price: number;
      rating: number;
      inStock: number;
      /** ",12,57," or the parsed ids. */
      attributeIds: string | readonly number[];
    },
    wants: DocumentWants,
  ): void {
    if (wants.category) increment(this.category, doc.categoryId);
    if (doc.brandId && wants.brand) increment(this.brand, doc.brandId);
    if (doc.vendorId && wants.vendor) increment(this.vendor, doc.vendorId);
    if (wants.price) increment(this.price, priceBucket(doc.price));
    if (wants.rating) increment(this.rating, ratingBucket(doc.rating));
    if (doc.inStock === 1 && wants.inStock) this.inStock++;
    const list = doc.attributeIds;
    if (!wants.someAttribute) return;
    if (typeof list !== "string") {
      for (const id of list) if (wants.attribute(id)) increment(this.attributes, id);
      return;
    }
    let start = 1;
    for (let end = list.indexOf(",", start); end > 0; end = list.indexOf(",", start)) {
      const id = Number(list.slice(start, end));
      start = end + 1;
      if (wants.attribute(id)) increment(this.attributes, id);
    }
  }

  /** The dimensions `wants` accepts, resolved once for counting many documents. */
  documentWants(wants: (dim: Dim) => boolean): DocumentWants {
    const byName = new Map<string, boolean>();
    const byId = new Map<number, boolean>();
    for (const [id, a] of this.dictionaries.attributes) {
      let w = byName.get(a.name);
      if (w === undefined) {
        w = wants(`attr:${a.name}`);
        byName.set(a.name, w);
      }
      byId.set(id, w);
    }
    return {
      category: wants("category"),
      brand: wants("brand"),
      vendor: wants("vendor"),
      price: wants("price"),
      rating: wants("rating"),
      inStock: wants("inStock"),
      someAttribute: [...byName.values()].some(Boolean),
      attribute: (id) => byId.get(id) === true,
    };
  }

  /** Adds a cell of the facet-count table's totals for every dimension `wants` accepts. */
  addTotals(cell: { categoryId: string; inStock: number; priceBucket: number; ratingBucket: number }, n: number, wants: (dim: Dim) => boolean): void {
    if (wants("category")) increment(this.category, cell.categoryId, n);
    if (cell.inStock === 1 && wants("inStock")) this.inStock += n;
    if (wants("price")) increment(this.price, cell.priceBucket, n);
    if (wants("rating")) increment(this.rating, cell.ratingBucket, n);
  }

  /** Adds a brand, vendor or attribute value sum of the facet-count table, if `wants` accepts it. */
  addValue(facet: string, value: string, n: number, wants: (dim: Dim) => boolean): void {
    if (facet === "brand" && wants("brand")) increment(this.brand, value, n);
    else if (facet === "vendor" && wants("vendor")) increment(this.vendor, value, n);
    else if (facet === "attr") {
      const attribute = this.dictionaries.attributes.get(Number(value));
      if (attribute && wants(`attr:${attribute.name}`)) increment(this.attributes, Number(value), n);
    }
  }
}

const byCountThenLabel = (a: FacetValue, b: FacetValue) => b.count - a.count || a.label.localeCompare(b.label);

/** A bucket boundary as a short price: "$25" rather than "$25.00" (the boundaries are round amounts). */
function boundary(amount: number, currency: string): string {
  return formatMoney({ amount, currency }).replace(/\.0+(?!\d)/, "");
}

/** The price bucket's label in `currency`, e.g. "Under $25", "$25 to $50", "$500 and up" (USD). */
export function priceBucketLabel(i: number, currency: string): string {
  const bucket = PRICE_BUCKETS[i];
  if (!bucket) return "";
  if (bucket.min === 0 && bucket.max !== null) return `Under ${boundary(bucket.max, currency)}`;
  if (bucket.max === null) return `${boundary(bucket.min, currency)} and up`;
  return `${boundary(bucket.min, currency)} to ${boundary(bucket.max, currency)}`;
}

const priceLabels = new Map<string, string[]>();
function priceLabelsIn(currency: string): string[] {
  let labels = priceLabels.get(currency);
  if (!labels) {
    labels = PRICE_BUCKETS.map((_, i) => priceBucketLabel(i, currency));
    priceLabels.set(currency, labels);
  }
  return labels;
}

/** Shapes counts into the API's facets, marking the values the filters select. */
export function buildFacets(counts: FacetCounts, filters: SearchFilters, dictionaries: Dictionaries, currency: string): SearchFacets {
  return {
    category: categoryFacet(counts, filters, dictionaries.categories),
    brand: listFacet(
      counts.brand,
      filters.brand ?? [],
      (id) => dictionaries.brands.get(id),
      (slug) => {
        for (const [id, b] of dictionaries.brands) if (b.slug === slug) return id;
        return undefined;
      },
    ),
    vendor: listFacet(
      counts.vendor,
      filters.vendor ?? [],
      (id) => ({ slug: id, name: dictionaries.vendors.get(id) ?? id }),
      (id) => id,
    ),
    price: priceFacet(counts, filters, currency),
    rating: ratingFacet(counts, filters),
    inStock: [{ value: "true", label: "In stock", count: counts.inStock, selected: filters.inStock === true }],
    attributes: attributeFacets(counts, filters, dictionaries),
  };
}

function categoryFacet(counts: FacetCounts, filters: SearchFilters, categories: CategoryRow[]): CategoryFacetValue[] {
  const byId = new Map(categories.map((c) => [c.id, c]));
  // A product counts for its own category and every ancestor (the filter includes subcategories).
  const subtree = new Map<string, number>();
  for (const [id, n] of counts.category) {
    const category = byId.get(id);
    if (!category) continue;
    for (const ancestor of category.path.split("/").filter(Boolean)) increment(subtree, ancestor, n);
  }
  const children = new Map<string | null, CategoryRow[]>();
  for (const c of categories) {
    const list = children.get(c.parentId) ?? [];
    list.push(c);
    children.set(c.parentId, list);
  }
  const out: CategoryFacetValue[] = [];
  const walk = (parentId: string | null, parentSlug: string | null) => {
    const list = (children.get(parentId) ?? []).slice().sort((a, b) => a.position - b.position || a.name.localeCompare(b.name));
    for (const c of list) {
      const count = subtree.get(c.id) ?? 0;
      const selected = filters.category === c.slug;
      if (count === 0 && !selected) continue;
      out.push({ value: c.slug, label: c.name, count, selected, parent: parentSlug, depth: c.depth });
      walk(c.id, c.slug);
    }
  };
  walk(null, null);
  return out;
}

function listFacet(
  counts: Map<string, number>,
  selected: string[],
  describe: (id: string) => { slug: string; name: string } | undefined,
  idOf: (value: string) => string | undefined,
): FacetValue[] {
  const out: FacetValue[] = [];
  const seen = new Set<string>();
  for (const [id, count] of counts) {
    const d = describe(id);
    if (!d || count <= 0) continue;
    seen.add(d.slug);
    out.push({ value: d.slug, label: d.name, count, selected: selected.includes(d.slug) });
  }
  // A selected value keeps its checkbox even when nothing else matches it any more.
  for (const value of selected) {
    if (seen.has(value)) continue;
    const id = idOf(value);
    const d = id ? describe(id) : undefined;
    out.push({ value, label: d?.name ?? value, count: 0, selected: true });
  }
  return out.sort(byCountThenLabel);
}

function priceFacet(counts: FacetCounts, filters: SearchFilters, currency: string): PriceFacetValue[] {
  const out: PriceFacetValue[] = [];
  const labels = priceLabelsIn(currency);
  PRICE_BUCKETS.forEach((bucket, i) => {
    const count = counts.price.get(i) ?? 0;
    const max = bucket.max === null ? null : bucket.max - 1;
    const selected = (filters.minPrice ?? 0) === bucket.min && (filters.maxPrice ?? null) === max && (filters.minPrice !== undefined || max !== null);
    if (count === 0 && !selected) return;
    out.push({ value: `${bucket.min}-${max ?? ""}`, label: labels[i] ?? "", count, selected, min: bucket.min, max });
  });
  return out;
}

function ratingFacet(counts: FacetCounts, filters: SearchFilters): FacetValue[] {
  const out: FacetValue[] = [];
  for (const stars of RATING_STEPS) {
    let count = 0;
    for (const [bucket, n] of counts.rating) if (bucket >= stars) count += n;
    const selected = filters.rating === stars;
    if (count === 0 && !selected) continue;
    out.push({ value: String(stars), label: `${stars} stars & up`, count, selected });
  }
  return out;
}

function attributeFacets(counts: FacetCounts, filters: SearchFilters, dictionaries: Dictionaries): Record<string, FacetValue[]> {
  const groups = new Map<string, FacetValue[]>();
  for (const [id, count] of counts.attributes) {
    const attribute = dictionaries.attributes.get(id);
    if (!attribute || count <= 0) continue;
    const list = groups.get(attribute.name) ?? [];
    list.push({ value: attribute.value, label: attribute.value, count, selected: filters.attributes[attribute.name]?.includes(attribute.value) ?? false });
    groups.set(attribute.name, list);
  }
  for (const [name, values] of Object.entries(filters.attributes)) {
    const list = groups.get(name) ?? [];
    for (const value of values) if (!list.some((v) => v.value === value)) list.push({ value, label: value, count: 0, selected: true });
    groups.set(name, list);
  }
  const total = (list: FacetValue[]) => list.reduce((s, v) => s + v.count, 0);
  const names = [...groups.keys()].sort((a, b) => total(groups.get(b) ?? []) - total(groups.get(a) ?? []) || a.localeCompare(b));
  return Object.fromEntries(names.map((name) => [name, (groups.get(name) ?? []).sort(byCountThenLabel)]));
}
