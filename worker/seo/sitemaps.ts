/**
 * Sitemaps: `/sitemap.xml` is a sitemap index naming one sitemap per 50,000 active products and per
 * 50,000 categories and active vendors (the protocol's limit per file), each entry with `lastmod`. Read
 * from catalog's and vendors' tables (both come before seo in the layer order).
 */

import { and, asc, count, eq, max, sql } from "drizzle-orm";
import { sellerListed } from "../catalog";
import { categories, products } from "../catalog/tables";
import { getDb } from "../db/client";
import { vendors } from "../vendors/tables";

/** The sitemap protocol's limit of URLs per file. */
export const SITEMAP_MAX_URLS = 50_000;

export const SITEMAP_KINDS = ["products", "categories", "vendors"] as const;
export type SitemapKind = (typeof SITEMAP_KINDS)[number];

const escapeXml = (s: string) => s.replace(/[<>&'"]/g, (c) => `&${{ "<": "lt", ">": "gt", "&": "amp", "'": "apos", '"': "quot" }[c]};`);

/** The store's origin for absolute URLs: configured, else the request's. */
export function siteOrigin(env: Pick<Env, "PUBLIC_ORIGIN">, requestUrl: string): string {
  return (env.PUBLIC_ORIGIN || new URL(requestUrl).origin).replace(/\/+$/, "");
}

async function countOf(env: Env, kind: SitemapKind): Promise<{ n: number; lastmod: string | null }> {
  const db = getDb(env.DB);
  if (kind === "products") {
    const row = await db
      .select({ n: count(), lastmod: max(products.updatedAt) })
      .from(products)
      .where(and(eq(products.status, "active"), sellerListed(products.vendorId)))
      .get();
    return { n: row?.n ?? 0, lastmod: row?.lastmod ?? null };
  }
  if (kind === "vendors") {
    const row = await db
      .select({ n: count(), lastmod: max(vendors.updatedAt) })
      .from(vendors)
      .where(eq(vendors.status, "active"))
      .get();
    return { n: row?.n ?? 0, lastmod: row?.lastmod ?? null };
  }
  const row = await db.select({ n: count() }).from(categories).get();
  return { n: row?.n ?? 0, lastmod: null };
}

/** The sitemap index: one `<sitemap>` per file of each kind (at least one each, so the index is never empty). */
export async function sitemapIndex(env: Env, origin: string, perFile = SITEMAP_MAX_URLS): Promise<string> {
  const [productCount, categoryCount, vendorCount] = await Promise.all([countOf(env, "products"), countOf(env, "categories"), countOf(env, "vendors")]);
  const entries: string[] = [];
  const files = (n: number) => Math.max(1, Math.ceil(n / perFile));
  for (let i = 1; i <= files(productCount.n); i++) {
    // The newest change of any product dates every product file: exact per file would cost a query each.
    const lastmod = productCount.lastmod ? `<lastmod>${escapeXml(productCount.lastmod)}</lastmod>` : "";
    entries.push(`<sitemap><loc>${escapeXml(`${origin}/sitemaps/products-${i}.xml`)}</loc>${lastmod}</sitemap>`);
  }
  for (let i = 1; i <= files(categoryCount.n); i++) {
    const lastmod = productCount.lastmod ? `<lastmod>${escapeXml(productCount.lastmod)}</lastmod>` : "";
    entries.push(`<sitemap><loc>${escapeXml(`${origin}/sitemaps/categories-${i}.xml`)}</loc>${lastmod}</sitemap>`);
  }
  // Vendors only once there is one: a marketplace-less store lists no empty vendor file.
  for (let i = 1; vendorCount.n > 0 && i <= files(vendorCount.n); i++) {
    const lastmod = vendorCount.lastmod ? `<lastmod>${escapeXml(vendorCount.lastmod)}</lastmod>` : "";
    entries.push(`<sitemap><loc>${escapeXml(`${origin}/sitemaps/vendors-${i}.xml`)}</loc>${lastmod}</sitemap>`);
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${entries.join("\n")}\n</sitemapindex>\n`;
}

/**
 * One sitemap file (1-based `page`) of a kind, in a stable order (by id) so a URL stays in the same
 * file while the catalog grows at the end. Null past the last file (the route answers 404).
 */
export async function sitemapFile(env: Env, origin: string, kind: SitemapKind, page: number, perFile = SITEMAP_MAX_URLS): Promise<string | null> {
  const db = getDb(env.DB);
  const offset = (page - 1) * perFile;
  let rows: { path: string; lastmod: string | null }[];
  if (kind === "products") {
    rows = (
      await db
        .select({ slug: products.slug, lastmod: products.updatedAt })
        .from(products)
        // A suspended seller's products answer 404 on their pages, so they leave the sitemap too.
        .where(and(eq(products.status, "active"), sellerListed(products.vendorId)))
        .orderBy(asc(products.id))
        .limit(perFile)
        .offset(offset)
        .all()
    ).map((r) => ({ path: `/p/${r.slug}`, lastmod: r.lastmod }));
  } else if (kind === "vendors") {
    // Only active vendors have a public page; a suspended or pending one answers 404 there.
    rows = (
      await db
        .select({ handle: vendors.handle, lastmod: vendors.updatedAt })
        .from(vendors)
        .where(eq(vendors.status, "active"))
        .orderBy(asc(vendors.id))
        .limit(perFile)
        .offset(offset)
        .all()
    ).map((r) => ({ path: `/v/${encodeURIComponent(r.handle)}`, lastmod: r.lastmod }));
  } else {
    // A category changes when a product in it does: its newest product's change dates it.
    rows = (
      await db
        .select({
          slug: categories.slug,
          // Spelled out: drizzle renders a column of the outer table unqualified, which the subquery would read as its own.
          lastmod: sql<string | null>`(select max(p.updated_at) from products p where p.category_id = categories.id and p.status = 'active')`,
        })
        .from(categories)
        .orderBy(asc(categories.id))
        .limit(perFile)
        .offset(offset)
        .all()
    ).map((r) => ({ path: `/c/${r.slug}`, lastmod: r.lastmod }));
  }
  // The index names no vendor file while there is no active vendor, so that file does not exist either.
  if (!rows.length && (page > 1 || kind === "vendors")) return null;
  const urls = rows.map((r) => `<url><loc>${escapeXml(origin + r.path)}</loc>${r.lastmod ? `<lastmod>${escapeXml(r.lastmod)}</lastmod>` : ""}</url>`);
  return `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${urls.join("\n")}\n</urlset>\n`;
}

/** robots.txt: private areas closed to crawlers, everything else open, and where the sitemap is. */
export function robotsTxt(origin: string): string {
  return [
    "User-agent: *",
    "Disallow: /api/",
    "Disallow: /admin",
    "Disallow: /vendor",
    "Disallow: /account",
    "Disallow: /cart",
    "Disallow: /checkout",
    "Disallow: /orders",
    "Disallow: /wishlist",
    "Allow: /",
    "",
    `Sitemap: ${origin}/sitemap.xml`,
    "",
  ].join("\n");
}
