import { eq, inArray } from "drizzle-orm";
import type { CartLine } from "../../durable-objects/cart-session";
import { productImages, products, productVariants } from "../catalog/tables";
import { getDb } from "../db/client";
import { readCookie, serializeCookie } from "../lib/auth";
import { AppError } from "../lib/errors";
import type { CartLineView, CartView } from "./schema";

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

interface CatalogEntry {
  sku: string;
  productId: string;
  productSlug: string;
  name: string;
  variantTitle: string;
  options: Record<string, string>;
  price: number;
  currency: string;
  available: number;
  active: boolean;
  image: string | null;
}

/** Current catalog facts for SKUs, read fresh from D1 (never from the client or the cart). */
export async function catalogForSkus(env: Env, skus: string[]): Promise<Map<string, CatalogEntry>> {
  if (!skus.length) return new Map();
  const db = getDb(env.DB);
  const rows = await db
    .select({
      sku: productVariants.sku,
      productId: products.id,
      productSlug: products.slug,
      name: products.name,
      variantTitle: productVariants.title,
      options: productVariants.options,
      price: productVariants.price,
      currency: products.currency,
      available: productVariants.stockAvailable,
      status: products.status,
    })
    .from(productVariants)
    .innerJoin(products, eq(products.id, productVariants.productId))
    .where(inArray(productVariants.sku, skus));
  const images = rows.length
    ? await db
        .select({ productId: productImages.productId, url: productImages.url, position: productImages.position })
        .from(productImages)
        .where(inArray(productImages.productId, [...new Set(rows.map((r) => r.productId))]))
    : [];
  const firstImage = new Map<string, string>();
  for (const img of images.sort((a, b) => a.position - b.position)) if (!firstImage.has(img.productId)) firstImage.set(img.productId, img.url);
  return new Map(
    rows.map((r) => [r.sku, { ...r, active: r.status === "active", available: Math.max(0, r.available), image: firstImage.get(r.productId) ?? null }]),
  );
}

function money(amount: number, currency: string) {
  return { amount, currency };
}

/** Builds the cart answer: every price, name and availability from the catalog, with what changed flagged. */
export async function viewCart(env: Env, cartId: string, lines?: CartLine[]): Promise<CartView> {
  const current = lines ?? (await cart(env, cartId).lines());
  const catalog = await catalogForSkus(
    env,
    current.map((l) => l.sku),
  );
  const currency = env.BASE_CURRENCY;
  const items: CartLineView[] = current.map((line) => {
    const entry = catalog.get(line.sku);
    if (!entry || !entry.active) {
      return {
        sku: line.sku,
        productId: entry?.productId ?? null,
        productSlug: entry?.productSlug ?? null,
        name: entry?.name ?? "No longer sold",
        variantTitle: entry?.variantTitle ?? line.sku,
        options: entry?.options ?? {},
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
      options: entry.options,
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

async function sellable(env: Env, sku: string): Promise<CatalogEntry> {
  const entry = (await catalogForSkus(env, [sku])).get(sku);
  if (!entry || !entry.active) throw new AppError("cart.sku_not_found", 404, `No product is sold as ${sku}.`, [{ path: "sku", message: "Unknown SKU" }]);
  return entry;
}

function notEnough(available: number, path = "quantity"): AppError {
  return available <= 0
    ? new AppError("cart.item_out_of_stock", 409, "This item is out of stock.", [{ path, message: "Out of stock" }])
    : new AppError("cart.insufficient_stock", 409, `Only ${available} left.`, [{ path, message: `Only ${available} available` }]);
}

/** Adds units of a SKU. The total in the cart may not exceed what is available. */
export async function addToCart(env: Env, cartId: string, sku: string, quantity: number): Promise<CartView> {
  const entry = await sellable(env, sku);
  const lines = await cart(env, cartId).lines();
  const already = lines.find((l) => l.sku === sku)?.quantity ?? 0;
  if (already + quantity > entry.available) throw notEnough(entry.available - already < 0 ? 0 : entry.available);
  const result = await cart(env, cartId).add(sku, quantity, entry.price, entry.available);
  if (!result.ok) throw new AppError("cart.too_many_lines", 409, "A cart holds at most 50 different items.");
  return viewCart(env, cartId);
}

/** Sets a line's quantity (0 removes it). */
export async function setCartQuantity(env: Env, cartId: string, sku: string, quantity: number): Promise<CartView> {
  const lines = await cart(env, cartId).lines();
  if (!lines.some((l) => l.sku === sku)) throw new AppError("cart.line_not_found", 404, `${sku} is not in the cart.`);
  if (quantity > 0) {
    const entry = await sellable(env, sku);
    if (quantity > entry.available) throw notEnough(entry.available);
    await cart(env, cartId).set(sku, quantity, entry.price);
  } else {
    await cart(env, cartId).remove(sku);
  }
  return viewCart(env, cartId);
}

export async function removeFromCart(env: Env, cartId: string, sku: string): Promise<CartView> {
  if (!(await cart(env, cartId).remove(sku))) throw new AppError("cart.line_not_found", 404, `${sku} is not in the cart.`);
  return viewCart(env, cartId);
}

export async function clearCart(env: Env, cartId: string): Promise<void> {
  await cart(env, cartId).clear();
}

/** At sign-in: the guest cart's lines join the account's cart (quantities add, capped by stock) and the guest cart empties. */
export async function mergeGuestCart(env: Env, guestCartId: string, userId: string): Promise<void> {
  const guest = cart(env, guestCartId);
  const lines = await guest.lines();
  if (!lines.length) return;
  const catalog = await catalogForSkus(
    env,
    lines.map((l) => l.sku),
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
