import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { getProductBySlug, purgeCatalogCache } from "../../worker/catalog";
import { breadcrumbJsonLd, jsonLdText, productJsonLd, publishedReviewFacts, SITEMAP_MAX_URLS, storeJsonLd } from "../../worker/seo";
import { insertCategory, insertProduct } from "../support/factories";
import { call } from "../support/http";
import { merchantListingProblems } from "../support/merchant-listing";

const PRODUCTS = SITEMAP_MAX_URLS + 1_234;

beforeAll(async () => {
  const category = await insertCategory(env.DB, { slug: "seo-bulk", name: "Bulk" });
  // Search indexing on insert is not under test here and would make 50,000 inserts slow: this file's own
  // database (storage is isolated per test file) drops the trigger before the bulk insert.
  await env.DB.prepare("drop trigger if exists search_products_ai").run();
  const BATCH = 10_000;
  for (let from = 0; from < PRODUCTS; from += BATCH) {
    const to = Math.min(PRODUCTS, from + BATCH);
    await env.DB.prepare(
      `with recursive n(i) as (select ?1 union all select i + 1 from n where i + 1 < ?2)
       insert into products (id, slug, name, category_id, category_path, status, min_price, max_price, updated_at)
       select printf('prod_bulk%06d', i), printf('bulk-%06d', i), printf('Bulk %d', i), ?3, ?4, 'active', 1000, 1000,
              printf('2026-11-%02dT10:00:00.000Z', 1 + i % 28) from n`,
    )
      .bind(from, to, category.id, category.path)
      .run();
  }
  await env.DB.prepare("insert into products (id, slug, name, category_id, category_path, status) values ('prod_zdraft', 'bulk-draft', 'Draft', ?, ?, 'draft')")
    .bind(category.id, category.path)
    .run();
  purgeCatalogCache();
}, 120_000);

const locs = (xml: string) => [...xml.matchAll(/<loc>([^<]+)<\/loc>/g)].map((m) => m[1]);

describe("GET /robots.txt", () => {
  it("closes private areas to crawlers and names the sitemap index", async () => {
    const res = await call("/robots.txt");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    const text = await res.text();
    for (const path of ["/api/", "/admin", "/account", "/cart", "/checkout", "/wishlist"]) expect(text).toContain(`Disallow: ${path}\n`);
    expect(text).toContain("Sitemap: http://store.test/sitemap.xml");
  });
});

describe("GET /sitemap.xml and /sitemaps/*", () => {
  it(`splits ${PRODUCTS.toLocaleString("en")} products into files of at most 50,000 URLs, each with lastmod, and lists only active products`, async () => {
    const index = await call("/sitemap.xml");
    expect(index.status).toBe(200);
    expect(index.headers.get("content-type")).toBe("application/xml; charset=utf-8");
    const xml = await index.text();
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<sitemapindex xmlns="http:\/\/www.sitemaps.org\/schemas\/sitemap\/0.9">/);
    expect(locs(xml)).toEqual([
      "http://store.test/sitemaps/products-1.xml",
      "http://store.test/sitemaps/products-2.xml",
      "http://store.test/sitemaps/categories-1.xml",
    ]);
    expect(xml.match(/<lastmod>2026-11-28T10:00:00.000Z<\/lastmod>/g)).toHaveLength(3);

    const first = locs(await (await call("/sitemaps/products-1.xml")).text());
    const second = await (await call("/sitemaps/products-2.xml")).text();
    expect(first).toHaveLength(SITEMAP_MAX_URLS);
    expect(locs(second)).toHaveLength(PRODUCTS - SITEMAP_MAX_URLS);
    const all = new Set([...first, ...locs(second)]);
    expect(all.size).toBe(PRODUCTS);
    expect(all.has("http://store.test/p/bulk-000000")).toBe(true);
    expect(all.has(`http://store.test/p/bulk-${String(PRODUCTS - 1).padStart(6, "0")}`)).toBe(true);
    expect(all.has("http://store.test/p/bulk-draft")).toBe(false);
    expect(second).toContain("<url><loc>http://store.test/p/bulk-051233</loc><lastmod>2026-11-22T10:00:00.000Z</lastmod></url>");

    const categories = await (await call("/sitemaps/categories-1.xml")).text();
    expect(categories).toContain("<loc>http://store.test/c/seo-bulk</loc><lastmod>2026-11-28T10:00:00.000Z</lastmod>");
    expect((await call("/sitemaps/products-3.xml")).status).toBe(404);
    expect((await call("/sitemaps/vendors-1.xml")).status).toBe(404);
  }, 60_000);
});

describe("structured data", () => {
  it("describes a product with one Offer per variant that passes the merchant-listing checks; no rating without ratings", async () => {
    const category = await insertCategory(env.DB, { slug: "seo-lamps", name: "Lamps" });
    await insertProduct(env.DB, {
      slug: "seo-lamp",
      name: 'Desk Lamp </script><script>alert("x")</script>',
      category,
      variants: [
        { sku: "SEO-LAMP-BLK", title: "Black", options: { color: "Black" }, price: 4999, stockAvailable: 12 },
        { sku: "SEO-LAMP-WHT", title: "White", options: { color: "White" }, price: 5499, stockAvailable: 0 },
      ],
    });
    purgeCatalogCache();
    const product = await getProductBySlug(env, "seo-lamp");
    const ld = productJsonLd(product, "https://shop.example");
    expect(merchantListingProblems(ld)).toEqual({ required: [], recommended: expect.any(Array) });
    expect(ld.offers).toEqual([
      expect.objectContaining({
        sku: "SEO-LAMP-BLK",
        price: "49.99",
        priceCurrency: "USD",
        availability: "https://schema.org/InStock",
        url: "https://shop.example/p/seo-lamp?sku=SEO-LAMP-BLK",
      }),
      expect.objectContaining({ sku: "SEO-LAMP-WHT", price: "54.99", availability: "https://schema.org/OutOfStock" }),
    ]);
    expect(ld.aggregateRating).toBeUndefined();
    const text = jsonLdText(ld);
    expect(text).not.toMatch(/<\/script/i);
    expect(JSON.parse(text)).toEqual(ld);
  });

  it("takes ratings only from the published-review digest it is given, never from the numbers kept on the product", async () => {
    const category = await insertCategory(env.DB, { slug: "seo-mugs", name: "Mugs" });
    await insertProduct(env.DB, {
      slug: "seo-mug",
      name: "Rated Mug",
      category,
      ratingAvg: 460,
      ratingCount: 12,
      variants: [{ sku: "SEO-MUG", title: "Default", options: {}, price: 1800, stockAvailable: 3 }],
    });
    purgeCatalogCache();
    const product = await getProductBySlug(env, "seo-mug");
    expect(productJsonLd(product, "https://shop.example").aggregateRating).toBeUndefined();
    const digest = {
      summary: { average: 4.6, count: 12, distribution: { 1: 0, 2: 1, 3: 0, 4: 2, 5: 9 } },
      reviews: [],
    };
    const ld = productJsonLd(product, "https://shop.example", { reviews: publishedReviewFacts(digest) });
    expect(ld.aggregateRating).toEqual({ "@type": "AggregateRating", ratingValue: 4.6, reviewCount: 12, bestRating: 5, worstRating: 1 });
    expect(merchantListingProblems(ld).required).toEqual([]);
    expect(publishedReviewFacts({ ...digest, summary: { ...digest.summary, average: 0, count: 0 } })).toBeNull();
  });

  it("names the breadcrumb trail and the store's search box", () => {
    const crumbs = breadcrumbJsonLd(
      [{ name: "Home", href: "/" }, { name: "Lamps", href: "/c/lamps" }, { name: "Desk Lamp" }],
      "https://shop.example",
      "/p/desk-lamp",
    );
    expect(crumbs.itemListElement).toEqual([
      { "@type": "ListItem", position: 1, name: "Home", item: "https://shop.example/" },
      { "@type": "ListItem", position: 2, name: "Lamps", item: "https://shop.example/c/lamps" },
      { "@type": "ListItem", position: 3, name: "Desk Lamp", item: "https://shop.example/p/desk-lamp" },
    ]);
    const [org, site] = storeJsonLd("Northwind Goods", "https://shop.example");
    expect(org).toMatchObject({ "@type": "Organization", name: "Northwind Goods", url: "https://shop.example/" });
    expect(site).toMatchObject({
      "@type": "WebSite",
      potentialAction: {
        "@type": "SearchAction",
        target: { urlTemplate: "https://shop.example/search?q={search_term_string}" },
        "query-input": "required name=search_term_string",
      },
    });
  });
});
