import { asc, eq, gt, sql } from "drizzle-orm";
import { getDb } from "../../db/client";
import { toCsv } from "../csv";
import { brands, categories, productAttributes, productImages, products, productVariants } from "../tables";

/**
 * The columns of the product CSV, one row per variant. Product columns repeat
 * on each of a product's rows (or stay empty after its first row).
 */
export const CSV_COLUMNS = [
  "product_slug",
  "product_name",
  "status",
  "featured",
  "category_slug",
  "brand",
  "vendor_id",
  "description",
  "seo_title",
  "seo_description",
  "attributes",
  "images",
  "sku",
  "variant_title",
  "options",
  "price_minor",
  "compare_at_minor",
  "weight_grams",
  "stock_available",
] as const;
const pairs = (m: Record<string, string>) =>
  Object.entries(m)
    .map(([k, v]) => `${k}=${v}`)
    .join("; ");

/** Products per chunk of the export: a few D1 queries each, well inside the per-invocation query limit. */
const EXPORT_CHUNK = 1_000;

/** One chunk of the export (products after `afterSlug`, in slug order) as CSV rows, and the last slug in it. */
async function exportChunk(env: Env, afterSlug: string): Promise<{ rows: (string | number | null)[][]; last: string | null }> {
  const db = getDb(env.DB);
  // The join runs outside a batch: batched rows are objects, and same-named joined columns would collide.
  const chunk = await db
    .select({ p: products, category: categories.slug, brand: brands.name })
    .from(products)
    .leftJoin(categories, eq(categories.id, products.categoryId))
    .leftJoin(brands, eq(brands.id, products.brandId))
    .where(gt(products.slug, afterSlug))
    .orderBy(asc(products.slug))
    .limit(EXPORT_CHUNK)
    .all();
  const last = chunk.at(-1)?.p.slug ?? null;
  if (!last) return { rows: [], last: null };
  const inChunk = sql`(SELECT id FROM products WHERE slug > ${afterSlug} AND slug <= ${last})`;
  const [variants, images, attributes] = await db.batch([
    db
      .select()
      .from(productVariants)
      .where(sql`${productVariants.productId} IN ${inChunk}`)
      .orderBy(asc(productVariants.productId), asc(productVariants.position)),
    db.select().from(productImages).where(sql`${productImages.productId} IN ${inChunk}`).orderBy(asc(productImages.productId), asc(productImages.position)),
    db
      .select()
      .from(productAttributes)
      .where(sql`${productAttributes.productId} IN ${inChunk}`)
      .orderBy(asc(productAttributes.productId), asc(productAttributes.name)),
  ]);
  const group = <T extends { productId: string }>(list: T[]) => {
    const m = new Map<string, T[]>();
    for (const x of list) {
      const l = m.get(x.productId);
      if (l) l.push(x);
      else m.set(x.productId, [x]);
    }
    return m;
  };
  const byVariant = group(variants);
  const byImage = group(images);
  const byAttr = group(attributes);
  const rows: (string | number | null)[][] = [];
  for (const { p, category, brand } of chunk) {
    const attrs = (byAttr.get(p.id) ?? []).map((a) => `${a.name}=${a.value}`).join("; ");
    const imgs = (byImage.get(p.id) ?? []).map((i) => i.url).join(" | ");
    for (const v of byVariant.get(p.id) ?? []) {
      rows.push([
        p.slug,
        p.name,
        p.status,
        p.featured === 1 ? "yes" : "no",
        category ?? "",
        brand ?? "",
        p.vendorId ?? "",
        p.description,
        p.seoTitle ?? "",
        p.seoDescription ?? "",
        attrs,
        imgs,
        v.sku,
        v.title,
        pairs(v.options),
        v.price,
        v.compareAtPrice,
        v.weightGrams,
        v.stockAvailable,
      ]);
    }
  }
  return { rows, last };
}

/**
 * Every product (any status) as CSV, one row per variant, in slug order,
 * streamed a chunk of products at a time so a large catalog never sits in
 * memory whole (100,000 products export to about 200 MB).
 */
export function exportProductsCsv(env: Env): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let after: string | null = "";
  let headerSent = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!headerSent) {
        headerSent = true;
        controller.enqueue(encoder.encode(toCsv([[...CSV_COLUMNS]])));
        return;
      }
      if (after === null) {
        controller.close();
        return;
      }
      const { rows, last } = await exportChunk(env, after);
      after = last;
      if (rows.length) controller.enqueue(encoder.encode(toCsv(rows)));
    },
  });
}
