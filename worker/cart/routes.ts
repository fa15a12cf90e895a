import { createRoute } from "@hono/zod-openapi";
import { AppError } from "../lib/errors";
import { createApiApp, problemResponse } from "../lib/openapi";
import { resolveCartId } from "./http";
import { AddCartItemBody, CartSchema, SkuParam, UpdateCartItemBody } from "./schema";
import { addToCart, clearCart, removeFromCart, setCartQuantity, viewCart } from "./service";

const TAGS = ["Cart"];
const cartAnswer = (description: string) => ({ description, content: { "application/json": { schema: CartSchema } } });
const json = <T extends typeof AddCartItemBody | typeof UpdateCartItemBody>(schema: T) => ({ required: true, content: { "application/json": { schema } } });
const conflict = problemResponse("Not enough stock (`cart.item_out_of_stock`, `cart.insufficient_stock`).");

export const cartRoutes = createApiApp()
  .openapi(
    createRoute({
      method: "get",
      path: "/cart",
      tags: TAGS,
      summary: "The caller's cart, priced from the catalog now",
      responses: { 200: cartAnswer("The cart (empty when there is none).") },
    }),
    async (c) => {
      const id = await resolveCartId(c, false);
      c.header("Cache-Control", "private, no-store");
      if (!id) return c.json({ id: "", items: [], itemCount: 0, subtotal: { amount: 0, currency: c.env.BASE_CURRENCY }, hasIssues: false }, 200);
      return c.json(await viewCart(c.env, id), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/cart/items",
      tags: TAGS,
      summary: "Add units of a SKU (prices are never sent by clients)",
      request: { body: json(AddCartItemBody) },
      responses: {
        200: cartAnswer("The cart after the change."),
        400: problemResponse("Invalid quantity or unknown field."),
        404: problemResponse("Unknown SKU."),
        409: conflict,
      },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const id = (await resolveCartId(c, true)) as string;
      c.header("Cache-Control", "private, no-store");
      return c.json(await addToCart(c.env, id, body.sku, body.quantity), 200);
    },
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/cart/items/{sku}",
      tags: TAGS,
      summary: "Change a line's quantity (0 removes it)",
      request: { params: SkuParam, body: json(UpdateCartItemBody) },
      responses: {
        200: cartAnswer("The cart after the change."),
        400: problemResponse("Invalid quantity."),
        404: problemResponse("Not in the cart."),
        409: conflict,
      },
    }),
    async (c) => {
      const id = await resolveCartId(c, false);
      const { sku } = c.req.valid("param");
      c.header("Cache-Control", "private, no-store");
      if (!id) return c.json(await viewCart(c.env, "", []), 200);
      return c.json(await setCartQuantity(c.env, id, sku, c.req.valid("json").quantity), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/cart/items/{sku}",
      tags: TAGS,
      summary: "Remove a line",
      request: { params: SkuParam },
      responses: { 200: cartAnswer("The cart after the change."), 404: problemResponse("Not in the cart.") },
    }),
    async (c) => {
      const id = await resolveCartId(c, false);
      c.header("Cache-Control", "private, no-store");
      if (!id) throw new AppError("cart.line_not_found", 404, "The cart is empty.");
      return c.json(await removeFromCart(c.env, id, c.req.valid("param").sku), 200);
    },
  )
  .openapi(
    createRoute({ method: "delete", path: "/cart", tags: TAGS, summary: "Empty the cart", responses: { 204: { description: "Emptied." } } }),
    async (c) => {
      const id = await resolveCartId(c, false);
      if (id) await clearCart(c.env, id);
      return c.body(null, 204);
    },
  );
