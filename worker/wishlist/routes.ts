import { createRoute, z } from "@hono/zod-openapi";
import { CartSchema, resolveCartId } from "../cart";
import { createApiApp, problemResponse } from "../lib/openapi";
import { unsubscribeFromAlerts } from "./alerts";
import { resolveWishlistId } from "./http";
import { AddWishlistItemBody, SharedWishlistSchema, ShareTokenParam, UnsubscribeBody, UpdateWishlistBody, WishlistSchema, WishlistSkuParam } from "./schema";
import { addToWishlist, clearWishlist, moveToCart, removeFromWishlist, setWishlistSharing, viewSharedWishlist, viewWishlist } from "./service";

const TAGS = ["Wishlist"];
const listAnswer = (description: string) => ({ description, content: { "application/json": { schema: WishlistSchema } } });
const body = <T extends z.ZodType>(schema: T) => ({ required: true, content: { "application/json": { schema } } });
const PRIVATE = "private, no-store";

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
          content: { "application/json": { schema: z.object({ wishlist: WishlistSchema, cart: CartSchema }).openapi("WishlistMoveResult") } },
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
  );
