import { env } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { purgeCatalogCache } from "../../worker/catalog";
import type { ProductSort } from "../../worker/search/schema";
import { activeFilters, filtersOf } from "../../worker/search/service/filters";
import { searchProducts } from "../../worker/search/service/listing";
import { browsePageSql, browsePlans } from "../../worker/search/service/browse-page";
import { insertCategory, insertProduct } from "../support/factories";

// A browse of a category (no words) reads its page either from the category's index and a sort of all
// its products; or category by category, each from an index that gives its products in the sort's order;
// or, for a big category and a page near the top, by walking the sort order's own index a bounded
// distance and falling back to the category's index when the walk ends short
// (worker/search/service/browse-page.ts `browsePageSql`). Whichever way, the page must be the same.

const saved = { ...browsePlans };
const SORTS: ProductSort[] = ["relevance", "newest", "bestselling", "price_asc", "price_desc", "rating"];
const query = (extra: Record<string, unknown>) => ({ sort: "relevance", page: 1, perPage: 5, ...extra }) as never;

/** Every statement the listing sends, through the real D1. */
function recordingD1(): { db: D1Database; statements: string[] } {
  const statements: string[] = [];
  const db = new Proxy(env.DB, {
    get(target, prop) {
      if (prop === "prepare")
        return (sql: string) => {
          statements.push(sql);
          return target.prepare(sql);
        };
      const value = Reflect.get(target, prop);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { db, statements };
}

/**
 * The page's product ids and total read from the category's index and a sort (neither other way allowed),
 * then with the walk forced (every walkable sort walks) or the price sort read category by category.
 */
async function bothWays(extra: Record<string, unknown>, o: { slack?: number; merge?: boolean }) {
  browsePlans.rowCost = Number.POSITIVE_INFINITY;
  browsePlans.mergeCategories = 0;
  const plain = await searchProducts(env.DB, query(extra), "USD");
  browsePlans.rowCost = o.slack === undefined ? Number.POSITIVE_INFINITY : 0;
  browsePlans.slack = o.slack ?? saved.slack;
  browsePlans.mergeCategories = o.merge ? saved.mergeCategories : 0;
  const recording = recordingD1();
  const other = await searchProducts(recording.db, query(extra), "USD");
  return {
    plain: { total: plain.total, ids: plain.items.map((p) => p.slug) },
    walked: { total: other.total, ids: other.items.map((p) => p.slug) },
    usedWalk: recording.statements.some((s) => s.includes("WITH walked")),
    perCategory: recording.statements.some((s) => s.includes("d.category_path = ?")),
  };
}

beforeAll(async () => {
  const tools = await insertCategory(env.DB, { slug: "tools" });
  const hammers = await insertCategory(env.DB, { slug: "hammers" }, tools);
  const saws = await insertCategory(env.DB, { slug: "saws" }, tools);
  const garden = await insertCategory(env.DB, { slug: "garden" });
  // 120 products, a quarter of them tools (so the category's own index would lead), spread over the
  // doc ids. Tools are the dearest products: walking the price index from the cheapest end meets none of
  // them early, which is what makes a walk end short. Sales, featuring and dates repeat, so ties are
  // broken by doc id, as the sort orders say.
  for (let i = 0; i < 120; i++) {
    const isTool = i % 4 === 1;
    await insertProduct(env.DB, {
      slug: `${isTool ? "tool" : "plant"}-${i}`,
      category: isTool ? (i % 8 === 1 ? hammers : saws) : garden,
      soldCount: (i * 37) % 11,
      featured: i % 9 === 0 ? 1 : 0,
      ratingAvg: (i * 53) % 500,
      ratingCount: i % 5,
      createdAt: new Date(Date.UTC(2026, 0, 1 + (i % 17))).toISOString(),
      variants: [
        {
          sku: `B-${i}`,
          title: "Default",
          options: {},
          price: isTool ? 20_000 + ((i * 13) % 7) * 100 : 1_000 + ((i * 29) % 13) * 100,
          stockAvailable: i % 7 === 0 ? 0 : 3,
        },
      ],
    });
  }
  // A department with 26 subcategories: more categories than D1 allows terms in one compound SELECT (5).
  const lighting = await insertCategory(env.DB, { slug: "lighting" });
  for (let c = 0; c < 26; c++) {
    const sub = await insertCategory(env.DB, { slug: `lamps-${c}` }, lighting);
    for (let k = 0; k < 2; k++) {
      const i = c * 2 + k;
      await insertProduct(env.DB, {
        slug: `lamp-${i}`,
        category: sub,
        variants: [{ sku: `L-${i}`, title: "Default", options: {}, price: 3_000 + ((i * 41) % 23) * 100, stockAvailable: 2 }],
      });
    }
  }
  purgeCatalogCache();
});
afterEach(() => {
  Object.assign(browsePlans, saved);
});

describe("browsing a category by walking the sort order", () => {
  it("shows the same pages in every sort order whether it walks or not, also when the walk ends short", async () => {
    let walksUsed = 0;
    for (const sort of SORTS) {
      for (const page of [1, 2, 3]) {
        for (const slack of [1, 8]) {
          const { plain, walked, usedWalk } = await bothWays({ category: "tools", sort, page }, { slack });
          expect(walked, `${sort}, page ${page}, slack ${slack}`).toEqual(plain);
          expect(plain.ids.length).toBe(5);
          if (usedWalk) walksUsed++;
          // `rating` never walks: its index sorts whole groups of equal ratings. (Price sorts, allowed only
          // to walk here, walk.)
          expect(usedWalk).toBe(sort !== "rating");
        }
      }
    }
    expect(walksUsed).toBe(5 * 3 * 2);
  });

  it("falls back to the category's index when the sort order meets too few of its products", async () => {
    // From the cheapest end, the first 4 × (5 / 30) × 120 = 80 products are all plants: the walk finds no
    // tool, and the same statement answers from the category's index.
    const { plain, walked, usedWalk } = await bothWays({ category: "tools", sort: "price_asc" }, { slack: 1 });
    expect(usedWalk).toBe(true);
    expect(walked).toEqual(plain);
    expect(walked.ids.every((slug) => slug.startsWith("tool-"))).toBe(true);
    expect(walked.ids).toHaveLength(5);
  });

  it("keeps the other filters while walking: whole price buckets, stars and stock within a category", async () => {
    for (const sort of SORTS) {
      const { plain, walked, usedWalk } = await bothWays(
        { category: "tools", sort, minPrice: 20_000, maxPrice: 49_999, rating: 2, inStock: true, perPage: 4 },
        { slack: 8 },
      );
      expect(walked, sort).toEqual(plain);
      expect(usedWalk).toBe(sort !== "rating");
      // Some tools are out of stock or rated under 2 stars: the filters drop them.
      expect(plain.total).toBeGreaterThan(4);
      expect(plain.total).toBeLessThan(30);
    }
  });

  it("reads each category of the subtree in the sort's order and shows the same pages, in every sort order", async () => {
    for (const sort of SORTS) {
      for (const [category, extra] of [
        ["tools", {}],
        ["tools", { page: 3 }],
        ["tools", { page: 2, perPage: 7, rating: 2, inStock: true }],
        ["hammers", {}],
        ["hammers", { page: 2 }],
        ["garden", { page: 4 }],
      ] as const) {
        const { plain, walked, perCategory, usedWalk } = await bothWays({ category, sort, ...extra }, { merge: true });
        expect(walked, `${sort} ${category} ${JSON.stringify(extra)}`).toEqual(plain);
        expect(plain.ids.length).toBeGreaterThan(0);
        expect(perCategory).toBe(true);
        expect(usedWalk).toBe(false);
      }
    }
    // 27 categories (a department and its 26 subcategories) in one statement, over D1's limit of 5 terms
    // in a compound SELECT: grouped, and the same pages.
    for (const sort of SORTS) {
      for (const page of [1, 2, 6]) {
        const { plain, walked, perCategory } = await bothWays({ category: "lighting", sort, page, perPage: 9 }, { merge: true });
        expect(walked, `lighting ${sort} ${page}`).toEqual(plain);
        expect(plain.total).toBe(52);
        expect(perCategory).toBe(true);
      }
    }
    // With filters each category's read binds their values again: 27 categories × 4 would pass D1's 100 bound
    // parameters in one statement, so this subtree is read the other ways (the same pages); with one filter
    // (27 × 2) it is still merged.
    for (const sort of SORTS) {
      const filtered = { category: "lighting", sort, page: 2, perPage: 4, minPrice: 2_500, maxPrice: 4_999, rating: 0, inStock: true };
      const { plain, walked } = await bothWays(filtered, { merge: true });
      expect(walked, `lighting ${sort} with filters`).toEqual(plain);
      expect(plain.total).toBeGreaterThan(8);
      const oneFilter = await bothWays({ category: "lighting", sort, page: 2, perPage: 4, inStock: true, rating: 0 }, { merge: true });
      expect(oneFilter.walked).toEqual(oneFilter.plain);
      expect(oneFilter.perCategory).toBe(true);
    }
    // Every price of the catalog in order, page after page, with ties by doc id: the merge of the two
    // subcategories (hammers, saws) and of products filed under "tools" itself, if any.
    browsePlans.mergeCategories = saved.mergeCategories;
    const all: string[] = [];
    for (let page = 1; page <= 8; page++) {
      const res = await searchProducts(env.DB, query({ category: "tools", sort: "price_desc", page }), "USD");
      all.push(...res.items.map((p) => `${p.price.amount}`));
    }
    expect(all).toHaveLength(30);
    expect([...all].sort((a, b) => Number(b) - Number(a))).toEqual(all);
  });

  it("merges categories when it has their paths; otherwise walks only for a big set, a page near the top and a walkable sort", () => {
    const filters = activeFilters(filtersOf(query({ category: "apparel" })));
    // Within a category tree: category by category, in every sort order.
    for (const sort of SORTS) {
      const merged = browsePageSql({ active: filters, sort, total: 177_000, catalogSize: 970_000, perPage: 24, offset: 0, categoryPaths: ["/a/", "/a/b/"] });
      expect(merged.text.match(/d\.category_path = \?/g)).toHaveLength(2);
      expect(merged.params).toEqual(expect.arrayContaining(["/a/", "/a/b/"]));
      expect(merged.text).not.toContain("WITH walked");
    }
    // Without the paths (a subtree too wide to merge), the ways below.
    const sql = (sort: ProductSort, total: number, perPage = 24, offset = 0) =>
      browsePageSql({ active: filters, sort, total, catalogSize: 970_000, perPage, offset }).text;
    // A department of a million-product catalog, first page by sales: walked (about 8 × 131 rows at most).
    expect(sql("bestselling", 177_000)).toContain("WITH walked");
    expect(sql("relevance", 177_000)).toContain("WITH walked");
    // By rating: groups of equal ratings would be sorted whole.
    expect(sql("rating", 177_000)).not.toContain("WITH walked");
    // A small category: its own index reads fewer rows than the walk might.
    expect(sql("bestselling", 25_000)).not.toContain("WITH walked");
    // A page deep in the order: the walk's distance outgrows the category.
    expect(sql("bestselling", 177_000, 99, 1_980)).not.toContain("WITH walked");
    // Over 30 % of the catalog: the sort order's own index, unbounded, as before.
    expect(sql("bestselling", 400_000)).not.toContain("WITH walked");
    expect(sql("bestselling", 400_000)).toContain("INDEXED BY search_documents_sold_idx");
  });
});
