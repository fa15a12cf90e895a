import { and, asc, eq, inArray, sql } from "drizzle-orm";
import { getDb } from "../../db/client";
import { AppError } from "../../lib/errors";
import { MemoCache } from "../../lib/memo-cache";
import { CATALOG_TTL_MS, onCatalogChange } from "../cache";
import type { CategoryNode, ProductDetail, StockStatus } from "../schema";
import { brands, categories, productAttributes, productImages, products, productVariants } from "../tables";
import { sellerListed } from "./seller-listed";

/** Stock at or below this shows as "only N left" to shoppers. */
export const LOW_STOCK_AT = 5;

const cache = new MemoCache();
onCatalogChange(() => cache.purge());

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
export function listCategoryTree(env: Env): Promise<CategoryNode[]> {
  return cache.get("categories", CATALOG_TTL_MS, async () => {
    const db = getDb(env.DB);
    const [rows, counts] = await db.batch([
      db.select().from(categories).orderBy(asc(categories.depth), asc(categories.position), asc(categories.name)),
      db
        .select({ categoryId: products.categoryId, count: sql<number>`count(*)` })
        .from(products)
        .where(and(eq(products.status, "active"), sellerListed(products.vendorId)))
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
export async function findCategory(env: Env, slug: string) {
  const tree = await listCategoryTree(env);
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

/**
 * One active product with everything its page shows. Throws
 * `catalog.product_not_found` (404) for unknown, draft or archived products, and for products of a
 * seller that is not active (pending, suspended): they come back when the seller is reinstated.
 */
export function getProductBySlug(env: Env, slug: string): Promise<ProductDetail> {
  return cache.get(`product:${slug}`, CATALOG_TTL_MS, async () => {
    const db = getDb(env.DB);
    const row = await db
      .select({ product: products, brand: brands })
      .from(products)
      .leftJoin(brands, eq(brands.id, products.brandId))
      .where(and(eq(products.slug, slug), eq(products.status, "active"), sellerListed(products.vendorId)))
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
        gtin: v.gtin,
        mpn: v.mpn,
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
