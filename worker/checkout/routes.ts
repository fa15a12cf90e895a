import { createRoute, z } from "@hono/zod-openapi";
import { resolveCartId } from "../cart";
import { displayCurrencyFor } from "../currency";
import { clientIp } from "../lib/client-ip";
import { AppError } from "../lib/errors";
import { withIdempotency } from "../lib/idempotency";
import { createApiApp, problemResponse } from "../lib/openapi";
import { CheckoutBody, CheckoutResult } from "./schema";
import { placeOrder } from "./service/place-order";

export const checkoutRoutes = createApiApp().openapi(
  createRoute({
    method: "post",
    path: "/checkout",
    tags: ["Checkout"],
    summary: "Place an order from the cart and start its payment (send an Idempotency-Key to retry safely)",
    request: {
      headers: z.object({ "idempotency-key": z.string().optional().openapi({ description: "Retries with the same key and body get the same answer." }) }),
      body: { required: true, content: { "application/json": { schema: CheckoutBody } } },
    },
    responses: {
      201: {
        description: "Order placed (pending_payment); send the shopper to payment.redirectUrl.",
        content: { "application/json": { schema: CheckoutResult } },
      },
      400: problemResponse("Invalid field (prices, totals or currency in the body are refused)."),
      409: problemResponse("Cart empty or changed, item out of stock, more units of one item than an order may hold, or Idempotency-Key reused."),
      422: problemResponse("The store does not ship to the address's country (shipping.country_not_served)."),
      429: problemResponse("Too many orders of this cart, customer or network are waiting for payment (checkout.too_many_holds); see Retry-After."),
    },
  }),
  async (c) => {
    const body = c.req.valid("json");
    const cartId = await resolveCartId(c, false);
    if (!cartId) throw new AppError("checkout.cart_empty", 409, "The cart is empty.");
    const result = await withIdempotency(c.env.DB, `checkout:${cartId}`, c.req.header("idempotency-key"), body, async () => ({
      status: 201,
      body: await placeOrder(c.env, {
        cartId,
        user: c.get("auth")?.principal ?? null,
        body,
        origin: new URL(c.req.url).origin,
        display: await displayCurrencyFor(c.env, c.req.raw),
        ip: clientIp(c.req.raw.headers),
      }),
    }));
    c.header("Cache-Control", "no-store");
    return c.json(result.body, 201);
  },
);
