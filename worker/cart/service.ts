import type { CartAddResult, CartLine } from "../../durable-objects/cart-session";
import { lookupSkus, SKU_FACTS_MAX_AGE_MS, type SkuFacts } from "../catalog";
import { readCookie, serializeCookie } from "../lib/cookies";
import { AppError } from "../lib/errors";
import type { ServerTimings } from "../lib/server-timing";
import { applyCartCode, type CartPromotions, cartPromotions, carryCartCode, removeCartCode, type Shopper } from "../promotions";
import type { CartLineView, CartView, CartWithPromotions } from "./schema";

export const GUEST_CART_COOKIE = "__Host-cart";
const GUEST_CART_ID = /^cart_[0-9a-z]{26}$/;

/** The cart id of a signed-in user (one cart per account, on every device). */
export function userCartId(userId: string): string {
  return `user:${userId}`;
}

export function isGuestCartId(value: string | undefined | null): value is string {
  return !!value && GUEST_CART_ID.test(value);
}

export function newGuestCartId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(26));
  return `cart_${Array.from(bytes, (b) => "0123456789abcdefghjkmnpqrstvwxyz"[b & 31]).join("")}`;
}

const cart = (env: Env, cartId: string) => env.CART_SESSION.getByName(cartId);

/** Catalog facts may come from this isolate's short-lived cache (cart writes and their answers). */
const CACHED = SKU_FACTS_MAX_AGE_MS;
/** Catalog facts read from D1 now (what a shopper is shown before paying, checkout, merging). */
const FRESH = 0;

function money(amount: number, currency: string) {
  return { amount, currency };
}

/** Prices lines: every price, name and availability from the catalog, with what changed flagged. */
async function priceCart(env: Env, cartId: string, lines: CartLine[], maxAgeMs: number): Promise<CartView> {
  const catalog = await lookupSkus(
    env,
    lines.map((l) => l.sku),
    maxAgeMs,
  );
  const currency = env.BASE_CURRENCY;
  const items: CartLineView[] = lines.map((line) => {
    const entry = catalog.get(line.sku);
    if (!entry || !entry.active) {
      return {
        sku: line.sku,
        productId: entry?.productId ?? null,
        productSlug: entry?.productSlug ?? null,
        name: entry?.name ?? "No longer sold",
        variantTitle: entry?.variantTitle ?? line.sku,
        options: { ...entry?.options },
        image: entry?.image ?? null,
        quantity: line.quantity,
        unitPrice: money(line.priceSeen, currency),
        lineTotal: money(0, currency),
        available: 0,
        issues: ["unavailable"],
        previousUnitPrice: null,
      };
    }
    const issues: CartLineView["issues"] = [];
    if (entry.available <= 0) issues.push("unavailable");
    else if (line.quantity > entry.available) issues.push("quantity_reduced");
    if (entry.price !== line.priceSeen) issues.push("price_changed");
    return {
      sku: line.sku,
      productId: entry.productId,
      productSlug: entry.productSlug,
      name: entry.name,
      variantTitle: entry.variantTitle,
      options: { ...entry.options },
      image: entry.image,
      quantity: line.quantity,
      unitPrice: money(entry.price, entry.currency),
      lineTotal: money(entry.available > 0 ? entry.price * line.quantity : 0, entry.currency),
      available: entry.available,
      issues,
      previousUnitPrice: entry.price !== line.priceSeen ? money(line.priceSeen, entry.currency) : null,
    };
  });
  return {
    id: cartId,
    items,
    itemCount: items.reduce((n, i) => n + i.quantity, 0),
    subtotal: money(
      items.reduce((s, i) => s + i.lineTotal.amount, 0),
      currency,
    ),
    hasIssues: items.some((i) => i.issues.length > 0),
  };
}

/**
 * The cart as it stands, every price, name and availability read from the catalog now (never
 * from the client or the cart), with what changed since each line was added flagged.
 */
export async function viewCart(env: Env, cartId: string, lines?: CartLine[]): Promise<CartView> {
  return priceCart(env, cartId, lines ?? (await cart(env, cartId).lines()), FRESH);
}

/** The SKU's facts if it is on sale; a cached answer that says otherwise is checked again in D1. */
async function sellable(env: Env, sku: string, maxAgeMs: number): Promise<SkuFacts> {
  let entry = (await lookupSkus(env, [sku], maxAgeMs)).get(sku);
  if (!entry?.active && maxAgeMs > 0) entry = (await lookupSkus(env, [sku], FRESH)).get(sku);
  if (!entry?.active) throw new AppError("cart.sku_not_found", 404, `No product is sold as ${sku}.`, [{ path: "sku", message: "Unknown SKU" }]);
  return entry;
}

function notEnough(available: number, path = "quantity"): AppError {
  return available <= 0
    ? new AppError("cart.item_out_of_stock", 409, "This item is out of stock.", [{ path, message: "Out of stock" }])
    : new AppError("cart.insufficient_stock", 409, `Only ${available} left.`, [{ path, message: `Only ${available} available` }]);
}

/**
 * Adds units of a SKU at the catalog's price. The line may not exceed what is available: the
 * cart object checks that against its own lines, so concurrent adds cannot overshoot. One cart
 * round trip; catalog facts may be a few seconds old (a refusal is confirmed against D1 first),
 * and checkout prices and reserves from fresh reads whatever the cart says.
 */
export async function addToCart(env: Env, cartId: string, sku: string, quantity: number, timings?: ServerTimings): Promise<CartView> {
  let entry = timings ? await timings.time("sku", () => sellable(env, sku, CACHED)) : await sellable(env, sku, CACHED);
  let result: CartAddResult = timings
    ? await timings.time("cart", async (): Promise<CartAddResult> => cart(env, cartId).add(sku, quantity, entry.price, entry.available))
    : await cart(env, cartId).add(sku, quantity, entry.price, entry.available);
  if (!result.ok && result.reason === "insufficient_stock") {
    // The cached availability may be old: decide on a fresh read before refusing.
    const fresh = await sellable(env, sku, FRESH);
    if (fresh.available !== entry.available || fresh.price !== entry.price) {
      entry = fresh;
      result = await cart(env, cartId).add(sku, quantity, entry.price, entry.available);
    }
  }
  if (!result.ok) {
    if (result.reason === "too_many_lines") throw new AppError("cart.too_many_lines", 409, "A cart holds at most 50 different items.");
    throw notEnough(result.inCart > entry.available ? 0 : entry.available);
  }
  const lines = result.lines;
  return timings ? timings.time("price", () => priceCart(env, cartId, lines, CACHED)) : priceCart(env, cartId, lines, CACHED);
}

/** Sets a line's quantity (0 removes it), limited by what is available. */
export async function setCartQuantity(env: Env, cartId: string, sku: string, quantity: number): Promise<CartView> {
  if (quantity <= 0) return removeFromCart(env, cartId, sku);
  const cached = (await lookupSkus(env, [sku], CACHED)).get(sku);
  let lines: CartLine[] | null;
  if (cached?.active && quantity <= cached.available) {
    lines = await cart(env, cartId).set(sku, quantity, cached.price);
  } else {
    // Refusals are decided on fresh reads, in the order a shopper should hear them.
    if (!(await cart(env, cartId).lines()).some((l) => l.sku === sku)) lines = null;
    else {
      const entry = await sellable(env, sku, FRESH);
      if (quantity > entry.available) throw notEnough(entry.available);
      lines = await cart(env, cartId).set(sku, quantity, entry.price);
    }
  }
  if (!lines) throw new AppError("cart.line_not_found", 404, `${sku} is not in the cart.`);
  return priceCart(env, cartId, lines, CACHED);
}

/** Removes a line; 404 when the cart has no such line. */
export async function removeFromCart(env: Env, cartId: string, sku: string): Promise<CartView> {
  const lines = await cart(env, cartId).remove(sku);
  if (!lines) throw new AppError("cart.line_not_found", 404, `${sku} is not in the cart.`);
  return priceCart(env, cartId, lines, CACHED);
}

export async function clearCart(env: Env, cartId: string): Promise<void> {
  await cart(env, cartId).clear();
}

/**
 * At sign-in: the guest cart's lines join the account's cart (quantities add, capped by stock) and the guest
 * cart empties; its discount code comes along when the account's cart has none.
 */
export async function mergeGuestCart(env: Env, guestCartId: string, userId: string): Promise<void> {
  const guest = cart(env, guestCartId);
  const lines = await guest.lines();
  if (!lines.length) return;
  await carryCartCode(env, guestCartId, userCartId(userId));
  const catalog = await lookupSkus(
    env,
    lines.map((l) => l.sku),
    FRESH,
  );
  const caps = Object.fromEntries(lines.map((l) => [l.sku, catalog.get(l.sku)?.active ? (catalog.get(l.sku)?.available ?? 0) : 0]));
  await cart(env, userCartId(userId)).merge(lines, caps);
  await guest.clear();
}

const GUEST_CART_MAX_AGE = 30 * 24 * 3600;

/**
 * Which cart a request uses, for the API and the pages alike. Signed in: the
 * account's cart, after folding in a guest cart left in this browser (whose
 * cookie is then cleared). Guest: the cart cookie's id; `create` starts one.
 * `setCookies` must go on the answer.
 */
export async function resolveCartIdentity(
  env: Env,
  cookieHeader: string | null | undefined,
  userId: string | null,
  create: boolean,
): Promise<{ cartId: string | null; setCookies: string[] }> {
  const guestId = readCookie(cookieHeader, GUEST_CART_COOKIE);
  if (userId) {
    if (!isGuestCartId(guestId)) return { cartId: userCartId(userId), setCookies: [] };
    await mergeGuestCart(env, guestId, userId);
    return { cartId: userCartId(userId), setCookies: [serializeCookie(GUEST_CART_COOKIE, "", 0)] };
  }
  if (isGuestCartId(guestId)) return { cartId: guestId, setCookies: [] };
  if (!create) return { cartId: null, setCookies: [] };
  const id = newGuestCartId();
  return { cartId: id, setCookies: [serializeCookie(GUEST_CART_COOKIE, id, GUEST_CART_MAX_AGE)] };
}

/**
 * How many units the visitor's cart holds, read-only (no merge, no cookie):
 * a signed-in shopper's account cart plus a guest cart still left in this
 * browser, which the next cart page or cart call will fold in. No cart
 * cookie and no account: 0 without touching a cart.
 */
export async function cartItemCount(env: Env, cookieHeader: string | null | undefined, userId: string | null): Promise<number> {
  const guestId = readCookie(cookieHeader, GUEST_CART_COOKIE);
  const ids = [userId ? userCartId(userId) : null, isGuestCartId(guestId) ? guestId : null].filter((id): id is string => id !== null);
  const carts = await Promise.all(ids.map((id) => cart(env, id).lines()));
  return carts.flat().reduce((n, l) => n + l.quantity, 0);
}

/** Lines as promotions price them: a line that cannot be bought now counts for nothing. */
const promotionLines = (view: CartView) => view.items.map((i) => ({ ...i, quantity: i.lineTotal.amount === 0 ? 0 : i.quantity }));

/** The discounts of a priced cart: the code it carries plus every automatic promotion it qualifies for. */
export function promotionsOfCart(env: Env, view: CartView, shopper: Shopper & { signedIn: boolean }): Promise<CartPromotions> {
  return cartPromotions(env, view.id, promotionLines(view), shopper);
}

/** The cart with what its discounts take off, for the cart API and page (before checkout). */
export async function viewCartWithPromotions(env: Env, cartId: string, shopper: Shopper & { signedIn: boolean }): Promise<CartWithPromotions> {
  const view = await viewCart(env, cartId);
  return { ...view, promotions: await promotionsOfCart(env, view, shopper) };
}

/** Applies a discount code to the cart (see promotions' `applyCartCode` for the refusals). */
export async function applyPromotionCode(env: Env, cartId: string, code: string, shopper: Shopper & { signedIn: boolean }): Promise<CartWithPromotions> {
  const view = await viewCart(env, cartId);
  return { ...view, promotions: await applyCartCode(env, cartId, code, promotionLines(view), shopper) };
}

/** Takes a code off the cart; 404 when the cart does not carry it. */
export async function removePromotionCode(env: Env, cartId: string, code: string, shopper: Shopper & { signedIn: boolean }): Promise<CartWithPromotions> {
  await removeCartCode(env, cartId, code);
  return viewCartWithPromotions(env, cartId, shopper);
}
