import { and, eq, inArray, ne, sql } from "drizzle-orm";
import { type AuditActor, auditStatement } from "../../lib/audit";
import { allowedImageOrigins, imageUrlProblem } from "../../store";
import { users } from "../../accounts/tables";
import { getDb } from "../../db/client";
import { adjustStock } from "../../inventory/service";
import { AppError, type FieldError } from "../../lib/errors";
import { newId } from "../../lib/ids";
import { orderLines } from "../../orders/tables";
import type { AdminProduct, BulkProductsBody, BulkProductsResult, ProductInput } from "../admin-schema";
import { catalogChanged } from "../service";
import { brands, categories, productAttributes, productImages, products, productVariants } from "../tables";
import { findAdminProduct, freeSlug, getAdminProduct, slugify } from "./admin-products";

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

/** A variant whose ledger still holds stock or holds: it cannot simply disappear. */
export async function stockHeld(env: Env, sku: string): Promise<{ onHand: number; reserved: number } | null> {
  const s = await env.INVENTORY_LEDGER.getByName(sku).snapshot(sku);
  return s.onHand > 0 || s.reserved > 0 ? { onHand: s.onHand, reserved: s.reserved } : null;
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
  const u = await getDb(env.DB).select({ role: users.role }).from(users).where(eq(users.id, vendorId)).get();
  if (u?.role !== "vendor")
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
  else stmts.push(db.insert(products).values({ id, ...fields, minPrice: Math.min(...prices), maxPrice: Math.max(...prices), inStock: 0, createdAt: stamp }));
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
 * Creates or replaces a product with its variants, images and attributes in
 * one D1 batch together with its audit entry, then books the opening stock of
 * new variants through their inventory ledgers and purges the catalog caches.
 * On edit, variants are matched by SKU; removing one that still has stock on
 * hand or reserved is refused (409 `catalog.variant_has_stock`).
 */
export async function saveProduct(env: Env, actor: AuditActor, input: ProductInput, productId?: string): Promise<AdminProduct> {
  const db = getDb(env.DB);
  const before = productId ? await getAdminProduct(db, productId) : null;
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

  const existing = new Map((before?.variants ?? []).map((v) => [v.sku, v]));
  const keep = new Set(input.variants.map((v) => v.sku));
  const removed = (before?.variants ?? []).filter((v) => !keep.has(v.sku));
  for (const v of removed) {
    const held = await stockHeld(env, v.sku);
    if (held)
      throw new AppError("catalog.variant_has_stock", 409, `Variant ${v.sku} still has ${held.onHand} on hand and ${held.reserved} reserved.`, [
        {
          path: "variants",
          message: `${v.sku} has stock (${held.onHand} on hand, ${held.reserved} reserved): bring it to 0 in Inventory first, or keep the variant`,
        },
      ]);
  }

  const brand = await resolveBrand(env, input.brand);
  const id = productId ?? newId("prod");
  const stmts = productWriteStatements(env, actor, input, before, { id, slug, categoryPath: path, brand });
  await db.batch(stmts as unknown as Parameters<typeof db.batch>[0]);
  await catalogChanged(env.DB);

  for (const v of input.variants) {
    if (existing.has(v.sku) || !v.initialStock) continue;
    // The ledger is the only writer of stock; a retried save books the opening stock once (op id per product + SKU).
    await adjustStock(env, v.sku, v.initialStock, `opening stock (by ${actor.actorEmail})`, `open:${id}:${v.sku}`);
  }
  return getAdminProduct(db, id);
}

/**
 * Sets the status of, or deletes, up to 100 products, one audit entry each.
 * A product is deleted only when it was never ordered and none of its
 * variants holds stock; others are reported in `skipped` (archive them).
 */
export async function bulkUpdateProducts(env: Env, actor: AuditActor, body: BulkProductsBody): Promise<BulkProductsResult> {
  const db = getDb(env.DB);
  const ids = [...new Set(body.ids)];
  const found = await db.select({ id: products.id, status: products.status, slug: products.slug }).from(products).where(inArray(products.id, ids)).all();
  const rows = found.sort((a, b) => ids.indexOf(a.id) - ids.indexOf(b.id));
  const known = new Map(rows.map((r) => [r.id, r]));
  const skipped: BulkProductsResult["skipped"] = ids.filter((id) => !known.has(id)).map((id) => ({ id, reason: "No product has this id" }));
  const done: string[] = [];
  const stmts = [];
  const stamp = now();
  if (body.action === "set_status" && body.status) {
    for (const r of rows) {
      if (r.status === body.status) {
        done.push(r.id);
        continue;
      }
      stmts.push(db.update(products).set({ status: body.status, updatedAt: stamp }).where(eq(products.id, r.id)));
      stmts.push(
        auditStatement(env.DB, actor, {
          action: "product.status",
          entityType: "product",
          entityId: r.id,
          before: { status: r.status },
          after: { status: body.status },
        }),
      );
      done.push(r.id);
    }
  } else {
    const ordered = new Set(
      rows.length
        ? (
            await db
              .select({ id: orderLines.productId })
              .from(orderLines)
              .where(
                inArray(
                  orderLines.productId,
                  rows.map((r) => r.id),
                ),
              )
              .all()
          ).map((o) => o.id)
        : [],
    );
    for (const r of rows) {
      if (ordered.has(r.id)) {
        skipped.push({ id: r.id, reason: "It has been ordered: archive it instead" });
        continue;
      }
      const product = await findAdminProduct(db, r.id);
      const held = [];
      for (const v of product?.variants ?? []) if (await stockHeld(env, v.sku)) held.push(v.sku);
      if (held.length) {
        skipped.push({ id: r.id, reason: `Stock on hand or reserved for ${held.join(", ")}: bring it to 0 first, or archive` });
        continue;
      }
      stmts.push(db.delete(productAttributes).where(eq(productAttributes.productId, r.id)));
      stmts.push(db.delete(productImages).where(eq(productImages.productId, r.id)));
      stmts.push(db.delete(productVariants).where(eq(productVariants.productId, r.id)));
      stmts.push(db.delete(products).where(eq(products.id, r.id)));
      stmts.push(auditStatement(env.DB, actor, { action: "product.delete", entityType: "product", entityId: r.id, before: product }));
      done.push(r.id);
    }
  }
  if (stmts.length) {
    await db.batch(stmts as unknown as Parameters<typeof db.batch>[0]);
    await catalogChanged(env.DB);
  }
  return { done, skipped };
}
