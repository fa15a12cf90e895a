import { AppError } from "../../lib/errors";
import { newId } from "../../lib/ids";
import type { UpdateNamedWishlistBody, WishlistIndex, WishlistMoveItemResult, WishlistSummary, WishlistView } from "../schema";
import { ensureList, newShareToken, setWishlistSharing, userWishlistId, viewWishlist, WISHED_ITEM_LISTED, WISHLIST_MAX_ITEMS } from "./items";

/** Named lists per shopper, the default one included; enough for gifts by person and occasion. */
export const WISHLIST_MAX_LISTS = 20;

/** Who is asking: the list the caller's session or cookie names by default, and the account, if any. */
export type WishlistCaller = { defaultId: string | null; userId: string | null };

const notFound = () => new AppError("wishlist.list_not_found", 404, "No such wish list.", [{ path: "listId", message: "Not one of your lists" }]);

/**
 * The caller's list named by `listId` (the default list when none is named). Another shopper's list, a
 * guest's list seen from an account, or an unknown id all answer the same 404, so ids reveal nothing.
 */
export async function ownedWishlistId(env: Env, caller: WishlistCaller, listId: string | null | undefined): Promise<string | null> {
  if (!listId || listId === caller.defaultId) return caller.defaultId;
  if (!caller.userId) throw notFound();
  const row = await env.DB.prepare("select id from wishlists where id = ? and user_id = ?").bind(listId, caller.userId).first<{ id: string }>();
  if (!row) throw notFound();
  return row.id;
}

/** `ownedWishlistId` for a named list id: always a list, else 404. */
export async function ownedListId(env: Env, caller: WishlistCaller, listId: string): Promise<string> {
  const id = await ownedWishlistId(env, caller, listId);
  if (!id) throw notFound();
  return id;
}

type SummaryRow = { id: string; name: string; share_token: string; share_enabled: number; item_count: number };

/**
 * The caller's lists: the default first (shown even before its first save), then named lists oldest
 * first, each with its item count and share link.
 */
export async function listWishlists(env: Env, caller: WishlistCaller): Promise<WishlistIndex> {
  const { defaultId, userId } = caller;
  const rows = userId
    ? await env.DB.prepare(
        `select w.id, w.name, w.share_token, w.share_enabled, (select count(*) from wishlist_items i where i.wishlist_id = w.id and ${WISHED_ITEM_LISTED}) as item_count
         from wishlists w where w.user_id = ? order by w.id = ? desc, w.rowid`,
      )
        .bind(userId, defaultId)
        .all<SummaryRow>()
    : await env.DB.prepare(
        `select w.id, w.name, w.share_token, w.share_enabled, (select count(*) from wishlist_items i where i.wishlist_id = w.id and ${WISHED_ITEM_LISTED}) as item_count
         from wishlists w where w.id = ? and w.user_id is null`,
      )
        .bind(defaultId ?? "")
        .all<SummaryRow>();
  const lists: WishlistSummary[] = rows.results.map((r) => ({
    id: r.id,
    name: r.name,
    isDefault: r.id === defaultId,
    itemCount: r.item_count,
    shareEnabled: r.share_enabled === 1,
    shareUrl: r.share_enabled === 1 ? `/wishlist/shared/${r.share_token}` : null,
  }));
  if (defaultId && !lists.some((l) => l.isDefault)) {
    lists.unshift({ id: defaultId, name: "Wishlist", isDefault: true, itemCount: 0, shareEnabled: false, shareUrl: null });
  }
  return { lists, maxLists: WISHLIST_MAX_LISTS };
}

async function nameTaken(env: Env, userId: string, name: string, exceptId: string | null): Promise<boolean> {
  const row = await env.DB.prepare("select 1 as taken from wishlists where user_id = ? and name = ? collate nocase and id is not ?")
    .bind(userId, name, exceptId)
    .first<{ taken: number }>();
  return !!row;
}

const nameTakenError = (name: string) =>
  new AppError("wishlist.name_taken", 409, `You already have a list called “${name}”.`, [{ path: "name", message: "Already one of your lists" }]);

/**
 * Creates a named list for a signed-in shopper (their default list is created with it when missing).
 * The limit and the unique name are guarded inside the insert, so concurrent creations cannot pass
 * either together: 409 `wishlist.name_taken` or `wishlist.too_many_lists`.
 */
export async function createWishlist(env: Env, userId: string, name: string): Promise<WishlistView> {
  const id = newId("wln");
  const [, inserted] = await env.DB.batch([
    ensureList(env, userWishlistId(userId), userId),
    // A new list inherits the alert switch: a shopper who unsubscribed stays unsubscribed.
    env.DB.prepare(
      `insert into wishlists (id, user_id, name, share_token, alerts_enabled)
       select ?1, ?2, ?3, ?4, coalesce((select min(alerts_enabled) from wishlists where user_id = ?2), 1)
       where (select count(*) from wishlists where user_id = ?2) < ?5
         and not exists (select 1 from wishlists where user_id = ?2 and name = ?3 collate nocase)
       on conflict do nothing`,
    ).bind(id, userId, name, newShareToken(), WISHLIST_MAX_LISTS),
  ]);
  if (!inserted?.meta.changes) {
    if (await nameTaken(env, userId, name, null)) throw nameTakenError(name);
    throw new AppError("wishlist.too_many_lists", 409, `You can keep at most ${WISHLIST_MAX_LISTS} lists.`, [{ path: "name", message: "Too many lists" }]);
  }
  return viewWishlist(env, id);
}

/** Renames one of the caller's lists (the default one too); 409 `wishlist.name_taken` for a name in use. */
export async function renameWishlist(env: Env, caller: WishlistCaller, listId: string, name: string): Promise<WishlistView> {
  const id = await ownedListId(env, caller, listId);
  const [, renamed] = await env.DB.batch([
    ensureList(env, id, caller.userId),
    env.DB.prepare(
      `update wishlists set name = ?2, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now')
       where id = ?1 and (user_id is null or not exists (select 1 from wishlists o where o.user_id = wishlists.user_id and o.id <> ?1 and o.name = ?2 collate nocase))`,
    ).bind(id, name),
  ]);
  if (!renamed?.meta.changes) throw nameTakenError(name);
  return viewWishlist(env, id);
}

/** Renames one of the caller's lists and/or turns its share link on or off (404 for anyone else's list). */
export async function updateWishlist(env: Env, caller: WishlistCaller, listId: string, body: UpdateNamedWishlistBody): Promise<WishlistView> {
  const id = await ownedListId(env, caller, listId);
  let view = body.name !== undefined ? await renameWishlist(env, caller, id, body.name) : null;
  if (body.shareEnabled !== undefined) view = await setWishlistSharing(env, id, caller.userId, body.shareEnabled);
  return view ?? viewWishlist(env, id);
}

/** Deletes a named list with its items; the default list stays (409 `wishlist.default_list`). */
export async function deleteWishlist(env: Env, caller: WishlistCaller, listId: string): Promise<WishlistIndex> {
  const id = await ownedListId(env, caller, listId);
  if (id === caller.defaultId) {
    throw new AppError("wishlist.default_list", 409, "Your default list cannot be deleted; empty it instead.", [
      { path: "listId", message: "The default list stays" },
    ]);
  }
  await env.DB.batch([
    env.DB.prepare("delete from wishlist_items where wishlist_id = ?1 and exists (select 1 from wishlists where id = ?1 and user_id = ?2)").bind(
      id,
      caller.userId,
    ),
    env.DB.prepare("delete from wishlists where id = ? and user_id = ?").bind(id, caller.userId),
  ]);
  return listWishlists(env, caller);
}

/**
 * Moves a saved item to another of the caller's lists, keeping the price seen when it was saved. One
 * D1 batch: the item lands on the target (unless already there) and only then leaves the source, so a
 * move never loses an item and two concurrent moves of one item leave it on exactly one list.
 * 404 when the item is not on the source list, 409 `wishlist.full` when the target is full.
 */
export async function moveWishlistItem(env: Env, caller: WishlistCaller, fromListId: string, sku: string, toListId: string): Promise<WishlistMoveItemResult> {
  const from = await ownedListId(env, caller, fromListId);
  const to = await ownedListId(env, caller, toListId);
  if (from === to) throw new AppError("wishlist.same_list", 400, "The item is already on that list.", [{ path: "toListId", message: "Pick another list" }]);
  const [, , moved] = await env.DB.batch([
    ensureList(env, to, caller.userId),
    env.DB.prepare(
      `insert into wishlist_items (wishlist_id, sku, price_seen, currency, added_at)
       select ?1, sku, price_seen, currency, added_at from wishlist_items
       where wishlist_id = ?2 and sku = ?3 and (select count(*) from wishlist_items where wishlist_id = ?1) < ?4
       on conflict do nothing`,
    ).bind(to, from, sku, WISHLIST_MAX_ITEMS),
    env.DB.prepare(
      "delete from wishlist_items where wishlist_id = ?2 and sku = ?3 and exists (select 1 from wishlist_items where wishlist_id = ?1 and sku = ?3)",
    ).bind(to, from, sku),
  ]);
  if (!moved?.meta.changes) {
    const still = await env.DB.prepare("select 1 as here from wishlist_items where wishlist_id = ? and sku = ?").bind(from, sku).first<{ here: number }>();
    if (!still) throw new AppError("wishlist.item_not_found", 404, `${sku} is not on that list.`, [{ path: "sku", message: "Not on the list" }]);
    throw new AppError("wishlist.full", 409, `A wishlist holds at most ${WISHLIST_MAX_ITEMS} items.`, [{ path: "toListId", message: "That list is full" }]);
  }
  const [fromView, toView] = await Promise.all([viewWishlist(env, from), viewWishlist(env, to)]);
  return { from: fromView, to: toView };
}
