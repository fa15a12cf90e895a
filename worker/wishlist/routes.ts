import { createRoute, z } from "@hono/zod-openapi";
import { CartSchema, resolveCartId } from "../cart";
import { requireAuth } from "../lib/auth";
import { createApiApp, problemResponse, SIGNED_IN } from "../lib/openapi";
import { unsubscribeFromAlerts } from "./alerts";
import { resolveWishlistId, wishlistCaller } from "./http";
import {
  AddWishlistItemBody,
  CreateWishlistBody,
  MoveWishlistItemBody,
  SharedWishlistSchema,
  ShareTokenParam,
  UnsubscribeBody,
  UpdateNamedWishlistBody,
  UpdateWishlistBody,
  WishlistIndexSchema,
  WishlistListParam,
  WishlistListSkuParam,
  WishlistMoveItemResultSchema,
  WishlistSchema,
  WishlistSkuParam,
} from "./schema";
import { addToWishlist, clearWishlist, moveToCart, removeFromWishlist, setWishlistSharing, viewSharedWishlist, viewWishlist } from "./service/items";
import { createWishlist, deleteWishlist, listWishlists, moveWishlistItem, ownedListId, updateWishlist } from "./service/lists";

const TAGS = ["Wishlist"];
const listAnswer = (description: string) => ({ description, content: { "application/json": { schema: WishlistSchema } } });
const body = <T extends z.ZodType>(schema: T) => ({ required: true, content: { "application/json": { schema } } });
const PRIVATE = "private, no-store";
const WishlistMoveResult = z.object({ wishlist: WishlistSchema, cart: CartSchema }).openapi("WishlistMoveResult");
const notYours = problemResponse("Not one of the caller's lists (`wishlist.list_not_found`): another shopper's list answers the same.");

const addRoute = (path: string, summary: string) =>
  createRoute({
    method: "post",
    path,
    tags: TAGS,
    summary,
    request: { body: body(AddWishlistItemBody) },
    responses: {
      200: listAnswer("The list after the change (adding a SKU already on it changes nothing)."),
      400: problemResponse("Invalid SKU or unknown field."),
      404: problemResponse("No product is sold under this SKU (`wishlist.sku_not_found`)."),
      409: problemResponse("The list is full (`wishlist.full`)."),
    },
  });

export const wishlistRoutes = createApiApp()
  .openapi(
    createRoute({
      method: "get",
      path: "/wishlist",
      tags: TAGS,
      summary: "The caller's wishlist (a guest's by cookie; merged into the account's at sign-in), priced and stocked now",
      responses: { 200: listAnswer("The list (empty when there is none).") },
    }),
    async (c) => {
      const id = await resolveWishlistId(c, false);
      c.header("Cache-Control", PRIVATE);
      return c.json(await viewWishlist(c.env, id), 200);
    },
  )
  .openapi(addRoute("/wishlist", "Add a SKU to the caller's wishlist (same as POST /wishlist/items)"), async (c) => {
    const id = (await resolveWishlistId(c, true)) as string;
    c.header("Cache-Control", PRIVATE);
    return c.json(await addToWishlist(c.env, id, c.get("auth")?.principal.id ?? null, c.req.valid("json").sku), 200);
  })
  .openapi(addRoute("/wishlist/items", "Add a SKU to the caller's wishlist"), async (c) => {
    const id = (await resolveWishlistId(c, true)) as string;
    c.header("Cache-Control", PRIVATE);
    return c.json(await addToWishlist(c.env, id, c.get("auth")?.principal.id ?? null, c.req.valid("json").sku), 200);
  })
  .openapi(
    createRoute({
      method: "patch",
      path: "/wishlist",
      tags: TAGS,
      summary: "Turn the share link on or off",
      request: { body: body(UpdateWishlistBody) },
      responses: { 200: listAnswer("The list with its share link (null while off)."), 400: problemResponse("Invalid or unknown field.") },
    }),
    async (c) => {
      const id = (await resolveWishlistId(c, true)) as string;
      c.header("Cache-Control", PRIVATE);
      return c.json(await setWishlistSharing(c.env, id, c.get("auth")?.principal.id ?? null, c.req.valid("json").shareEnabled), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/wishlist",
      tags: TAGS,
      summary: "Empty the wishlist",
      responses: { 200: listAnswer("The emptied list.") },
    }),
    async (c) => {
      const id = await resolveWishlistId(c, false);
      c.header("Cache-Control", PRIVATE);
      return c.json(await clearWishlist(c.env, id), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/wishlist/items/{sku}",
      tags: TAGS,
      summary: "Remove a SKU from the wishlist",
      request: { params: WishlistSkuParam },
      responses: { 200: listAnswer("The list after the change."), 404: problemResponse("Not on the wishlist (`wishlist.item_not_found`).") },
    }),
    async (c) => {
      const id = await resolveWishlistId(c, false);
      c.header("Cache-Control", PRIVATE);
      return c.json(await removeFromWishlist(c.env, id, c.req.valid("param").sku), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/wishlist/items/{sku}/move-to-cart",
      tags: TAGS,
      summary: "Put one unit in the cart and take the item off the wishlist",
      request: { params: WishlistSkuParam },
      responses: {
        200: {
          description: "The list and the cart after the move.",
          content: { "application/json": { schema: WishlistMoveResult } },
        },
        404: problemResponse("Not on the wishlist, or no longer sold."),
        409: problemResponse("Out of stock (`cart.item_out_of_stock`): the item stays on the list."),
      },
    }),
    async (c) => {
      const id = await resolveWishlistId(c, false);
      const cartId = (await resolveCartId(c, true)) as string;
      c.header("Cache-Control", PRIVATE);
      return c.json(await moveToCart(c.env, id, cartId, c.req.valid("param").sku), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/wishlist/shared/{token}",
      tags: TAGS,
      summary: "A shared wishlist, read-only (no owner's details)",
      request: { params: ShareTokenParam },
      responses: {
        200: { description: "The shared list.", content: { "application/json": { schema: SharedWishlistSchema } } },
        400: problemResponse("Malformed token."),
        404: problemResponse("Not shared, or no such link (`wishlist.not_found`)."),
      },
    }),
    async (c) => {
      c.header("Cache-Control", PRIVATE);
      return c.json(await viewSharedWishlist(c.env, c.req.valid("param").token), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/wishlist/unsubscribe",
      tags: TAGS,
      summary: "Stop back-in-stock and price-drop emails, with the signed token of an alert email (no sign-in)",
      request: { body: body(UnsubscribeBody) },
      responses: {
        200: {
          description: "Alerts are off.",
          content: { "application/json": { schema: z.object({ unsubscribed: z.literal(true) }).openapi("WishlistUnsubscribed") } },
        },
        400: problemResponse("Not a token the store signed (`wishlist.invalid_token`)."),
      },
    }),
    async (c) => c.json(await unsubscribeFromAlerts(c.env, c.req.valid("json").token), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/wishlists",
      tags: TAGS,
      summary: "The caller's lists: the default one first, then named lists",
      responses: { 200: { description: "The lists with item counts and share links.", content: { "application/json": { schema: WishlistIndexSchema } } } },
    }),
    async (c) => {
      const caller = await wishlistCaller(c, false);
      c.header("Cache-Control", PRIVATE);
      return c.json(await listWishlists(c.env, caller), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/wishlists",
      tags: TAGS,
      security: SIGNED_IN,
      summary: "Create a named list (signed-in shoppers; a guest keeps one list)",
      request: { body: body(CreateWishlistBody) },
      responses: {
        201: listAnswer("The new, empty list."),
        400: problemResponse("Invalid name or unknown field."),
        401: problemResponse("Not signed in."),
        409: problemResponse("A list with this name exists (`wishlist.name_taken`), or the limit is reached (`wishlist.too_many_lists`)."),
      },
    }),
    async (c) => {
      const userId = requireAuth(c).principal.id;
      await resolveWishlistId(c, false);
      c.header("Cache-Control", PRIVATE);
      return c.json(await createWishlist(c.env, userId, c.req.valid("json").name), 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/wishlists/{listId}",
      tags: TAGS,
      summary: "One of the caller's lists, priced and stocked now",
      request: { params: WishlistListParam },
      responses: { 200: listAnswer("The list."), 400: problemResponse("Malformed list id."), 404: notYours },
    }),
    async (c) => {
      const id = await ownedListId(c.env, await wishlistCaller(c, false), c.req.valid("param").listId);
      c.header("Cache-Control", PRIVATE);
      return c.json(await viewWishlist(c.env, id), 200);
    },
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/wishlists/{listId}",
      tags: TAGS,
      summary: "Rename a list and/or turn its share link on or off",
      request: { params: WishlistListParam, body: body(UpdateNamedWishlistBody) },
      responses: {
        200: listAnswer("The list after the change."),
        400: problemResponse("Invalid field, or nothing to change."),
        404: notYours,
        409: problemResponse("Another of the caller's lists has this name (`wishlist.name_taken`)."),
      },
    }),
    async (c) => {
      const caller = await wishlistCaller(c, false);
      c.header("Cache-Control", PRIVATE);
      return c.json(await updateWishlist(c.env, caller, c.req.valid("param").listId, c.req.valid("json")), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/wishlists/{listId}",
      tags: TAGS,
      summary: "Delete a named list and its items (the default list stays)",
      request: { params: WishlistListParam },
      responses: {
        200: { description: "The caller's remaining lists.", content: { "application/json": { schema: WishlistIndexSchema } } },
        404: notYours,
        409: problemResponse("The default list cannot be deleted (`wishlist.default_list`)."),
      },
    }),
    async (c) => {
      const caller = await wishlistCaller(c, false);
      c.header("Cache-Control", PRIVATE);
      return c.json(await deleteWishlist(c.env, caller, c.req.valid("param").listId), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/wishlists/{listId}/items",
      tags: TAGS,
      summary: "Save a SKU to one of the caller's lists",
      request: { params: WishlistListParam, body: body(AddWishlistItemBody) },
      responses: {
        200: listAnswer("The list after the change (a SKU already on it changes nothing)."),
        400: problemResponse("Invalid SKU or unknown field."),
        404: problemResponse("Not one of the caller's lists (`wishlist.list_not_found`), or no product is sold under this SKU (`wishlist.sku_not_found`)."),
        409: problemResponse("The list is full (`wishlist.full`)."),
      },
    }),
    async (c) => {
      const caller = await wishlistCaller(c, true);
      const id = await ownedListId(c.env, caller, c.req.valid("param").listId);
      c.header("Cache-Control", PRIVATE);
      return c.json(await addToWishlist(c.env, id, caller.userId, c.req.valid("json").sku), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/wishlists/{listId}/items/{sku}",
      tags: TAGS,
      summary: "Remove a SKU from one of the caller's lists",
      request: { params: WishlistListSkuParam },
      responses: { 200: listAnswer("The list after the change."), 404: problemResponse("Not one of the caller's lists, or not on it.") },
    }),
    async (c) => {
      const { listId, sku } = c.req.valid("param");
      const id = await ownedListId(c.env, await wishlistCaller(c, false), listId);
      c.header("Cache-Control", PRIVATE);
      return c.json(await removeFromWishlist(c.env, id, sku), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/wishlists/{listId}/items/{sku}/move",
      tags: TAGS,
      summary: "Move a saved item to another of the caller's lists (the price seen when saving is kept)",
      request: { params: WishlistListSkuParam, body: body(MoveWishlistItemBody) },
      responses: {
        200: { description: "Both lists after the move.", content: { "application/json": { schema: WishlistMoveItemResultSchema } } },
        400: problemResponse("Invalid field, or the same list (`wishlist.same_list`)."),
        404: problemResponse("Either list is not the caller's, or the item is not on the source list."),
        409: problemResponse("The target list is full (`wishlist.full`): the item stays where it was."),
      },
    }),
    async (c) => {
      const { listId, sku } = c.req.valid("param");
      const caller = await wishlistCaller(c, false);
      c.header("Cache-Control", PRIVATE);
      return c.json(await moveWishlistItem(c.env, caller, listId, sku, c.req.valid("json").toListId), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/wishlists/{listId}/items/{sku}/move-to-cart",
      tags: TAGS,
      summary: "Put one unit in the cart and take the item off that list",
      request: { params: WishlistListSkuParam },
      responses: {
        200: { description: "The list and the cart after the move.", content: { "application/json": { schema: WishlistMoveResult } } },
        404: problemResponse("Not one of the caller's lists, not on it, or no longer sold."),
        409: problemResponse("Out of stock (`cart.item_out_of_stock`): the item stays on the list."),
      },
    }),
    async (c) => {
      const { listId, sku } = c.req.valid("param");
      const id = await ownedListId(c.env, await wishlistCaller(c, false), listId);
      const cartId = (await resolveCartId(c, true)) as string;
      c.header("Cache-Control", PRIVATE);
      return c.json(await moveToCart(c.env, id, cartId, sku), 200);
    },
  );
