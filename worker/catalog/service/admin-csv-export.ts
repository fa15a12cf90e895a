import { asc, eq } from "drizzle-orm";
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

/** Every product (any status) as CSV, one row per variant, in slug order. */
export async function exportProductsCsv(env: Env): Promise<string> {
  const db = getDb(env.DB);
  // The join runs outside the batch: batched rows are objects, and same-named joined columns would collide.
  const rows = await db
    .select({ p: products, category: categories.slug, brand: brands.name })
    .from(products)
    .leftJoin(categories, eq(categories.id, products.categoryId))
    .leftJoin(brands, eq(brands.id, products.brandId))
    .orderBy(asc(products.slug))
    .all();
  const [variants, images, attributes] = await db.batch([
    db.select().from(productVariants).orderBy(asc(productVariants.productId), asc(productVariants.position)),
    db.select().from(productImages).orderBy(asc(productImages.productId), asc(productImages.position)),
    db.select().from(productAttributes).orderBy(asc(productAttributes.productId), asc(productAttributes.name)),
  ]);
  const group = <T extends { productId: string }>(list: T[]) => {
    const m = new Map<string, T[]>();
    for (const x of list) m.set(x.productId, [...(m.get(x.productId) ?? []), x]);
    return m;
  };
  const byVariant = group(variants);
  const byImage = group(images);
  const byAttr = group(attributes);
  const out: (string | number | null)[][] = [[...CSV_COLUMNS]];
  for (const { p, category, brand } of rows) {
    const attrs = (byAttr.get(p.id) ?? []).map((a) => `${a.name}=${a.value}`).join("; ");
    const imgs = (byImage.get(p.id) ?? []).map((i) => i.url).join(" | ");
    for (const v of byVariant.get(p.id) ?? []) {
      out.push([
        p.slug,
        p.name,
        p.status,
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
  return toCsv(out);
}
