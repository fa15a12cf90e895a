import { env, exports } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { purgeCatalogCache } from "../../worker/catalog";
import { searchProducts, textLimits } from "../../worker/search/service/listing";
import { dropSnapshot, publishedSnapshot, snapshotLimits } from "../../worker/search/service/snapshot";
import { insertBrand, insertCategory, insertProduct } from "../support/factories";
import { json } from "../support/http";

// A text search's work is bounded (worker/search/service/listing.ts `textLimits`): words matching
// more documents than the candidate cap are answered over the newest `cap` matches, with the total
// and facet counts estimated and marked so. The cap is lowered here so a small catalog exercises it.
const CAP = 10;
const saved = textLimits.candidates;
let category: { id: string; path: string; depth: number };
let brands: Array<{ id: string; slug: string }>;
let n = 0;

async function addWidgets(count: number) {
  for (let i = 0; i < count; i++) {
    const k = n++;
    await insertProduct(env.DB, {
      slug: `trail-widget-${k}`,
      name: `Trail Widget ${k}`,
      brandId: brands[k % 2]?.id,
      category,
      variants: [{ sku: `W-${k}`, title: "Default", options: {}, price: 1000 + (k % 4) * 2000, stockAvailable: 5 }],
    });
    // Something else between widgets, so the widgets spread over the doc ids as a real catalog's words do.
    await insertProduct(env.DB, {
      slug: `quiet-lamp-${k}`,
      name: `Quiet Lamp ${k}`,
      category,
      variants: [{ sku: `L-${k}`, title: "Default", options: {}, price: 3000, stockAvailable: 5 }],
    });
  }
  purgeCatalogCache();
}

/** The D1 binding, counting the rows each statement read (D1's own `meta.rows_read`) and keeping each statement's SQL. */
function countingD1(): { db: D1Database; rows: () => number; statements: string[] } {
  let rows = 0;
  const statements: string[] = [];
  const wrap = (stmt: D1PreparedStatement): D1PreparedStatement =>
    new Proxy(stmt, {
      get(target, prop) {
        if (prop === "bind") return (...values: unknown[]) => wrap(target.bind(...values));
        if (prop === "first")
          return async () => {
            const result = await target.all();
            rows += result.meta.rows_read ?? 0;
            return result.results[0] ?? null;
          };
        if (prop === "all")
          return async () => {
            const result = await target.all();
            rows += result.meta.rows_read ?? 0;
            return result;
          };
        const value = Reflect.get(target, prop);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  const db = new Proxy(env.DB, {
    get(target, prop) {
      if (prop === "prepare")
        return (sql: string) => {
          statements.push(sql);
          return wrap(target.prepare(sql));
        };
      const value = Reflect.get(target, prop);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { db, rows: () => rows, statements };
}

const query = (q: string, extra: Record<string, unknown> = {}) => ({ q, sort: "relevance", page: 1, perPage: 24, ...extra }) as never;

/** Rows read by one search through D1 alone (no document copy), the way a fresh isolate answers. */
async function rowsReadThroughD1(q: string): Promise<number> {
  const budget = snapshotLimits.budgetBytes;
  try {
    snapshotLimits.budgetBytes = 0;
    const copy = publishedSnapshot();
    if (copy) dropSnapshot(copy);
    const counting = countingD1();
    await searchProducts(counting.db, query(q), "USD");
    return counting.rows();
  } finally {
    snapshotLimits.budgetBytes = budget;
  }
}

beforeAll(async () => {
  textLimits.candidates = CAP;
  category = await insertCategory(env.DB, { slug: "gear" });
  brands = [await insertBrand(env.DB, "ridge"), await insertBrand(env.DB, "valley")];
  await addWidgets(40);
});
afterAll(() => {
  textLimits.candidates = saved;
});

describe("bounded text search", () => {
  it("answers a word matching no more than the cap exactly, unmarked", async () => {
    const one = await searchProducts(env.DB, query("lamp 7"), "USD");
    expect(one.estimated).toBe(false);
    expect(one.total).toBe(1);
    const res = await exports.default.fetch("http://store.test/api/products?q=widget%2012");
    const body = (await json(res)) as { total: number; estimated: boolean };
    expect(body).toMatchObject({ total: 1, estimated: false });
  });

  it("answers a word matching more than the cap with estimates, said to be estimates", async () => {
    const res = await exports.default.fetch("http://store.test/api/products?q=widget");
    expect(res.status).toBe(200);
    const page = (await json(res)) as {
      total: number;
      estimated: boolean;
      items: Array<{ name: string }>;
      facets: { brand: Array<{ value: string; count: number }> };
    };
    expect(page.estimated).toBe(true);
    // 40 widgets in truth: the newest 10 cover a quarter of the doc ids.
    expect(page.total).toBeGreaterThanOrEqual(30);
    expect(page.total).toBeLessThanOrEqual(50);
    // Results come from the candidate set only, every one a match.
    expect(page.items.length).toBe(CAP);
    for (const item of page.items) expect(item.name).toMatch(/^Trail Widget/);
    const byBrand = Object.fromEntries(page.facets.brand.map((b) => [b.value, b.count]));
    expect(byBrand.ridge).toBeGreaterThanOrEqual(10);
    expect(byBrand.valley).toBeGreaterThanOrEqual(10);
  });

  it("reads no more rows for a broad word when the catalog grows", async () => {
    const before = await rowsReadThroughD1("widget");
    await addWidgets(40);
    const after = await rowsReadThroughD1("widget");
    // Twice the matches, (nearly) the same rows: what grows with the catalog is at most the
    // few rows of the facet-count table the new products' cells add.
    expect(after - before).toBeLessThanOrEqual(8);
    // Without the bound the same search reads every match (this is what the cap prevents).
    textLimits.candidates = 1_000;
    try {
      expect(await rowsReadThroughD1("widget")).toBeGreaterThan(after + 80);
    } finally {
      textLimits.candidates = CAP;
    }
  });

  it("follows writes at once: the estimate grows with the matches and an exact count moves by one", async () => {
    const first = await searchProducts(env.DB, query("widget"), "USD");
    const lampsBefore = (await searchProducts(env.DB, query("lamp 9"), "USD")).total;
    await addWidgets(40);
    const second = await searchProducts(env.DB, query("widget"), "USD");
    expect(second.estimated).toBe(true);
    expect(second.total).toBeGreaterThan(first.total);
    await insertProduct(env.DB, {
      slug: "quiet-lamp-nine-extra",
      name: "Quiet Lamp 9",
      category,
      variants: [{ sku: "L-9-X", title: "Default", options: {}, price: 3000, stockAvailable: 5 }],
    });
    purgeCatalogCache();
    expect((await searchProducts(env.DB, query("lamp 9"), "USD")).total).toBe(lampsBefore + 1);
  });

  it("concurrent broad searches of a fresh isolate each answer on their own", async () => {
    const inline = snapshotLimits.inlineDocs;
    try {
      // As a large catalog: no request loads the copy first, none waits for another's load.
      snapshotLimits.inlineDocs = 0;
      const copy = publishedSnapshot();
      if (copy) dropSnapshot(copy);
      const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => searchProducts(env.DB, query("widget", { perPage: 10 + i }), "USD")));
      for (const a of answers) {
        expect(a.estimated).toBe(true);
        expect(a.total).toBe(answers[0]?.total);
        expect(a.items.slice(0, 10).map((p) => p.slug)).toEqual(answers[0]?.items.map((p) => p.slug));
      }
    } finally {
      snapshotLimits.inlineDocs = inline;
    }
  });

  it("keeps no document copy for a catalog over backgroundDocs: searches answer through D1 alone", async () => {
    const limit = snapshotLimits.backgroundDocs;
    try {
      // The previous test's searches started a background load: let it publish, then drop it.
      for (let i = 0; i < 50 && !publishedSnapshot(); i++) await new Promise((r) => setTimeout(r, 20));
      snapshotLimits.backgroundDocs = 1;
      const copy = publishedSnapshot();
      if (copy) dropSnapshot(copy);
      const answer = await searchProducts(env.DB, query("widget", { perPage: 7 }), "USD");
      expect(answer.estimated).toBe(true);
      expect(answer.items).toHaveLength(7);
      // Nothing is loaded afterwards either (no waitUntil load to hold the isolate).
      await new Promise((r) => setTimeout(r, 200));
      expect(publishedSnapshot()).toBeNull();
    } finally {
      snapshotLimits.backgroundDocs = limit;
    }
  });

  it("through D1 alone, corrects only words that match nothing, not words whose matches the filters exclude", async () => {
    const budget = snapshotLimits.budgetBytes;
    try {
      snapshotLimits.budgetBytes = 0;
      const copy = publishedSnapshot();
      if (copy) dropSnapshot(copy);
      // "widget" matches; no widget costs 99,999.
      const filtered = countingD1();
      const none = await searchProducts(filtered.db, query("widget", { minPrice: 9_999_900 }), "USD");
      expect(none).toMatchObject({ total: 0, didYouMean: null });
      // The spelling corrector's vocabulary scan (costly on a large index) is not run.
      expect(filtered.statements.some((sql) => sql.includes("search_vocabulary"))).toBe(false);
      // A misspelling that matches nothing is still corrected on this path.
      const typo = countingD1();
      const corrected = await searchProducts(typo.db, query("widgte"), "USD");
      expect(corrected.didYouMean).toBe("widget");
      expect(corrected.total).toBeGreaterThan(0);
      expect(typo.statements.some((sql) => sql.includes("search_vocabulary"))).toBe(true);
    } finally {
      snapshotLimits.budgetBytes = budget;
    }
  });

  it("gives the same estimates through the document copy and through D1 alone", async () => {
    const queries = [
      query("widget"),
      query("widget", { sort: "price_asc" }),
      query("widget", { brand: ["ridge"] }),
      query("trail", { minPrice: 2000, maxPrice: 6000, sort: "newest" }),
      query("widget", { perPage: 5, page: 2 }),
    ];
    const run = () => Promise.all(queries.map((q) => searchProducts(env.DB, q, "USD")));
    await run();
    for (let i = 0; i < 50 && !publishedSnapshot(); i++) await new Promise((r) => setTimeout(r, 20));
    expect(publishedSnapshot()).not.toBeNull();
    const withCopy = await run();
    expect(withCopy.every((p) => p.estimated)).toBe(true);
    const budget = snapshotLimits.budgetBytes;
    try {
      snapshotLimits.budgetBytes = 0;
      const copy = publishedSnapshot();
      if (copy) dropSnapshot(copy);
      expect(await run()).toEqual(withCopy);
    } finally {
      snapshotLimits.budgetBytes = budget;
    }
  });
});
