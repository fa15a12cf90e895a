import { type AuditActor, auditStatementIfChanged } from "../../lib/audit";
import { changesOf, runBatch } from "../../lib/d1-batch";
import { AppError } from "../../lib/errors";
import { newId } from "../../lib/ids";
import { storeUploadedImage } from "../../media";
import { catalogChanged } from "../cache";
import type { AdminProduct, ProductInput, VendorListProductsQuery, VendorProductInput } from "../schema";
import { findAdminProduct, listAdminProducts } from "./admin-products";

/** As many pictures as a product's form takes (`images` of the product input). */
export const PRODUCT_IMAGES_MAX = 20;

// A seller's catalog is the staff's catalog seen through one vendor: the same reads and (in inventory) the same
// writes, with the vendor taken from the caller and never from the request.

const notFound = () => new AppError("catalog.product_not_found", 404, "No product has this id.");

/** The products of `vendorId` in any status, with the staff list's search, filters and paging. */
export function listVendorProducts(env: Env, vendorId: string, query: VendorListProductsQuery) {
  return listAdminProducts(env, { ...query, vendor: vendorId });
}

/**
 * One product of `vendorId` in any status. Another seller's product and the store's own answer the same
 * 404 as an id that does not exist, so a seller learns nothing about products that are not theirs.
 */
export async function getVendorProduct(env: Env, vendorId: string, id: string): Promise<AdminProduct> {
  const product = await findAdminProduct(env, id);
  if (!product || product.vendorId !== vendorId) throw notFound();
  return product;
}

/**
 * The staff input a seller's write becomes: the product always belongs to `vendorId`, and what only the
 * store decides (the featured flag, the brand) stays as it was (`before`; off and none for a new product).
 */
export function productInputForVendor(vendorId: string, body: VendorProductInput, before: AdminProduct | null): ProductInput {
  return {
    ...body,
    vendorId,
    featured: before?.featured ?? false,
    brand: before?.brand?.name ?? null,
  };
}

/**
 * A seller uploads a picture for one of their products: the same upload as the staff's (`storeUploadedImage`:
 * R2, type from the bytes, 5 MiB, audited as `media.upload`), then the picture becomes the product's last one
 * with `alt` as its description. Another seller's product is the same 404 as a missing one, answered before
 * anything is stored. The picture is added in one statement that re-checks the owner and the limit of
 * PRODUCT_IMAGES_MAX, so uploads at once each get their own place and never pass the limit together; the
 * product's `updated_at` moves on in the same batch (an edit form opened before gets a 409 rather than dropping
 * the picture), with a `product.image_add` audit entry.
 */
export async function addVendorProductImage(
  env: Env,
  actor: AuditActor,
  vendorId: string,
  productId: string,
  bytes: ArrayBuffer,
  alt: string,
): Promise<AdminProduct> {
  await getVendorProduct(env, vendorId, productId);
  const stored = await storeUploadedImage(env, actor, bytes);
  const [added] = await runBatch(env.DB, [
    env.DB.prepare(
      `INSERT INTO product_images (id, product_id, url, alt, position)
       SELECT ?1, ?2, ?3, ?4, coalesce((SELECT max(position) + 1 FROM product_images WHERE product_id = ?2), 0)
       WHERE EXISTS (SELECT 1 FROM products WHERE id = ?2 AND vendor_id = ?5)
         AND (SELECT count(*) FROM product_images WHERE product_id = ?2) < ?6`,
    ).bind(newId("img"), productId, stored.url, alt, vendorId, PRODUCT_IMAGES_MAX),
    env.DB.prepare("UPDATE products SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id = ?1 AND changes() = 1").bind(productId),
    auditStatementIfChanged(env.DB, actor, { action: "product.image_add", entityType: "product", entityId: productId, after: { url: stored.url, alt } }),
  ]);
  if (changesOf(added) !== 1) {
    await getVendorProduct(env, vendorId, productId);
    throw new AppError("catalog.too_many_images", 409, `A product has at most ${PRODUCT_IMAGES_MAX} pictures: remove one first.`, [
      { path: "file", message: `Already ${PRODUCT_IMAGES_MAX} pictures` },
    ]);
  }
  await catalogChanged(env.DB);
  return getVendorProduct(env, vendorId, productId);
}
