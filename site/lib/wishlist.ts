import { env } from "cloudflare:workers";
import { getProductBySlug } from "../../worker/catalog";
import { safeReturnTo } from "../../worker/lib/return-to";
import { listWishlists, resolveWishlistIdentity, userWishlistId } from "../../worker/wishlist";
import type { PageSession } from "./account";

/** The page's wishlist id, exactly as the API resolves it (merging a guest list at sign-in); `cookies` go on the answer. */
export async function pageWishlistId(request: Request, session: PageSession, create: boolean): Promise<{ wishlistId: string | null; cookies: string[] }> {
  const { wishlistId, setCookies } = await resolveWishlistIdentity(env, request.headers.get("cookie"), session?.principal.id ?? null, create);
  return { wishlistId, cookies: setCookies };
}

/**
 * The SKU a wishlist form names: `sku` itself, or for a product card (which knows no SKU) the product's
 * first variant on sale, else its first variant. Null for an unknown product.
 */
export async function skuFromForm(form: Record<string, string>): Promise<string | null> {
  const sku = (form.sku ?? "").trim();
  if (sku) return sku;
  const slug = (form.product ?? "").trim();
  if (!/^[a-z0-9-]{1,160}$/.test(slug)) return null;
  try {
    const product = await getProductBySlug(env, slug);
    return (product.variants.find((v) => v.stockStatus !== "out_of_stock") ?? product.variants[0])?.sku ?? null;
  } catch {
    return null;
  }
}

/** Where a wishlist form goes back to: the page it came from when that is on this store, else the wishlist. */
export function wishlistReturnTo(candidate: string | undefined, url: URL): string {
  return safeReturnTo(candidate, url.origin, "/wishlist");
}

/**
 * The lists a save button offers: a signed-in shopper's lists (their pages bypass the shared cache),
 * none for a guest, whose saves go to their one list.
 */
export async function wishlistChoices(session: PageSession): Promise<{ id: string; name: string; isDefault: boolean }[]> {
  if (!session) return [];
  const userId = session.principal.id;
  const { lists } = await listWishlists(env, { defaultId: userWishlistId(userId), userId });
  return lists.map(({ id, name, isDefault }) => ({ id, name, isDefault }));
}
