import { env } from "cloudflare:workers";
import { resolveCartIdentity } from "../../../worker/cart";
import { AppError } from "../../../worker/lib/errors";
import {
  AddWishlistItemBody,
  addToWishlist,
  CreateWishlistBody,
  createWishlist,
  deleteWishlist,
  MoveWishlistItemBody,
  moveToCart,
  moveWishlistItem,
  ownedWishlistId,
  removeFromWishlist,
  renameWishlist,
  setWishlistSharing,
  UpdateNamedWishlistBody,
  type WishlistCaller,
} from "../../../worker/wishlist";
import { type PageSession, parseWith, redirect } from "../../lib/account";
import { pageWishlistId, skuFromForm, wishlistReturnTo } from "../../lib/wishlist";

/** The wishlist page's address for one list (the default list has the plain address). */
export function listHref(listId: string | null, defaultId: string | null): string {
  return !listId || listId === defaultId ? "/wishlist" : `/wishlist?list=${encodeURIComponent(listId)}`;
}

const CREATES = new Set(["add", "share", "create-list", "rename-list"]);

/**
 * The one form endpoint of every wishlist button in the store (product cards and pages, this page):
 * parses with the wishlist's own schemas and calls the same service functions as the API. Answers a
 * 303 on success; throws what went wrong (the page shows it), with the cookies to set in `cookies`.
 */
export async function handleWishlistPost(form: Record<string, string>, request: Request, url: URL, session: PageSession, cookies: string[]): Promise<Response> {
  const action = form.action ?? "add";
  const { wishlistId, cookies: set } = await pageWishlistId(request, session, CREATES.has(action));
  cookies.push(...set);
  const userId = session?.principal.id ?? null;
  const caller: WishlistCaller = { defaultId: wishlistId, userId };
  // Every action names its list (`list`); none means the default list.
  const listId = (await ownedWishlistId(env, caller, form.list || null)) as string;
  const back = (id: string | null) => listHref(id, wishlistId);

  if (action === "create-list") {
    if (!userId) throw new AppError("auth.unauthenticated", 401, "Sign in to keep more than one list.");
    const { name } = parseWith(CreateWishlistBody, { name: form.name });
    const created = await createWishlist(env, userId, name);
    return redirect(back(created.id), cookies);
  }
  if (action === "rename-list") {
    const { name } = parseWith(UpdateNamedWishlistBody, { name: form.name });
    await renameWishlist(env, caller, listId, name ?? "");
    return redirect(back(listId), cookies);
  }
  if (action === "delete-list") {
    await deleteWishlist(env, caller, listId);
    return redirect("/wishlist?deleted=1", cookies);
  }
  if (action === "share") {
    await setWishlistSharing(env, listId, userId, form.shareEnabled === "true");
    return redirect(back(listId), cookies);
  }
  const sku = await skuFromForm(form);
  if (!sku) throw new AppError("wishlist.sku_not_found", 404, "That product is not sold here.", [{ path: "sku", message: "Unknown product" }]);
  if (action === "remove") {
    await removeFromWishlist(env, listId, sku);
    return redirect(back(listId), cookies);
  }
  if (action === "move-item") {
    const { toListId } = parseWith(MoveWishlistItemBody, { toListId: form.toListId });
    await moveWishlistItem(env, caller, listId, sku, toListId);
    return redirect(back(listId), cookies);
  }
  if (action === "move") {
    const cart = await resolveCartIdentity(env, request.headers.get("cookie"), userId, true);
    await moveToCart(env, listId, cart.cartId as string, sku);
    return redirect(`/cart?added=${encodeURIComponent(sku)}`, [...cookies, ...cart.setCookies]);
  }
  parseWith(AddWishlistItemBody, { sku });
  await addToWishlist(env, listId, userId, sku);
  const returnTo = wishlistReturnTo(form.returnTo, url);
  if (returnTo === "/wishlist") return redirect(back(listId), cookies);
  const to = new URL(returnTo, url.origin);
  to.searchParams.set("wished", form.sku ? sku : (form.product ?? sku));
  return redirect(to.pathname + to.search, cookies);
}
