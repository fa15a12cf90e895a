import { createRoute, z } from "@hono/zod-openapi";
import { hashOpaqueToken } from "../accounts/tokens";
import { resolveCartId } from "../cart/http";
import { displayCurrencyFor } from "../currency";
import { requireAuth } from "../lib/auth";
import { clientIp } from "../lib/client-ip";
import { AppError } from "../lib/errors";
import { createApiApp, PaginationQuery, problemResponse, SIGNED_IN } from "../lib/openapi";
import { OrderDetailView } from "../orders/schema";
import { getOrderByAccessToken, getOrderForUser, listOrdersForUser, orderDetail } from "../orders/service";
import { activeProvider } from "../payments/providers";
import { applyPaymentOutcome } from "../payments/service";
import { withIdempotency } from "../lib/idempotency";
import { CheckoutBody, CheckoutResult, TestPaymentBody } from "./schema";
import { placeOrder } from "./service";

const OrderIdParam = z.object({
  id: z
    .string()
    .max(64)
    .openapi({ param: { name: "id", in: "path" } }),
});
const PaymentIdParam = z.object({
  id: z
    .string()
    .max(64)
    .openapi({ param: { name: "id", in: "path" } }),
});
const orderJson = { description: "The order.", content: { "application/json": { schema: OrderDetailView } } };

export const checkoutRoutes = createApiApp()
  .openapi(
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
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/checkout/test-payments/{id}",
      tags: ["Checkout"],
      summary: "The test provider's hosted page: pay or decline (only when the test provider is active)",
      request: { params: PaymentIdParam, body: { required: true, content: { "application/json": { schema: TestPaymentBody } } } },
      responses: {
        200: { description: "Outcome applied.", content: { "application/json": { schema: z.object({ orderStatus: z.string() }) } } },
        404: problemResponse("Unknown payment or test provider inactive."),
      },
    }),
    async (c) => {
      if (activeProvider(c.env).name !== "test") throw new AppError("payments.not_found", 404, "No such payment.");
      const { id } = c.req.valid("param");
      const { outcome } = c.req.valid("json");
      const result = await applyPaymentOutcome(
        c.env,
        {
          provider: "test",
          eventId: `${id}:${outcome}`,
          eventType: `test.${outcome}`,
          paymentId: id,
          outcome,
          reason: outcome === "failed" ? "declined at the test payment page" : undefined,
        },
        new URL(c.req.url).origin,
      );
      return c.json({ orderStatus: result.orderStatus }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/orders",
      tags: ["Orders"],
      security: SIGNED_IN,
      summary: "The caller's orders, newest first",
      request: { query: z.object(PaginationQuery) },
      responses: {
        200: { description: "A page of orders.", content: { "application/json": { schema: z.record(z.string(), z.unknown()).openapi("OrderPage") } } },
        401: problemResponse("Not signed in."),
      },
    }),
    async (c) => {
      const { page, perPage } = c.req.valid("query");
      c.header("Cache-Control", "private, no-store");
      return c.json(await listOrdersForUser(c.env, requireAuth(c).principal.id, page, perPage), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/orders/{id}",
      tags: ["Orders"],
      summary: "One order with its lines, totals, timeline and payment (owner, or a guest with the emailed token)",
      request: { params: OrderIdParam, query: z.object({ token: z.string().max(100).optional() }) },
      responses: { 200: orderJson, 401: problemResponse("Not signed in and no token."), 404: problemResponse("Not found, or not yours.") },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { token } = c.req.valid("query");
      const order = token
        ? await getOrderByAccessToken(c.env, id, await hashOpaqueToken(token))
        : await getOrderForUser(c.env, requireAuth(c).principal.id, id);
      c.header("Cache-Control", "private, no-store");
      return c.json(await orderDetail(c.env, order), 200);
    },
  );
