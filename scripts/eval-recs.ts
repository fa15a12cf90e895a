// Offline evaluation of the recommenders over the local store's paid order history (the seed writes a
// deterministic one: `npm run seed -- --reset`).
//
//   npm run eval:recs -- [--persist-to .wrangler/state] [--train 0.8] [--tune]
//
// The orders are split by time: the oldest 80% train the models (co-purchases, sales counts), the
// newest 20% test them. For every product q of a test order with two or more products, each recommender
// lists ten products for q; the order's other products are the relevant ones. HitRate@10 is the share
// of queries with at least one relevant product in the list, NDCG@10 rewards finding them early.
// The baseline is what the store showed before: the best sellers of q's category (filled up with the
// store's best sellers when the category has fewer than ten).
//
// `--tune` chooses the knobs of "similar items" (brand and category weights, how much sales lift a
// candidate) without looking at the test orders: the training orders are split again by time (their
// oldest 75% fit, the newest 25% validate), every combination of a small grid is scored on that
// validation slice, and the best by HitRate@10 (then NDCG@10) is printed. SIMILARITY_DEFAULTS in
// worker/recommendations/scoring.ts holds the chosen values; the normal run then reports the test split once.
import { createRequire } from "node:module";
import path from "node:path";
import { parseArgs } from "node:util";
import {
  type Basket,
  coPurchaseScores,
  contentSimilarity,
  type ProductDoc,
  SIMILARITY_DEFAULTS,
  type Scored,
  type SimilarityOptions,
} from "../worker/recommendations/scoring.ts";

const K = 10;
const { values: args } = parseArgs({
  options: {
    "persist-to": { type: "string", default: ".wrangler/state" },
    train: { type: "string", default: "0.8" },
    tune: { type: "boolean", default: false },
  },
});
const trainShare = Number(args.train);
const root = path.resolve(import.meta.dirname, "..");
const persistTo = path.resolve(args["persist-to"] as string);

// The local D1 database, opened as `wrangler d1 … --local` opens it (see scripts/seed/run.ts).
const require = createRequire(import.meta.url);
const wranglerPackage = require.resolve("wrangler/package.json");
const { unstable_readConfig } = await import("wrangler");
const { Miniflare, convertV4MiniflareOptions } = await import(createRequire(wranglerPackage).resolve("miniflare"));
const config: { d1_databases: Array<{ binding: string; database_id?: string; preview_database_id?: string }> } = unstable_readConfig({
  config: path.join(root, "wrangler.toml"),
});
const d1 = config.d1_databases.find((d) => d.binding === "DB");
const mf = new Miniflare(
  convertV4MiniflareOptions({
    modules: true,
    script: "",
    resourcePersistencePath: path.join(persistTo, "v3"),
    d1Databases: { DB: d1?.preview_database_id ?? d1?.database_id ?? "DB" },
  }),
);
const db: D1Database = await mf.getD1Database("DB");

try {
  const orders = (
    await db
      .prepare(
        `SELECT o.id, o.created_at AS at, json_group_array(DISTINCT l.product_id) AS products FROM orders o JOIN order_lines l ON l.order_id = o.id
         WHERE o.status IN ('paid','fulfilling','shipped','delivered','partially_refunded') AND l.product_id IS NOT NULL
         GROUP BY o.id ORDER BY o.created_at, o.id`,
      )
      .all<{ id: string; at: string; products: string }>()
  ).results.map((o) => ({ at: Date.parse(o.at), products: JSON.parse(o.products) as string[] }));
  if (orders.length < 50) {
    console.error(`Only ${orders.length} paid orders in ${persistTo}: seed an order history first (npm run seed -- --reset).`);
    process.exit(1);
  }
  const products = (
    await db
      .prepare(
        `SELECT p.id, p.name, p.brand_id AS brandId, p.category_id AS categoryId, c.path,
           (SELECT json_group_array(json_array(a.name, a.value)) FROM product_attributes a WHERE a.product_id = p.id) AS attrs
         FROM products p JOIN categories c ON c.id = p.category_id WHERE p.status = 'active'`,
      )
      .all<{ id: string; name: string; brandId: string | null; categoryId: string; path: string; attrs: string }>()
  ).results;

  const docs: ProductDoc[] = products.map((p) => ({
    id: p.id,
    name: p.name,
    brandId: p.brandId,
    categoryIds: p.path.split("/").filter(Boolean).reverse(),
    attributes: (JSON.parse(p.attrs) as Array<[string, string]>).map(([name, value]) => ({ name, value })),
  }));
  const categoryOf = new Map(products.map((p) => [p.id, p.categoryId]));
  const ids = (list: Scored[] | undefined) => (list ?? []).map((s) => s.id);
  const fill = (q: string, ...lists: string[][]): string[] => {
    const out: string[] = [];
    for (const list of lists)
      for (const id of list) {
        if (out.length >= K) return out;
        if (id !== q && !out.includes(id)) out.push(id);
      }
    return out;
  };

  /** Paid sales per product in `train` (the popularity the baseline ranks by and similar items are lifted by). */
  const salesOf = (train: readonly Basket[]) => {
    const sales = new Map<string, number>();
    for (const o of train) for (const p of o.products) sales.set(p, (sales.get(p) ?? 0) + 1);
    return sales;
  };
  /** The baseline: the category's best sellers in `train`, filled up with the store's. */
  const baselineFor = (sales: Map<string, number>) => {
    const bestSellers = [...products.map((p) => p.id)].sort((a, b) => (sales.get(b) ?? 0) - (sales.get(a) ?? 0) || (a < b ? -1 : 1));
    const byCategory = new Map<string, string[]>();
    for (const id of bestSellers) byCategory.set(categoryOf.get(id) ?? "", [...(byCategory.get(categoryOf.get(id) ?? "") ?? []), id]);
    return (q: string) => fill(q, byCategory.get(categoryOf.get(q) ?? "") ?? [], bestSellers);
  };
  /** HitRate@10 and NDCG@10 of `recommend` over the products of `test` orders with two or more products. */
  const score = (test: readonly Basket[], recommend: (q: string) => string[]) => {
    let hits = 0;
    let ndcg = 0;
    let queries = 0;
    for (const order of test) {
      if (order.products.length < 2) continue;
      for (const q of order.products) {
        const relevant = new Set(order.products.filter((p) => p !== q));
        const list = recommend(q).slice(0, K);
        let dcg = 0;
        list.forEach((id, i) => {
          if (relevant.has(id)) dcg += 1 / Math.log2(i + 2);
        });
        let ideal = 0;
        for (let i = 0; i < Math.min(relevant.size, K); i++) ideal += 1 / Math.log2(i + 2);
        hits += dcg > 0 ? 1 : 0;
        ndcg += ideal ? dcg / ideal : 0;
        queries++;
      }
    }
    return { hit: hits / queries, ndcg: ndcg / queries, queries };
  };

  const cut = Math.floor(orders.length * trainShare);
  const train: Basket[] = orders.slice(0, cut);
  const test = orders.slice(cut).filter((o) => o.products.length >= 2);
  const splitAt = train[train.length - 1]?.at ?? Date.now();

  if (args.tune) {
    // Validation inside the training orders only: the test split is never looked at here.
    const fitCut = Math.floor(train.length * 0.75);
    const fit = train.slice(0, fitCut);
    const validation = train.slice(fitCut);
    const fitSales = salesOf(fit);
    const base = score(validation, baselineFor(fitSales));
    console.log(`Tuning similar items: fit on the oldest ${fit.length} training orders, validate on the next ${validation.length} (${base.queries} queries).`);
    console.log(`Baseline on validation: HitRate@10 ${base.hit.toFixed(3)}, NDCG@10 ${base.ndcg.toFixed(3)}.\n`);
    console.log("| brand | category | sales exponent | HitRate@10 | NDCG@10 | × baseline (HitRate / NDCG) |");
    console.log("| --- | --- | --- | --- | --- | --- |");
    let best: { o: Partial<SimilarityOptions>; hit: number; ndcg: number } | null = null;
    for (const brandWeight of [2, 3, 4])
      for (const categoryWeight of [2, 3])
        for (const popularityExponent of [0, 0.15, 0.3, 0.5, 0.75, 1]) {
          const o = { brandWeight, categoryWeight, popularityExponent };
          const model = contentSimilarity(docs, fitSales, o);
          const r = score(validation, (q) => fill(q, ids(model.get(q))));
          console.log(
            `| ${brandWeight} | ${categoryWeight} | ${popularityExponent} | ${r.hit.toFixed(3)} | ${r.ndcg.toFixed(3)} | ${(r.hit / base.hit).toFixed(2)} / ${(r.ndcg / base.ndcg).toFixed(2)} |`,
          );
          if (!best || r.hit > best.hit || (r.hit === best.hit && r.ndcg > best.ndcg)) best = { o, hit: r.hit, ndcg: r.ndcg };
        }
    console.log(`\nBest on validation: ${JSON.stringify(best?.o)} (HitRate@10 ${best?.hit.toFixed(3)}, NDCG@10 ${best?.ndcg.toFixed(3)}).`);
    console.log(
      `In use (SIMILARITY_DEFAULTS): ${JSON.stringify({ brandWeight: SIMILARITY_DEFAULTS.brandWeight, categoryWeight: SIMILARITY_DEFAULTS.categoryWeight, popularityExponent: SIMILARITY_DEFAULTS.popularityExponent })}.`,
    );
  } else {
    // Models, trained on the older orders only.
    const sales = salesOf(train);
    const started = performance.now();
    const together = coPurchaseScores(train, splitAt);
    const trainedTogether = performance.now() - started;
    const similarStarted = performance.now();
    const similar = contentSimilarity(docs, sales);
    const trainedSimilar = performance.now() - similarStarted;
    const contentOnly = contentSimilarity(docs, sales, { popularityExponent: 0 });

    const recommenders: Record<string, (q: string) => string[]> = {
      "popular in category (baseline)": baselineFor(sales),
      "bought together": (q) => fill(q, ids(together.get(q))),
      "similar items (TF-IDF, lifted by sales)": (q) => fill(q, ids(similar.get(q))),
      "similar items (TF-IDF only, no sales lift)": (q) => fill(q, ids(contentOnly.get(q))),
      "product page (bought together, then similar)": (q) => fill(q, ids(together.get(q)), ids(similar.get(q))),
    };
    const rows = Object.entries(recommenders).map(([name, recommend]) => ({ name, ...score(test, recommend) }));
    const base = rows[0] as (typeof rows)[number];
    console.log(
      `${orders.length} paid orders, ${products.length} active products; trained on the oldest ${train.length} (to ${new Date(splitAt).toISOString().slice(0, 10)}), tested on ${test.length} newer orders with 2+ products (${base.queries} queries).`,
    );
    console.log(
      `Similar items: ${JSON.stringify({ brandWeight: SIMILARITY_DEFAULTS.brandWeight, categoryWeight: SIMILARITY_DEFAULTS.categoryWeight, popularityExponent: SIMILARITY_DEFAULTS.popularityExponent })} (chosen with --tune).`,
    );
    console.log(`Training: bought together ${trainedTogether.toFixed(0)} ms, similar items ${trainedSimilar.toFixed(0)} ms.\n`);
    console.log("| recommender | HitRate@10 | NDCG@10 | × baseline (HitRate / NDCG) |");
    console.log("| --- | --- | --- | --- |");
    for (const r of rows) {
      console.log(`| ${r.name} | ${r.hit.toFixed(3)} | ${r.ndcg.toFixed(3)} | ${(r.hit / base.hit).toFixed(2)} / ${(r.ndcg / base.ndcg).toFixed(2)} |`);
    }
  }
} finally {
  await mf.dispose();
}
