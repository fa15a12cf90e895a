import { addToCart, type CartView } from "../../cart";
import { LOW_STOCK_AT, lookupSkus, type SkuFacts, sellerListedSql } from "../../catalog";
import { readCookie, serializeCookie } from "../../lib/cookies";
import { AppError } from "../../lib/errors";
import type { SharedWishlistView, WishlistItem, WishlistView } from "../schema";

export const GUEST_WISHLIST_COOKIE = "__Host-wishlist";
const GUEST_ID = /^wl_[0-9a-z]{26}$/;
const GUEST_MAX_AGE = 90 * 24 * 3600;
/** Enough for any honest shopper; keeps one list's read to one small query. */
export const WISHLIST_MAX_ITEMS = 200;

/**
 * SQL over a wishlist item alias `i`: true unless the item's product belongs to a seller who is not active
 * (pending, suspended, rejected). Such items stay on the list (they come back when the seller does) but are
 * not shown, counted or announced, as listings and search hide the seller's products. SKUs the catalog no
 * longer knows still show as "No longer sold".
 */
export const WISHED_ITEM_LISTED = `not exists (select 1 from product_variants hidden_v join products p on p.id = hidden_v.product_id
  where hidden_v.sku = i.sku and not (${sellerListedSql("p")}))`;

/** The list id of a signed-in shopper: derived, so concurrent first writes cannot create two lists. */
export function userWishlistId(userId: string): string {
  return `wlu_${userId}`;
}

export function isGuestWishlistId(value: string | null | undefined): value is string {
  return !!value && GUEST_ID.test(value);
}

function randomText(length: number, alphabet: string): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(length)), (b) => alphabet[b % alphabet.length]).join("");
}
const newGuestId = () => `wl_${randomText(26, "0123456789abcdefghjkmnpqrstvwxyz")}`;
export const newShareToken = () => randomText(32, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");

/** Creates the list row when it is missing (the default list is made on its first write). */
export const ensureList = (env: Env, id: string, userId: string | null) =>
  env.DB.prepare("insert into wishlists (id, user_id, share_token) values (?, ?, ?) on conflict(id) do nothing").bind(id, userId, newShareToken());

/**
 * Folds a guest's list into the shopper's at sign-in (the cart does the same with its guest cart):
 * every guest item the shopper's list lacks moves over, then the guest list is gone. Idempotent, so two
 * requests racing with the same cookie end in the same state.
 */
export async function mergeGuestWishlist(env: Env, guestId: string, userId: string): Promise<void> {
  const target = userWishlistId(userId);
  await env.DB.batch([
    ensureList(env, target, userId),
    env.DB.prepare(
      `insert into wishlist_items (wishlist_id, sku, price_seen, currency, added_at)
       select ?1, i.sku, i.price_seen, i.currency, i.added_at from wishlist_items i
       join wishlists w on w.id = i.wishlist_id and w.user_id is null
       where i.wishlist_id = ?2 on conflict do nothing`,
    ).bind(target, guestId),
    // Only a guest list (no owner) is ever deleted through a cookie.
    env.DB.prepare("delete from wishlist_items where wishlist_id = ?1 and exists (select 1 from wishlists where id = ?1 and user_id is null)").bind(guestId),
    env.DB.prepare("delete from wishlists where id = ? and user_id is null").bind(guestId),
  ]);
}

/**
 * Which list a caller means: a signed-in shopper's own (after merging a guest list from the cookie),
 * else the guest list named by the cookie, else a new guest id when `create`. Cookies to set are returned.
 */
export async function resolveWishlistIdentity(
  env: Env,
  cookieHeader: string | null | undefined,
  userId: string | null,
  create: boolean,
): Promise<{ wishlistId: string | null; setCookies: string[] }> {
  const guestId = readCookie(cookieHeader, GUEST_WISHLIST_COOKIE);
  if (userId) {
    if (!isGuestWishlistId(guestId)) return { wishlistId: userWishlistId(userId), setCookies: [] };
    await mergeGuestWishlist(env, guestId, userId);
    return { wishlistId: userWishlistId(userId), setCookies: [serializeCookie(GUEST_WISHLIST_COOKIE, "", 0)] };
  }
  if (isGuestWishlistId(guestId)) return { wishlistId: guestId, setCookies: [] };
  if (!create) return { wishlistId: null, setCookies: [] };
  const id = newGuestId();
  return { wishlistId: id, setCookies: [serializeCookie(GUEST_WISHLIST_COOKIE, id, GUEST_MAX_AGE)] };
}

type ListRow = { id: string; name: string; share_token: string; share_enabled: number };
type ItemRow = { sku: string; price_seen: number; currency: string; added_at: string };

function stockStatus(facts: SkuFacts | undefined): WishlistItem["stockStatus"] {
  if (!facts?.active || facts.available <= 0) return "out_of_stock";
  return facts.available <= LOW_STOCK_AT ? "low_stock" : "in_stock";
}

async function itemsOf(env: Env, rows: ItemRow[]): Promise<WishlistItem[]> {
  // D1 binds at most 100 parameters per query: look SKUs up in slices.
  const slices: string[][] = [];
  for (let i = 0; i < rows.length; i += 90) slices.push(rows.slice(i, i + 90).map((r) => r.sku));
  const facts = new Map<string, SkuFacts>();
  for (const found of await Promise.all(slices.map((slice) => lookupSkus(env, slice, 0)))) for (const [sku, f] of found) facts.set(sku, f);
  return rows.map((r) => {
    const f = facts.get(r.sku);
    const price = f ? { amount: f.price, currency: f.currency } : { amount: r.price_seen, currency: r.currency };
    return {
      sku: r.sku,
      productSlug: f?.active ? f.productSlug : null,
      name: f?.active ? f.name : "No longer sold",
      variantTitle: f?.variantTitle ?? r.sku,
      image: f?.image ?? null,
      price,
      priceWhenAdded: { amount: r.price_seen, currency: r.currency },
      priceDropped: !!f && f.currency === r.currency && f.price < r.price_seen,
      stockStatus: stockStatus(f),
      available: !!f?.active && f.available > 0,
      addedAt: r.added_at,
    };
  });
}

/** The list with every item priced and stocked from the catalog now; an empty view when there is none. */
export async function viewWishlist(env: Env, wishlistId: string | null): Promise<WishlistView> {
  const empty: WishlistView = { id: "", name: "Wishlist", items: [], itemCount: 0, shareEnabled: false, shareUrl: null };
  if (!wishlistId) return empty;
  const [list, items] = await env.DB.batch([
    env.DB.prepare("select id, name, share_token, share_enabled from wishlists where id = ?").bind(wishlistId),
    env.DB.prepare(
      `select sku, price_seen, currency, added_at from wishlist_items i where wishlist_id = ? and ${WISHED_ITEM_LISTED} order by added_at desc, sku`,
    ).bind(wishlistId),
  ]);
  const row = (list?.results as ListRow[] | undefined)?.[0];
  if (!row) return empty;
  const views = await itemsOf(env, (items?.results ?? []) as ItemRow[]);
  return {
    id: row.id,
    name: row.name,
    items: views,
    itemCount: views.length,
    shareEnabled: row.share_enabled === 1,
    shareUrl: row.share_enabled === 1 ? `/wishlist/shared/${row.share_token}` : null,
  };
}

/** The SKUs on a list (for "on your wishlist" marks on product cards and pages); empty for no list. */
export async function wishedSkus(env: Env, wishlistId: string | null): Promise<Set<string>> {
  if (!wishlistId) return new Set();
  const rows = await env.DB.prepare("select sku from wishlist_items where wishlist_id = ?").bind(wishlistId).all<{ sku: string }>();
  return new Set(rows.results.map((r) => r.sku));
}

/**
 * Adds a SKU on sale (in stock or not: wishing for a sold-out item is how back-in-stock alerts start)
 * at the catalog's price now. Adding it again changes nothing. 404 for an unknown or unpublished SKU,
 * 409 `wishlist.full` past WISHLIST_MAX_ITEMS.
 */
export async function addToWishlist(env: Env, wishlistId: string, userId: string | null, sku: string): Promise<WishlistView> {
  const facts = (await lookupSkus(env, [sku], 0)).get(sku);
  if (!facts?.active) throw new AppError("wishlist.sku_not_found", 404, `No product is sold as ${sku}.`, [{ path: "sku", message: "Unknown SKU" }]);
  // The count guard sits in the insert itself, so concurrent adds cannot pass the limit together.
  const [, inserted] = await env.DB.batch([
    ensureList(env, wishlistId, userId),
    env.DB.prepare(
      `insert into wishlist_items (wishlist_id, sku, price_seen, currency)
       select ?1, ?2, ?3, ?4 where (select count(*) from wishlist_items where wishlist_id = ?1) < ?5
       on conflict do nothing`,
    ).bind(wishlistId, sku, facts.price, facts.currency, WISHLIST_MAX_ITEMS),
    env.DB.prepare("update wishlists set updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') where id = ?").bind(wishlistId),
  ]);
  const view = await viewWishlist(env, wishlistId);
  if (!inserted?.meta.changes && !view.items.some((i) => i.sku === sku))
    throw new AppError("wishlist.full", 409, `A wishlist holds at most ${WISHLIST_MAX_ITEMS} items.`, [{ path: "sku", message: "Wishlist is full" }]);
  return view;
}

/** Removes a SKU; 404 `wishlist.item_not_found` when it is not on the list. */
export async function removeFromWishlist(env: Env, wishlistId: string | null, sku: string): Promise<WishlistView> {
  const res = wishlistId ? await env.DB.prepare("delete from wishlist_items where wishlist_id = ? and sku = ?").bind(wishlistId, sku).run() : null;
  if (!res?.meta.changes)
    throw new AppError("wishlist.item_not_found", 404, `${sku} is not on your wishlist.`, [{ path: "sku", message: "Not on the wishlist" }]);
  return viewWishlist(env, wishlistId);
}

/** Empties the list (the list, its share link and its alert switch stay). */
export async function clearWishlist(env: Env, wishlistId: string | null): Promise<WishlistView> {
  if (wishlistId) await env.DB.prepare("delete from wishlist_items where wishlist_id = ?").bind(wishlistId).run();
  return viewWishlist(env, wishlistId);
}

/**
 * Puts one unit of a wished SKU into the cart (the cart's own stock and price rules apply) and only
 * then takes it off the list, so a refusal (out of stock) leaves the list as it was.
 */
export async function moveToCart(env: Env, wishlistId: string | null, cartId: string, sku: string): Promise<{ wishlist: WishlistView; cart: CartView }> {
  const wished = await wishedSkus(env, wishlistId);
  if (!wishlistId || !wished.has(sku))
    throw new AppError("wishlist.item_not_found", 404, `${sku} is not on your wishlist.`, [{ path: "sku", message: "Not on the wishlist" }]);
  const cart = await addToCart(env, cartId, sku, 1);
  await env.DB.prepare("delete from wishlist_items where wishlist_id = ? and sku = ?").bind(wishlistId, sku).run();
  return { wishlist: await viewWishlist(env, wishlistId), cart };
}

/** Turns the list's share link on or off (the link stays the same across off and on). */
export async function setWishlistSharing(env: Env, wishlistId: string, userId: string | null, enabled: boolean): Promise<WishlistView> {
  await env.DB.batch([
    ensureList(env, wishlistId, userId),
    env.DB.prepare("update wishlists set share_enabled = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') where id = ?").bind(enabled ? 1 : 0, wishlistId),
  ]);
  return viewWishlist(env, wishlistId);
}

/** The read-only view behind a share link: items only, nothing about the owner. 404 while sharing is off. */
export async function viewSharedWishlist(env: Env, token: string): Promise<SharedWishlistView> {
  const row = await env.DB.prepare("select id, name from wishlists where share_token = ? and share_enabled = 1")
    .bind(token)
    .first<{ id: string; name: string }>();
  if (!row) throw new AppError("wishlist.not_found", 404, "This wishlist is not shared (any more).");
  const view = await viewWishlist(env, row.id);
  return {
    name: view.name,
    items: view.items.map(({ addedAt: _a, priceWhenAdded: _p, priceDropped: _d, ...item }) => item),
  };
}
