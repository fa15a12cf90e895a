import { and, eq, inArray, ne, sql } from "drizzle-orm";
import { allowedImageOrigins, imageUrlProblem } from "../../store";
import { existingVendorIds } from "../../vendors";
import { getDb } from "../../db/client";
import { type AuditActor, auditStatement } from "../../lib/audit";
import { AppError, type FieldError } from "../../lib/errors";
import { newId } from "../../lib/ids";
import { catalogChanged } from "../cache";
import type { AdminProduct, ProductInput, ProductStatus } from "../schema";
import { brands, categories, productAttributes, productImages, products, productVariants } from "../tables";
import { freeSlug, getAdminProduct, slugify } from "./admin-products";

const now = () => new Date().toISOString();

/**
 * One error per picture whose address the storefront could not show: an
 * absolute address must come from an origin allowed under Settings → Images
 * (the page CSP lists exactly those), `images.<n>.url` naming each.
 */
export async function imageUrlErrors(env: Env, images: readonly { url: string }[]): Promise<FieldError[]> {
  if (!images.length) return [];
  const allowed = await allowedImageOrigins(env);
  return images.flatMap((img, i) => {
    const message = imageUrlProblem(img.url, allowed);
    return message ? [{ path: `images.${i}.url`, message }] : [];
  });
}

/** Finds a brand by name (case-insensitive) or slug, or plans its creation. */
export async function resolveBrand(env: Env, name: string | null) {
  if (!name) return { brandId: null, create: null };
  const db = getDb(env.DB);
  const slug = slugify(name);
  const found = await db.select().from(brands).where(sql`lower(${brands.name}) = lower(${name}) OR ${brands.slug} = ${slug}`).get();
  if (found) return { brandId: found.id, create: null };
  const row = { id: newId("brand"), slug, name };
  return { brandId: row.id, create: row };
}

/** The category a product goes in, or a 400 naming `categoryId`. */
async function categoryPath(env: Env, id: string): Promise<string> {
  const cat = await getDb(env.DB).select({ path: categories.path }).from(categories).where(eq(categories.id, id)).get();
  if (!cat) throw new AppError("request.invalid", 400, "The product has invalid fields.", [{ path: "categoryId", message: "Unknown category" }]);
  return cat.path;
}

async function assertVendor(env: Env, vendorId: string | null): Promise<void> {
  if (!vendorId) return;
  if (!(await existingVendorIds(env, [vendorId])).has(vendorId))
    throw new AppError("request.invalid", 400, "The product has invalid fields.", [{ path: "vendorId", message: "No vendor has this id" }]);
}

/** 409 naming each SKU of `input` that belongs to another product. */
async function assertSkusFree(env: Env, input: ProductInput, productId: string | null): Promise<void> {
  const skus = input.variants.map((v) => v.sku);
  const db = getDb(env.DB);
  const clash = await db
    .select({ sku: productVariants.sku })
    .from(productVariants)
    .where(productId ? and(inArray(productVariants.sku, skus), ne(productVariants.productId, productId)) : inArray(productVariants.sku, skus))
    .all();
  if (clash.length) {
    const taken = new Set(clash.map((c) => c.sku));
    const errors: FieldError[] = input.variants.flatMap((v, i) =>
      taken.has(v.sku) ? [{ path: `variants.${i}.sku`, message: "Another product uses this SKU" }] : [],
    );
    throw new AppError("catalog.sku_taken", 409, "A SKU is already used by another product.", errors);
  }
}

const variantTitle = (v: ProductInput["variants"][number]) => v.title || Object.values(v.options).join(" / ") || "Default";

export interface ProductTarget {
  id: string;
  slug: string;
  categoryPath: string;
  brand: { brandId: string | null; create: { id: string; slug: string; name: string } | null };
}

/**
 * The D1 statements that create (`before` null) or replace a product, with its
 * audit entry, for one `db.batch()`. Variants are matched by SKU: those of
 * `before` missing from `input` are deleted (callers check their stock first).
 */
export function productWriteStatements(env: Env, actor: AuditActor, input: ProductInput, before: AdminProduct | null, target: ProductTarget) {
  const db = getDb(env.DB);
  const id = target.id;
  const existing = new Map((before?.variants ?? []).map((v) => [v.sku, v]));
  const keep = new Set(input.variants.map((v) => v.sku));
  const removed = (before?.variants ?? []).filter((v) => !keep.has(v.sku));
  const stamp = now();
  const prices = input.variants.map((v) => v.price);
  const fields = {
    slug: target.slug,
    name: input.name,
    description: input.description,
    status: input.status,
    featured: input.featured ? 1 : 0,
    categoryId: input.categoryId,
    categoryPath: target.categoryPath,
    brandId: target.brand.brandId,
    vendorId: input.vendorId,
    seoTitle: input.seoTitle,
    seoDescription: input.seoDescription,
    updatedAt: stamp,
  };
  const after = { id, ...fields, attributes: input.attributes, images: input.images, variants: input.variants };
  const stmts = [];
  if (target.brand.create) {
    stmts.push(db.insert(brands).values(target.brand.create));
    stmts.push(auditStatement(env.DB, actor, { action: "brand.create", entityType: "brand", entityId: target.brand.create.id, after: target.brand.create }));
  }
  if (before) stmts.push(db.update(products).set(fields).where(eq(products.id, id)));
  else
    stmts.push(
      db
        .insert(products)
        .values({ id, ...fields, currency: env.BASE_CURRENCY, minPrice: Math.min(...prices), maxPrice: Math.max(...prices), inStock: 0, createdAt: stamp }),
    );
  if (removed.length)
    stmts.push(
      db.delete(productVariants).where(
        inArray(
          productVariants.id,
          removed.map((v) => v.id),
        ),
      ),
    );
  input.variants.forEach((v, position) => {
    const values = {
      title: variantTitle(v),
      options: v.options,
      price: v.price,
      compareAtPrice: v.compareAtPrice,
      weightGrams: v.weightGrams,
      // undefined leaves the column as it is (drizzle skips it); null clears it.
      gtin: v.gtin,
      mpn: v.mpn,
      position,
    };
    const old = existing.get(v.sku);
    if (old) stmts.push(db.update(productVariants).set(values).where(eq(productVariants.id, old.id)));
    else stmts.push(db.insert(productVariants).values({ id: newId("var"), productId: id, sku: v.sku, ...values }));
  });
  // Inserted or removed variants fire no trigger: derive the listing columns here (this UPDATE reaches search by trigger).
  stmts.push(
    db
      .update(products)
      .set({
        minPrice: sql`coalesce((SELECT min(price) FROM product_variants WHERE product_id = ${id}), 0)`,
        maxPrice: sql`coalesce((SELECT max(price) FROM product_variants WHERE product_id = ${id}), 0)`,
        inStock: sql`EXISTS (SELECT 1 FROM product_variants WHERE product_id = ${id} AND stock_available > 0)`,
      })
      .where(eq(products.id, id)),
  );
  stmts.push(db.delete(productImages).where(eq(productImages.productId, id)));
  input.images.forEach((img, position) => {
    stmts.push(db.insert(productImages).values({ id: newId("img"), productId: id, url: img.url, alt: img.alt || input.name, position }));
  });

  stmts.push(db.delete(productAttributes).where(eq(productAttributes.productId, id)));
  for (const a of input.attributes) stmts.push(db.insert(productAttributes).values({ productId: id, name: a.name, value: a.value }));
  stmts.push(
    auditStatement(env.DB, actor, {
      action: before ? "product.update" : "product.create",
      entityType: "product",
      entityId: id,
      before: before ?? undefined,
      after,
    }),
  );
  return stmts;
}

/**
 * Creates or replaces a product with its variants, images and attributes in one D1 batch together
 * with its audit entry, then purges the catalog caches. On edit, variants are matched by SKU and
 * those missing from `input` are deleted: stock lives in inventory, so the caller that may remove
 * a variant (inventory's product save) checks its ledger first. New products are priced in the
 * store's base currency. Opening stock (`initialStock`) is not booked here: inventory books it.
 */
export async function saveProduct(env: Env, actor: AuditActor, input: ProductInput, productId?: string): Promise<AdminProduct> {
  const db = getDb(env.DB);
  const before = productId ? await getAdminProduct(env, productId) : null;
  if (before && input.expectedUpdatedAt && input.expectedUpdatedAt !== before.updatedAt)
    throw new AppError("catalog.stale_product", 409, "Someone else changed this product since you opened it. Reload and apply your changes again.");
  const imageErrors = await imageUrlErrors(env, input.images);
  if (imageErrors.length)
    throw new AppError(
      "catalog.image_origin",
      400,
      "A picture comes from an origin the store does not allow: add it under Settings → Images (allowed image origins), or upload the picture.",
      imageErrors,
    );
  const path = await categoryPath(env, input.categoryId);
  await assertVendor(env, input.vendorId);
  await assertSkusFree(env, input, productId ?? null);
  let slug: string;
  if (input.slug) {
    const clash = await db.select({ id: products.id }).from(products).where(eq(products.slug, input.slug)).get();
    if (clash && clash.id !== productId)
      throw new AppError("catalog.slug_taken", 409, "Another product has this slug.", [{ path: "slug", message: "Already used by another product" }]);
    slug = input.slug;
  } else slug = before?.slug ?? (await freeSlug(db, slugify(input.name)));

  const brand = await resolveBrand(env, input.brand);
  const id = productId ?? newId("prod");
  const stmts = productWriteStatements(env, actor, input, before, { id, slug, categoryPath: path, brand });
  await db.batch(stmts as unknown as Parameters<typeof db.batch>[0]);
  await catalogChanged(env.DB);
  const after = await getAdminProduct(env, id);
  if (before) await announcePriceChanges(env, before, after);
  return after;
}

/** One variant's price before and after a product save; `changedAt` is the product's new `updatedAt`. */
export interface PriceChange {
  sku: string;
  productSlug: string;
  productName: string;
  variantTitle: string;
  before: number;
  after: number;
  currency: string;
  changedAt: string;
}
export type PriceListener = (env: Env, changes: PriceChange[]) => Promise<void>;
const priceListeners: PriceListener[] = [];

/**
 * A later domain's reaction to changed variant prices (wishlist: price-drop alerts). Catalog comes
 * before it in the layer order, so it registers here when loaded; each call runs inside the request
 * that saved the product, with that request's env.
 */
export function registerPriceListener(listener: PriceListener): void {
  priceListeners.push(listener);
}

/** Tells the registered listeners which variant prices a write changed (every price write path calls it after committing). */
export async function announcePriceChanges(env: Env, before: AdminProduct, after: AdminProduct): Promise<void> {
  const old = new Map(before.variants.map((v) => [v.sku, v.price]));
  const changes: PriceChange[] = [];
  for (const v of after.variants) {
    const was = old.get(v.sku);
    if (was === undefined || was === v.price) continue;
    changes.push({
      sku: v.sku,
      productSlug: after.slug,
      productName: after.name,
      variantTitle: v.title,
      before: was,
      after: v.price,
      currency: after.currency,
      changedAt: after.updatedAt,
    });
  }
  if (!changes.length) return;
  for (const listener of priceListeners) {
    try {
      await listener(env, changes);
    } catch (err) {
      console.error(JSON.stringify({ level: "error", msg: "price listener failed", product: after.id, error: String(err) }));
    }
  }
}

/** Sets the status of up to 100 products, one audit entry each; unknown ids are reported in `skipped`. */
export async function setProductsStatus(
  env: Env,
  actor: AuditActor,
  ids: readonly string[],
  status: ProductStatus,
): Promise<{ done: string[]; skipped: { id: string; reason: string }[] }> {
  const db = getDb(env.DB);
  const unique = [...new Set(ids)];
  const rows = await db.select({ id: products.id, status: products.status }).from(products).where(inArray(products.id, unique)).all();
  const known = new Map(rows.map((r) => [r.id, r]));
  const skipped = unique.filter((id) => !known.has(id)).map((id) => ({ id, reason: "No product has this id" }));
  const done: string[] = [];
  const stmts = [];
  const stamp = now();
  for (const id of unique) {
    const r = known.get(id);
    if (!r) continue;
    done.push(id);
    if (r.status === status) continue;
    stmts.push(db.update(products).set({ status, updatedAt: stamp }).where(eq(products.id, id)));
    stmts.push(
      auditStatement(env.DB, actor, { action: "product.status", entityType: "product", entityId: id, before: { status: r.status }, after: { status } }),
    );
  }
  if (stmts.length) {
    await db.batch(stmts as unknown as Parameters<typeof db.batch>[0]);
    await catalogChanged(env.DB);
  }
  return { done, skipped };
}

/**
 * Deletes products with their variants, images and attributes, one audit entry each (the product as
 * it was). The caller decides what is safe to delete (inventory: no stock and never sold).
 */
export async function deleteProducts(env: Env, actor: AuditActor, doomed: readonly AdminProduct[]): Promise<void> {
  if (!doomed.length) return;
  const db = getDb(env.DB);
  const stmts = [];
  for (const product of doomed) {
    stmts.push(db.delete(productAttributes).where(eq(productAttributes.productId, product.id)));
    stmts.push(db.delete(productImages).where(eq(productImages.productId, product.id)));
    stmts.push(db.delete(productVariants).where(eq(productVariants.productId, product.id)));
    stmts.push(db.delete(products).where(eq(products.id, product.id)));
    stmts.push(auditStatement(env.DB, actor, { action: "product.delete", entityType: "product", entityId: product.id, before: product }));
  }
  await db.batch(stmts as unknown as Parameters<typeof db.batch>[0]);
  await catalogChanged(env.DB);
}

/**
 * The statement that mirrors a SKU's low-stock threshold into the catalog's variant row (what the
 * low-stock lists read), for the caller's own batch: inventory owns the figure, catalog the row.
 */
export function variantThresholdStatement(env: Env, sku: string, threshold: number) {
  const db = getDb(env.DB);
  return db.update(productVariants).set({ lowStockThreshold: threshold }).where(eq(productVariants.sku, sku));
}
