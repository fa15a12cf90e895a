import { and, asc, desc, eq, gte, inArray, lt, lte, type SQL, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { AppError } from "../lib/errors";
import { MemoCache } from "../lib/memo-cache";
import { purgePageCache } from "../lib/page-cache";
import type { CategoryNode, ListProductsQuery, ProductDetail, ProductPage, ProductSummary, StockStatus } from "./schema";
import { brands, categories, productAttributes, productImages, products, productVariants } from "./tables";

/** Hot catalog reads are served from this isolate's memory for this long. */
export const CATALOG_TTL_MS = 30_000;
export const LOW_STOCK_AT = 5;

const cache = new MemoCache();

/** Forgets every cached catalog answer and rendered catalog page in this isolate (call after catalog writes). */
export function purgeCatalogCache(): void {
  cache.purge();
  purgePageCache();
}

function money(amount: number, currency: string) {
  return { amount, currency };
}

function stockStatus(available: number): StockStatus {
  if (available <= 0) return "out_of_stock";
  return available <= LOW_STOCK_AT ? "low_stock" : "in_stock";
}

/**
 * The category tree with active product counts per subtree, ordered by
 * position. Cached: it changes only when categories or products do.
 */
export function listCategoryTree(db: Db): Promise<CategoryNode[]> {
  return cache.get("categories", CATALOG_TTL_MS, async () => {
    const [rows, counts] = await db.batch([
      db.select().from(categories).orderBy(asc(categories.depth), asc(categories.position), asc(categories.name)),
      db
        .select({ categoryId: products.categoryId, count: sql<number>`count(*)` })
        .from(products)
        .where(eq(products.status, "active"))
        .groupBy(products.categoryId),
    ]);
    const direct = new Map(counts.map((c) => [c.categoryId, c.count]));
    const nodes = new Map<string, CategoryNode & { parentId: string | null }>();
    for (const r of rows) {
      nodes.set(r.id, {
        id: r.id,
        slug: r.slug,
        name: r.name,
        description: r.description,
        productCount: direct.get(r.id) ?? 0,
        children: [],
        parentId: r.parentId,
      });
    }
    const roots: CategoryNode[] = [];
    // Rows come shallowest first, so a parent exists before its children attach.
    for (const node of nodes.values()) {
      const parent = node.parentId ? nodes.get(node.parentId) : undefined;
      if (parent) parent.children.push(node);
      else roots.push(node);
    }
    const total = (n: CategoryNode): number => {
      n.productCount += n.children.reduce((s, c) => s + total(c), 0);
      return n.productCount;
    };
    for (const r of roots) total(r);
    const strip = (n: CategoryNode & { parentId?: string | null }): CategoryNode => ({
      id: n.id,
      slug: n.slug,
      name: n.name,
      description: n.description,
      productCount: n.productCount,
      children: n.children.map(strip),
    });
    return roots.map(strip);
  });
}

/** One category by slug with its ancestors (root first), or null. */
export async function findCategory(db: Db, slug: string) {
  const tree = await listCategoryTree(db);
  const walk = (nodes: CategoryNode[], trail: CategoryNode[]): { category: CategoryNode; ancestors: CategoryNode[] } | null => {
    for (const n of nodes) {
      if (n.slug === slug) return { category: n, ancestors: trail };
      const found = walk(n.children, [...trail, n]);
      if (found) return found;
    }
    return null;
  };
  return walk(tree, []);
}

const SORTS = {
  relevance: [desc(products.featured), desc(products.soldCount), asc(products.id)],
  price_asc: [asc(products.minPrice), asc(products.id)],
  price_desc: [desc(products.minPrice), asc(products.id)],
  newest: [desc(products.createdAt), asc(products.id)],
  rating: [desc(products.ratingAvg), desc(products.ratingCount), asc(products.id)],
  bestselling: [desc(products.soldCount), asc(products.id)],
} as const;

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (ch) => `\\${ch}`);
}

/**
 * Active products matching the filters, sorted and paged. Prices are the
 * lowest variant price in the store's base currency. Unknown category or
 * brand slugs simply match nothing.
 */
export function listProducts(db: Db, query: ListProductsQuery): Promise<ProductPage> {
  const key = `products:${JSON.stringify(query)}`;
  return cache.get(key, CATALOG_TTL_MS, async () => {
    const where: SQL[] = [eq(products.status, "active")];
    if (query.category) {
      const row = await db.select({ path: categories.path }).from(categories).where(eq(categories.slug, query.category)).get();
      if (!row) return { items: [], total: 0, page: query.page, perPage: query.perPage };
      // Paths are "/id/id/"; every descendant's path sorts in [path, path with its last "/" raised to "0"),
      // a range the category_path index answers directly.
      where.push(gte(products.categoryPath, row.path), lt(products.categoryPath, `${row.path.slice(0, -1)}0`));
    }
    if (query.brand?.length) {
      where.push(inArray(products.brandId, db.select({ id: brands.id }).from(brands).where(inArray(brands.slug, query.brand))));
    }
    if (query.vendor) where.push(eq(products.vendorId, query.vendor));
    if (query.minPrice !== undefined) where.push(gte(products.minPrice, query.minPrice));
    if (query.maxPrice !== undefined) where.push(lte(products.minPrice, query.maxPrice));
    if (query.inStock) where.push(eq(products.inStock, 1));
    if (query.q) {
      for (const word of query.q.toLowerCase().split(/\s+/).filter(Boolean).slice(0, 8)) {
        where.push(sql`lower(${products.name}) like ${`%${escapeLike(word)}%`} escape '\\'`);
      }
    }
    for (const [k, v] of Object.entries(query)) {
      if (!k.startsWith("attr.") || typeof v !== "string") continue;
      const values = v.split(",").slice(0, 20);
      where.push(
        sql`exists (select 1 from ${productAttributes} where ${productAttributes.productId} = ${products.id} and ${productAttributes.name} = ${k.slice(5)} and ${inArray(productAttributes.value, values)})`,
      );
    }
    const condition = and(...where);
    const [rows, [count]] = await db.batch([
      db
        .select({
          id: products.id,
          slug: products.slug,
          name: products.name,
          currency: products.currency,
          minPrice: products.minPrice,
          inStock: products.inStock,
          ratingAvg: products.ratingAvg,
          ratingCount: products.ratingCount,
          createdAt: products.createdAt,
          // Aliased: joined columns of the same name would overwrite each other in D1's row objects.
          brandSlug: sql<string | null>`${brands.slug}`.as("brand_slug"),
          brandName: sql<string | null>`${brands.name}`.as("brand_name"),
          categorySlug: sql<string>`${categories.slug}`.as("category_slug"),
          categoryName: sql<string>`${categories.name}`.as("category_name"),
          compareAt: sql<
            number | null
          >`(select min(${productVariants.compareAtPrice}) from ${productVariants} where ${productVariants.productId} = ${products.id} and ${productVariants.price} = ${products.minPrice})`,
          imageUrl: sql<
            string | null
          >`(select ${productImages.url} from ${productImages} where ${productImages.productId} = ${products.id} order by ${productImages.position} limit 1)`,
        })
        .from(products)
        .leftJoin(brands, eq(brands.id, products.brandId))
        .innerJoin(categories, eq(categories.id, products.categoryId))
        .where(condition)
        .orderBy(...SORTS[query.sort])
        .limit(query.perPage)
        .offset((query.page - 1) * query.perPage),
      db.select({ total: sql<number>`count(*)` }).from(products).where(condition),
    ]);
    const items: ProductSummary[] = rows.map((r) => ({
      id: r.id,
      slug: r.slug,
      name: r.name,
      brand: r.brandSlug && r.brandName ? { slug: r.brandSlug, name: r.brandName } : null,
      category: { slug: r.categorySlug, name: r.categoryName },
      price: money(r.minPrice, r.currency),
      compareAtPrice: r.compareAt && r.compareAt > r.minPrice ? money(r.compareAt, r.currency) : null,
      image: r.imageUrl ? { url: r.imageUrl, alt: r.name } : null,
      rating: { average: r.ratingAvg / 100, count: r.ratingCount },
      inStock: r.inStock === 1,
      createdAt: r.createdAt,
    }));
    return { items, total: count?.total ?? 0, page: query.page, perPage: query.perPage };
  });
}

/**
 * One active product with everything its page shows. Throws
 * `catalog.product_not_found` (404) for unknown, draft or archived products.
 */
export function getProductBySlug(db: Db, slug: string): Promise<ProductDetail> {
  return cache.get(`product:${slug}`, CATALOG_TTL_MS, async () => {
    const row = await db
      .select({ product: products, brand: brands })
      .from(products)
      .leftJoin(brands, eq(brands.id, products.brandId))
      .where(and(eq(products.slug, slug), eq(products.status, "active")))
      .get();
    if (!row) throw new AppError("catalog.product_not_found", 404, `No product is called "${slug}".`);
    const p = row.product;
    const [variants, images, attributes, categoryRows] = await db.batch([
      db.select().from(productVariants).where(eq(productVariants.productId, p.id)).orderBy(asc(productVariants.position)),
      db.select().from(productImages).where(eq(productImages.productId, p.id)).orderBy(asc(productImages.position)),
      db.select().from(productAttributes).where(eq(productAttributes.productId, p.id)).orderBy(asc(productAttributes.name)),
      db
        .select({ id: categories.id, slug: categories.slug, name: categories.name, depth: categories.depth })
        .from(categories)
        .where(inArray(categories.id, p.categoryPath.split("/").filter(Boolean)))
        .orderBy(asc(categories.depth)),
    ]);
    const optionValues = new Map<string, string[]>();
    for (const v of variants) {
      for (const [name, value] of Object.entries(v.options)) {
        const list = optionValues.get(name) ?? [];
        if (!list.includes(value)) list.push(value);
        optionValues.set(name, list);
      }
    }
    const own = categoryRows.find((c) => c.id === p.categoryId) ?? { slug: "", name: "" };
    const prices = variants.map((v) => v.price);
    return {
      id: p.id,
      slug: p.slug,
      name: p.name,
      description: p.description,
      brand: row.brand ? { slug: row.brand.slug, name: row.brand.name } : null,
      category: { slug: own.slug, name: own.name, breadcrumbs: categoryRows.map((c) => ({ slug: c.slug, name: c.name })) },
      priceRange: {
        min: money(prices.length ? Math.min(...prices) : p.minPrice, p.currency),
        max: money(prices.length ? Math.max(...prices) : p.maxPrice, p.currency),
      },
      images: images.map((i) => ({ url: i.url, alt: i.alt })),
      options: [...optionValues].map(([name, values]) => ({ name, values })),
      variants: variants.map((v) => ({
        sku: v.sku,
        title: v.title,
        options: v.options,
        price: money(v.price, p.currency),
        compareAtPrice: v.compareAtPrice && v.compareAtPrice > v.price ? money(v.compareAtPrice, p.currency) : null,
        weightGrams: v.weightGrams,
        stockStatus: stockStatus(v.stockAvailable),
        available: v.stockAvailable > 0 && v.stockAvailable <= LOW_STOCK_AT ? v.stockAvailable : null,
      })),
      attributes: attributes.map((a) => ({ name: a.name, value: a.value })),
      rating: { average: p.ratingAvg / 100, count: p.ratingCount },
      seo: { title: p.seoTitle ?? p.name, description: p.seoDescription ?? p.description.slice(0, 160) },
      createdAt: p.createdAt,
      updatedAt: p.updatedAt,
    };
  });
}

/** Featured active products for the home page, best sellers first. */
export function listFeaturedProducts(db: Db, limit = 8): Promise<ProductSummary[]> {
  return cache.get(`featured:${limit}`, CATALOG_TTL_MS, async () => {
    const page = await listProducts(db, { sort: "relevance", page: 1, perPage: limit } as ListProductsQuery);
    return page.items;
  });
}
