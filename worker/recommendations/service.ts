import { CATALOG_TTL_MS, onCatalogChange, sellerListedSql } from "../catalog";
import { MemoCache } from "../lib/memo-cache";
import { registerOrderEmailSuggestions } from "../orders";
import { PRODUCT_SUMMARY_COLUMNS, PRODUCT_SUMMARY_JOINS, type ProductSummary, type ProductSummaryRow, toProductSummary } from "../search";
import { embeddingBindings, embeddingNeighbours, embeddingText } from "./embeddings";
import { type Basket, coPurchaseScores, contentSimilarity, fuse, type ProductDoc, type Scored } from "./scoring";
import type { RecommendationKind } from "./tables";

/** Orders that were paid for (and not wholly undone): the co-purchase evidence and "already bought". */
const PAID = "('paid','fulfilling','shipped','delivered','partially_refunded')";
/** Rows inserted per statement (one JSON parameter each). */
const INSERT_CHUNK = 2_000;
/** Cards shown per section. */
export const SECTION_SIZE = 8;

// ---------------------------------------------------------------------------------------------
// Precomputing: the cron's work.

export interface RefreshResult {
  /** Rows written per kind, or null when its inputs had not changed since the last run. */
  boughtTogether: number | null;
  similar: number | null;
}

/**
 * Recomputes the precomputed rows of each kind whose inputs changed since its last run: "bought
 * together" from paid orders (decayed by age, so also once per day), "similar" from the active
 * catalog. Each kind is swapped in one D1 batch (delete and insert in one transaction), so readers see
 * the old rows or the new, never a mix, and running it twice changes nothing the second time.
 */
export async function refreshRecommendations(env: Env, now = Date.now()): Promise<RefreshResult> {
  const day = new Date(now).toISOString().slice(0, 10);
  const [orderPrint, catalogPrint, runs] = await env.DB.batch([
    env.DB.prepare(`SELECT count(*) AS n, coalesce(max(updated_at), '') AS last FROM orders WHERE status IN ${PAID}`),
    env.DB.prepare(
      "SELECT count(*) AS n, coalesce(max(updated_at), '') AS last, (SELECT count(*) FROM product_attributes) AS attrs FROM products WHERE status = 'active'",
    ),
    env.DB.prepare("SELECT kind, fingerprint FROM recommendation_runs"),
  ]);
  const previous = new Map(((runs?.results ?? []) as Array<{ kind: string; fingerprint: string }>).map((r) => [r.kind, r.fingerprint]));
  const o = orderPrint?.results[0] as { n: number; last: string };
  const p = catalogPrint?.results[0] as { n: number; last: string; attrs: number };
  const boughtPrint = `${o.n}|${o.last}|${day}`;
  // The day too: sales lift similar items (`withPopularity`), so they are re-ranked at most once a day as sales move.
  const similarPrint = `${p.n}|${p.last}|${p.attrs}|${day}`;

  const result: RefreshResult = { boughtTogether: null, similar: null };
  if (previous.get("bought_together") !== boughtPrint) {
    result.boughtTogether = await writeKind(env, "bought_together", coPurchaseScores(await readBaskets(env), now), boughtPrint);
  }
  if (previous.get("similar") !== similarPrint) {
    result.similar = await writeKind(env, "similar", await similarScores(env, await readProductDocs(env)), similarPrint);
  }
  if (result.boughtTogether !== null || result.similar !== null) guestSections.purge();
  return result;
}

async function readBaskets(env: Env): Promise<Basket[]> {
  const { results } = await env.DB.prepare(
    `SELECT o.created_at AS at, json_group_array(DISTINCT l.product_id) AS products
     FROM orders o JOIN order_lines l ON l.order_id = o.id
     WHERE o.status IN ${PAID} AND l.product_id IS NOT NULL GROUP BY o.id`,
  ).all<{ at: string; products: string }>();
  return results.map((r) => ({ at: Date.parse(r.at), products: JSON.parse(r.products) as string[] }));
}

type CatalogDoc = ProductDoc & { sold: number; text: string };

async function readProductDocs(env: Env): Promise<CatalogDoc[]> {
  const { results } = await env.DB.prepare(
    `SELECT p.id, p.name, p.brand_id AS brandId, b.name AS brandName, c.name AS categoryName, c.path, p.sold_count AS sold,
       (SELECT json_group_array(json_array(a.name, a.value)) FROM product_attributes a WHERE a.product_id = p.id) AS attrs
     FROM products p JOIN categories c ON c.id = p.category_id LEFT JOIN brands b ON b.id = p.brand_id WHERE p.status = 'active'`,
  ).all<{ id: string; name: string; brandId: string | null; brandName: string | null; categoryName: string; path: string; attrs: string; sold: number }>();
  return results.map((r) => {
    const doc: ProductDoc = {
      id: r.id,
      name: r.name,
      brandId: r.brandId,
      // A category's path lists its ancestors' ids root first; nearest first reads better for weights.
      categoryIds: r.path.split("/").filter(Boolean).reverse(),
      attributes: (JSON.parse(r.attrs) as Array<[string, string]>).map(([name, value]) => ({ name, value })),
    };
    return { ...doc, sold: r.sold, text: embeddingText({ ...doc, brandName: r.brandName, categoryNames: [r.categoryName] }) };
  });
}

/**
 * "Similar items" for the active catalog, lifted by lifetime sales (`products.sold_count`): from Workers AI
 * embeddings searched in Vectorize when the deployment binds both, else (and whenever that path fails) TF-IDF.
 */
async function similarScores(env: Env, docs: CatalogDoc[]): Promise<Map<string, Scored[]>> {
  const popularity = new Map(docs.map((d) => [d.id, d.sold]));
  const bindings = embeddingBindings(env);
  if (bindings) {
    try {
      return await embeddingNeighbours(bindings, docs, popularity);
    } catch (error) {
      console.warn(JSON.stringify({ level: "warn", msg: "recommendations.embeddings_failed", error: String(error) }));
    }
  }
  return contentSimilarity(docs, popularity);
}

async function writeKind(env: Env, kind: RecommendationKind, scores: Map<string, Scored[]>, fingerprint: string): Promise<number> {
  const rows: Array<[string, string, number, number]> = [];
  for (const [productId, list] of scores) for (const [position, s] of list.entries()) rows.push([productId, s.id, s.score, position]);
  const statements = [env.DB.prepare("DELETE FROM recommendation_pairs WHERE kind = ?").bind(kind)];
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
    statements.push(
      env.DB.prepare(
        `INSERT INTO recommendation_pairs (kind, product_id, related_id, score, position)
         SELECT ?1, value ->> 0, value ->> 1, value ->> 2, value ->> 3 FROM json_each(?2)`,
      ).bind(kind, JSON.stringify(rows.slice(i, i + INSERT_CHUNK))),
    );
  }
  statements.push(
    env.DB.prepare(
      `INSERT INTO recommendation_runs (kind, fingerprint, rows, computed_at) VALUES (?1, ?2, ?3, strftime('%Y-%m-%dT%H:%M:%fZ','now'))
       ON CONFLICT (kind) DO UPDATE SET fingerprint = excluded.fingerprint, rows = excluded.rows, computed_at = excluded.computed_at`,
    ).bind(kind, fingerprint, rows.length),
  );
  await env.DB.batch(statements);
  return rows.length;
}

// ---------------------------------------------------------------------------------------------
// Serving: one D1 read of precomputed rows, with the rules applied in SQL.

export interface Recommendations {
  boughtTogether: ProductSummary[];
  similar: ProductSummary[];
}

interface Options {
  /** The signed-in shopper: what they already bought is left out. */
  userId?: string | null;
  /** More products never to show (the cart's contents, the order's lines). */
  exclude?: readonly string[];
  limit?: number;
}

type SummaryRow = ProductSummaryRow & { kind: RecommendationKind };

/**
 * A guest's sections are the same for every guest with the same seeds, so each isolate keeps them like the
 * catalog's own reads (`CATALOG_TTL_MS`, then served stale up to as long while one request re-reads them): a
 * product page or cart page rendered for a shopper with a cart then reads no recommendations most of the time,
 * and is no staler than the anonymous copy of the same page. Every catalog change (a product, a price, a seller, a
 * SKU selling out) drops them in every isolate; a refresh of the precomputed rows drops them in its own isolate and
 * reaches the others within that time. A signed-in shopper's are read each time: "never what you bought" must
 * hold right after an order.
 */
// Up to 500 seed sets (a product page each, or a cart's contents): at most ~16 summaries each, a few MB at most.
const guestSections = new MemoCache(500);
onCatalogChange(() => guestSections.purge());

/**
 * The neighbours of `seeds` (summed scores when several seeds point at one product), both kinds, best
 * first. The rules are in the WHERE clause: only active products in stock, never a seed, never an
 * excluded id, never something the shopper bought in a paid order.
 */
function neighbours(env: Env, seeds: readonly string[], options: Options): Promise<Recommendations> {
  if (seeds.length === 0) return Promise.resolve({ boughtTogether: [], similar: [] });
  if (options.userId) return readNeighbours(env, seeds, options);
  const key = JSON.stringify([[...seeds].sort(), [...(options.exclude ?? [])].sort(), options.limit ?? SECTION_SIZE]);
  return guestSections.get(key, CATALOG_TTL_MS, () => readNeighbours(env, seeds, options));
}

async function readNeighbours(env: Env, seeds: readonly string[], options: Options): Promise<Recommendations> {
  const limit = options.limit ?? SECTION_SIZE;
  const { results } = await env.DB.prepare(
    `WITH seeds(id) AS (SELECT value FROM json_each(?1)),
       excluded(id) AS (SELECT value FROM json_each(?2)
         UNION SELECT l.product_id FROM orders o JOIN order_lines l ON l.order_id = o.id
           WHERE ?3 IS NOT NULL AND o.user_id = ?3 AND o.status IN ${PAID} AND l.product_id IS NOT NULL),
       ranked AS (SELECT r.kind, r.related_id AS id, sum(r.score) AS score FROM recommendation_pairs r
         WHERE r.product_id IN (SELECT id FROM seeds) GROUP BY r.kind, r.related_id)
     SELECT ranked.kind, ${PRODUCT_SUMMARY_COLUMNS}
     FROM ranked JOIN products p ON p.id = ranked.id ${PRODUCT_SUMMARY_JOINS}
     WHERE p.status = 'active' AND p.in_stock = 1 AND ${sellerListedSql("p")}
       AND ranked.id NOT IN (SELECT id FROM seeds) AND ranked.id NOT IN (SELECT id FROM excluded)
     ORDER BY ranked.kind, ranked.score DESC, ranked.id`,
  )
    .bind(JSON.stringify(seeds), JSON.stringify(options.exclude ?? []), options.userId ?? null)
    .all<SummaryRow>();
  const boughtTogether = results.filter((r) => r.kind === "bought_together").slice(0, limit);
  // A product already shown as bought together is not repeated as similar.
  const shown = new Set(boughtTogether.map((r) => r.id));
  const similar = results.filter((r) => r.kind === "similar" && !shown.has(r.id)).slice(0, limit);
  return { boughtTogether: boughtTogether.map(toProductSummary), similar: similar.map(toProductSummary) };
}

/**
 * A product page's sections: frequently bought together and similar items. Never the product itself,
 * nothing out of stock, and (for a signed-in shopper) nothing they already bought.
 */
export function recommendForProduct(env: Env, productId: string, options: Options = {}): Promise<Recommendations> {
  return neighbours(env, [productId], options);
}

/**
 * What goes with a set of products (a cart, an order): their neighbours pooled, never one of the set
 * itself. One list: bought-together first, then similar to fill.
 */
export async function recommendForProducts(env: Env, productIds: readonly string[], options: Options = {}): Promise<ProductSummary[]> {
  const limit = options.limit ?? SECTION_SIZE;
  const { boughtTogether, similar } = await neighbours(env, [...new Set(productIds)], { ...options, limit });
  return [...boughtTogether, ...similar].slice(0, limit);
}

/**
 * "Picked for you": neighbours of what the shopper bought (newest orders first), saved to a wishlist
 * and viewed recently (ids from the browser), fused by rank so each source counts. A guest (`userId`
 * null) gets the neighbours of `viewed` alone. Empty when there is nothing to go on.
 */
export async function pickForShopper(env: Env, userId: string | null, viewed: readonly string[], limit = SECTION_SIZE): Promise<ProductSummary[]> {
  const owned = userId === null ? [] : await productsOfShopper(env, userId);
  const seeds = [...new Set([...viewed.slice(0, 20), ...owned])];
  if (seeds.length === 0) return [];
  const { boughtTogether, similar } = await neighbours(env, seeds, { userId, limit: limit * 2 });
  const scored = (list: ProductSummary[]) => list.map((p, i) => ({ id: p.id, score: -i }));
  const byId = new Map([...boughtTogether, ...similar].map((p) => [p.id, p]));
  return fuse(
    [
      { items: scored(boughtTogether), weight: 1 },
      { items: scored(similar), weight: 0.8 },
    ],
    limit,
  ).map((s) => byId.get(s.id) as ProductSummary);
}

/** Up to 50 products a signed-in shopper bought in paid orders or saved to any of their wish lists. */
async function productsOfShopper(env: Env, userId: string): Promise<string[]> {
  const { results } = await env.DB.prepare(
    `SELECT DISTINCT id FROM (
       SELECT l.product_id AS id FROM orders o JOIN order_lines l ON l.order_id = o.id
         WHERE o.user_id = ?1 AND o.status IN ${PAID} AND l.product_id IS NOT NULL
       UNION ALL
       SELECT v.product_id FROM wishlists w JOIN wishlist_items i ON i.wishlist_id = w.id JOIN product_variants v ON v.sku = i.sku
         WHERE w.user_id = ?1)
     LIMIT 50`,
  )
    .bind(userId)
    .all<{ id: string }>();
  return results.map((r) => r.id);
}

/**
 * The products behind a "recently viewed" list kept by the browser, in its order: active ones only,
 * never `except` (the page's own product). Out-of-stock ones stay: the shopper looked at them.
 */
export async function recentlyViewedProducts(env: Env, ids: readonly string[], except?: string): Promise<ProductSummary[]> {
  const wanted = [...new Set(ids)].filter((id) => id !== except).slice(0, SECTION_SIZE);
  if (wanted.length === 0) return [];
  const { results } = await env.DB.prepare(
    `SELECT ${PRODUCT_SUMMARY_COLUMNS}, k.key AS n FROM json_each(?1) k JOIN products p ON p.id = k.value ${PRODUCT_SUMMARY_JOINS}
     WHERE p.status = 'active' AND ${sellerListedSql("p")} ORDER BY k.key`,
  )
    .bind(JSON.stringify(wanted))
    .all<ProductSummaryRow>();
  return results.map(toProductSummary);
}

/**
 * What goes with an order (its confirmation page and email): neighbours of its products, never one of
 * them, nothing out of stock, nothing its shopper (`userId`, the order's owner) bought before. The
 * caller has already checked who may see the order.
 */
export async function recommendForOrder(env: Env, orderId: string, userId: string | null, limit = 4): Promise<ProductSummary[]> {
  const { results } = await env.DB.prepare("SELECT DISTINCT product_id AS id FROM order_lines WHERE order_id = ? AND product_id IS NOT NULL")
    .bind(orderId)
    .all<{ id: string }>();
  return recommendForProducts(
    env,
    results.map((r) => r.id),
    { userId, limit },
  );
}

// The order confirmation email (sent by orders, an earlier domain) asks here for its suggestions.
registerOrderEmailSuggestions(async (env, order, origin) =>
  (await recommendForOrder(env, order.id, order.userId, 3)).map((p) => ({ name: p.name, url: `${origin}/p/${p.slug}`, price: p.price.amount })),
);
