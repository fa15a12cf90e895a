import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../lib/context";
import { AppError } from "../lib/errors";
import { createApiApp, problemResponse } from "../lib/openapi";
import { serverTimingsFor } from "../lib/server-timing";
import { resolveCartId } from "./http";
import { ApplyCodeBody, CodeParam } from "../promotions/schema";
import { AddCartItemBody, CartSchema, CartWithPromotionsSchema, SkuParam, UpdateCartItemBody } from "./schema";
import { addToCart, applyPromotionCode, clearCart, removeFromCart, removePromotionCode, setCartQuantity, viewCart, viewCartWithPromotions } from "./service";

const TAGS = ["Cart"];
const cartAnswer = (description: string) => ({ description, content: { "application/json": { schema: CartSchema } } });
const json = <T extends typeof AddCartItemBody | typeof UpdateCartItemBody>(schema: T) => ({ required: true, content: { "application/json": { schema } } });
const cartWithPromotions = (description: string) => ({ description, content: { "application/json": { schema: CartWithPromotionsSchema } } });
/** Who the cart's discounts are for (signed-in and per-customer conditions). */
const shopperOf = (c: Context<AppEnv>) => {
  const principal = c.get("auth")?.principal;
  return { userId: principal?.id ?? null, email: principal?.email ?? null, signedIn: !!principal };
};
const conflict = problemResponse("Not enough stock (`cart.item_out_of_stock`, `cart.insufficient_stock`).");

export const cartRoutes = createApiApp()
  .openapi(
    createRoute({
      method: "get",
      path: "/cart",
      tags: TAGS,
      summary: "The caller's cart, priced from the catalog now, with what its discounts take off",
      responses: { 200: cartWithPromotions("The cart (empty when there is none).") },
    }),
    async (c) => {
      const id = await resolveCartId(c, false);
      c.header("Cache-Control", "private, no-store");
      if (!id) {
        const zero = { amount: 0, currency: c.env.BASE_CURRENCY };
        const promotions = { code: null, codeProblem: null, applied: [], discount: zero, freeShipping: false, lineDiscounts: [] };
        return c.json({ id: "", items: [], itemCount: 0, subtotal: zero, hasIssues: false, promotions }, 200);
      }
      return c.json(await viewCartWithPromotions(c.env, id, shopperOf(c)), 200);
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
      const timings = serverTimingsFor(c.env);
      const id = (await resolveCartId(c, true)) as string;
      if (timings && !/(?:^|;\s*)__Host-cart=/.test(c.req.header("cookie") ?? "")) timings.note("newcart");
      c.header("Cache-Control", "private, no-store");
      const view = await addToCart(c.env, id, body.sku, body.quantity, timings);
      if (timings) c.header("Server-Timing", timings.header(), { append: true });
      return c.json(view, 200);
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
    createRoute({
      method: "post",
      path: "/cart/promotions",
      tags: TAGS,
      summary: "Apply a discount code to the cart (replaces the code it carried)",
      request: { body: { required: true, content: { "application/json": { schema: ApplyCodeBody } } } },
      responses: {
        200: cartWithPromotions("The cart with the code's saving."),
        400: problemResponse("Invalid code format."),
        404: problemResponse("No such code (`promotions.not_found`)."),
        409: problemResponse("The code has ended (`promotions.expired`) or is used up (`promotions.limit_reached`); `errors[0].message` names the limit."),
        422: problemResponse("The cart or shopper does not meet a condition (`promotions.not_eligible`); `errors[0].message` names it."),
      },
    }),
    async (c) => {
      const id = (await resolveCartId(c, true)) as string;
      c.header("Cache-Control", "private, no-store");
      return c.json(await applyPromotionCode(c.env, id, c.req.valid("json").code, shopperOf(c)), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/cart/promotions/{code}",
      tags: TAGS,
      summary: "Take a discount code off the cart",
      request: { params: CodeParam },
      responses: { 200: cartWithPromotions("The cart without the code."), 404: problemResponse("The cart does not carry this code.") },
    }),
    async (c) => {
      const id = await resolveCartId(c, false);
      c.header("Cache-Control", "private, no-store");
      if (!id) throw new AppError("promotions.code_not_applied", 404, "This cart does not carry that code.", [{ path: "code", message: "Not applied" }]);
      return c.json(await removePromotionCode(c.env, id, c.req.valid("param").code, shopperOf(c)), 200);
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
