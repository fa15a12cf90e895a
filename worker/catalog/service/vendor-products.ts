import { AppError } from "../../lib/errors";
import type { AdminProduct, ProductInput, VendorListProductsQuery, VendorProductInput } from "../schema";
import { findAdminProduct, listAdminProducts } from "./admin-products";

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
