import { CATALOG_TTL_MS, catalogChanged, onCatalogChange, sellerListedSql } from "../../catalog";
import { AppError } from "../../lib/errors";
import { MemoCache } from "../../lib/memo-cache";
import { storeSettings } from "../../store";
import type { ListReviewsQuery, RatingSummary, Review, ReviewPage, ReviewSort } from "../schema";
import type { ReviewStatus } from "../tables";

/** A review row joined with its reply, as D1 answers it. */
export interface ReviewRow {
  id: string;
  product_id: string;
  user_id: string;
  order_line_id: string;
  author_name: string;
  rating: number;
  title: string;
  body: string;
  photos: string;
  status: ReviewStatus;
  reject_reason: string | null;
  helpful_count: number;
  open_reports: number;
  created_at: string;
  updated_at: string;
  reply_body: string | null;
  reply_created_at: string | null;
  reply_updated_at: string | null;
  /** The seller's name when the reply's author is a member of the product's seller (absent in queries that do not ask). */
  reply_seller_name?: string | null;
}

export const REVIEW_COLUMNS = `r.*, rp.body AS reply_body, rp.created_at AS reply_created_at, rp.updated_at AS reply_updated_at,
  (SELECT v.name FROM vendor_members vm JOIN products vp ON vp.vendor_id = vm.vendor_id JOIN vendors v ON v.id = vp.vendor_id
    WHERE vp.id = r.product_id AND vm.user_id = rp.author_id LIMIT 1) AS reply_seller_name`;
export const REVIEW_FROM = `reviews r LEFT JOIN review_replies rp ON rp.review_id = r.id`;

/**
 * A review as the API shows it. `storeName` (from `storeSettings`) labels the store's replies; a seller's
 * reply carries the seller's own name, so shoppers see who answered.
 */
export function toReview(row: ReviewRow, storeName: string): Review {
  return {
    id: row.id,
    productId: row.product_id,
    authorName: row.author_name,
    rating: row.rating,
    title: row.title,
    body: row.body,
    photos: JSON.parse(row.photos) as string[],
    verifiedBuyer: true,
    helpfulCount: row.helpful_count,
    status: row.status,
    reply: row.reply_body
      ? {
          body: row.reply_body,
          from: row.reply_seller_name ? "seller" : "store",
          fromName: row.reply_seller_name || storeName,
          createdAt: row.reply_created_at ?? "",
          updatedAt: row.reply_updated_at ?? "",
        }
      : null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export interface ProductRef {
  id: string;
  slug: string;
  name: string;
  rating_avg_x100: number;
  rating_count: number;
  rating_dist: string;
}

/**
 * An active product by slug (what shoppers may read reviews of and review), or 404. A product of a seller who
 * is not active (pending, suspended, rejected) is hidden like its product page: the same 404.
 */
const ACTIVE_PRODUCT_SQL = `SELECT p.id, p.slug, p.name, p.rating_avg_x100, p.rating_count, p.rating_dist FROM products p
  WHERE p.slug = ? AND p.status = 'active' AND ${sellerListedSql("p")}`;

export async function activeProduct(env: Env, slug: string): Promise<ProductRef> {
  const product = await env.DB.prepare(ACTIVE_PRODUCT_SQL).bind(slug).first<ProductRef>();
  if (!product) throw new AppError("reviews.product_not_found", 404, "No such product.");
  return product;
}

export function summaryOf(product: Pick<ProductRef, "rating_avg_x100" | "rating_count" | "rating_dist">): RatingSummary {
  const dist = (() => {
    try {
      const parsed = JSON.parse(product.rating_dist) as unknown;
      return Array.isArray(parsed) && parsed.length === 5 ? parsed.map((n) => Number(n) || 0) : [0, 0, 0, 0, 0];
    } catch {
      return [0, 0, 0, 0, 0];
    }
  })();
  return {
    average: Math.round(product.rating_avg_x100) / 100,
    count: product.rating_count,
    distribution: { 1: dist[0] ?? 0, 2: dist[1] ?? 0, 3: dist[2] ?? 0, 4: dist[3] ?? 0, 5: dist[4] ?? 0 },
  };
}

const ORDER: Record<ReviewSort, string> = {
  newest: "r.created_at DESC, r.id DESC",
  helpful: "r.helpful_count DESC, r.created_at DESC, r.id DESC",
  rating_desc: "r.rating DESC, r.created_at DESC, r.id DESC",
  rating_asc: "r.rating ASC, r.created_at DESC, r.id DESC",
};

/**
 * A product's published reviews, one page, with the rating summary kept on the product (published
 * reviews only). `rating` keeps only reviews with exactly that many stars. 404 for an unknown or
 * inactive product.
 */
export async function listReviews(env: Env, slug: string, query: ListReviewsQuery): Promise<ReviewPage> {
  // One round trip: the product, the page and the count in one batch, the reviews found by the product's slug.
  const where = `r.product_id = (SELECT id FROM products WHERE slug = ?) AND r.status = 'published'${query.rating ? " AND r.rating = ?" : ""}`;
  const params: unknown[] = query.rating ? [slug, query.rating] : [slug];
  const offset = (query.page - 1) * query.perPage;
  const settings = storeSettings(env);
  const [found, rows, total] = await env.DB.batch<ProductRef | ReviewRow | { n: number }>([
    env.DB.prepare(ACTIVE_PRODUCT_SQL).bind(slug),
    env.DB.prepare(`SELECT ${REVIEW_COLUMNS} FROM ${REVIEW_FROM} WHERE ${where} ORDER BY ${ORDER[query.sort]} LIMIT ? OFFSET ?`).bind(
      ...params,
      query.perPage,
      offset,
    ),
    env.DB.prepare(`SELECT count(*) AS n FROM reviews r WHERE ${where}`).bind(...params),
  ]);
  const product = found?.results[0] as ProductRef | undefined;
  if (!product) throw new AppError("reviews.product_not_found", 404, "No such product.");
  const { storeName } = await settings;
  return {
    summary: summaryOf(product),
    items: ((rows?.results ?? []) as ReviewRow[]).map((row) => toReview(row, storeName)),
    total: (total?.results[0] as { n: number } | undefined)?.n ?? 0,
    page: query.page,
    perPage: query.perPage,
  };
}

/**
 * The digests this isolate read (settled values only: lib/memo-cache.ts), kept like the catalog's own reads and
 * dropped when the catalog changes, which every change to a published review makes (`afterPublicChange`). Only
 * structured data reads them: a shopper's review list (`listReviews`) is read fresh, so a helpful vote, which
 * moves no catalog version, shows at once on the page; in JSON-LD it may show up to `CATALOG_TTL_MS` later.
 */
const digests = new MemoCache(1_000);
onCatalogChange(() => digests.purge());

/**
 * A product's published rating summary and its few most helpful published reviews, for structured data
 * (JSON-LD AggregateRating and Review): nothing here is ever unpublished, held or rejected. Null for an
 * unknown or inactive product.
 */
export function productReviewDigest(env: Env, slug: string, limit = 3): Promise<{ summary: RatingSummary; reviews: Review[] } | null> {
  const perPage = Math.min(Math.max(limit, 1), 10);
  return digests.get(`${slug}|${perPage}`, CATALOG_TTL_MS, async () => {
    try {
      const page = await listReviews(env, slug, { sort: "helpful", page: 1, perPage });
      return { summary: page.summary, reviews: page.items };
    } catch (error) {
      if (error instanceof AppError && error.status === 404) return null;
      throw error;
    }
  });
}

/** One review with its reply, or null. */
export async function findReview(env: Env, id: string): Promise<ReviewRow | null> {
  return env.DB.prepare(`SELECT ${REVIEW_COLUMNS} FROM ${REVIEW_FROM} WHERE r.id = ?`).bind(id).first<ReviewRow>();
}

/** Moves the catalog version on when a change touched what shoppers see (published reviews, the summary). */
export async function afterPublicChange(env: Env, touched: boolean): Promise<void> {
  if (touched) await catalogChanged(env.DB);
}
