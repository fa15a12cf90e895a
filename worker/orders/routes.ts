import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { requireAuth } from "../lib/auth";
import type { AppEnv } from "../lib/context";
import { createApiApp, MoneySchema, PaginationQuery, problemResponse, SIGNED_IN } from "../lib/openapi";
import { TestPaymentBody } from "../payments";
import { accessOrder } from "./access";
import { CancelOrderBody, OrderChange, OrderDetailView, OrderPage, OrderTracking, TestPaymentResult } from "./schema";
import { cancelOrder } from "./service/lifecycle";
import { listOrdersForUser, orderDetail } from "./service/orders";
import { applyTestPayment } from "./service/payment-outcome";
import { orderTracking } from "./service/tracking";

const params = z.object({
  id: z
    .string()
    .max(64)
    .openapi({ param: { name: "id", in: "path" } }),
});
const query = z.object({ token: z.string().max(100).optional().openapi({ description: "The token of a guest's emailed order link." }) }).strict();

/** The caller's order by the one access rule (owner, or a guest with the emailed token). */
const callerOrder = (c: Context<AppEnv>, id: string, token: string | undefined) =>
  accessOrder(c.env, id, { principal: c.get("auth")?.principal ?? null, token });

export const orderRoutes = createApiApp()
  .openapi(
    createRoute({
      method: "post",
      path: "/checkout/test-payments/{id}",
      tags: ["Checkout"],
      summary: "The test provider's hosted page: pay or decline (only when the test provider is active)",
      request: { params, body: { required: true, content: { "application/json": { schema: TestPaymentBody } } } },
      responses: {
        200: { description: "Outcome applied.", content: { "application/json": { schema: TestPaymentResult } } },
        404: problemResponse("Unknown payment or test provider inactive."),
      },
    }),
    async (c) => {
      const result = await applyTestPayment(c.env, c.req.valid("param").id, c.req.valid("json").outcome, new URL(c.req.url).origin);
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
        200: { description: "A page of orders.", content: { "application/json": { schema: OrderPage } } },
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
      request: { params, query: z.object({ token: z.string().max(100).optional() }) },
      responses: {
        200: { description: "The order.", content: { "application/json": { schema: OrderDetailView } } },
        401: problemResponse("Not signed in and no token."),
        404: problemResponse("Not found, or not yours."),
      },
    }),
    async (c) => {
      const { order } = await callerOrder(c, c.req.valid("param").id, c.req.valid("query").token);
      c.header("Cache-Control", "private, no-store");
      return c.json(await orderDetail(c.env, order), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/orders/{id}/tracking",
      tags: ["Orders"],
      summary: "The live part of an order (status, public timeline, shipments) for polling: answers 304 to a matching If-None-Match",
      request: { params, query, headers: z.object({ "if-none-match": z.string().optional() }) },
      responses: {
        200: { description: "Current state, with an ETag.", content: { "application/json": { schema: OrderTracking } } },
        304: { description: "Unchanged since the ETag sent." },
        401: problemResponse("Not signed in and no token."),
        404: problemResponse("Not found, or not yours."),
      },
    }),
    async (c) => {
      const { order } = await callerOrder(c, c.req.valid("param").id, c.req.valid("query").token);
      const body = await orderTracking(c.env, order);
      const etag = `"${Buffer.from(await crypto.subtle.digest("SHA-1", new TextEncoder().encode(JSON.stringify(body)))).toString("base64url")}"`;
      c.header("ETag", etag);
      c.header("Cache-Control", "private, no-cache");
      if (c.req.header("if-none-match") === etag) return c.body(null, 304);
      return c.json(body, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/orders/{id}/cancel",
      tags: ["Orders"],
      summary: "Cancel the caller's order before it ships (owner, or a guest with the emailed token): stock released, payment refunded",
      request: { params, query, body: { required: true, content: { "application/json": { schema: CancelOrderBody } } } },
      responses: {
        200: { description: "Cancelled.", content: { "application/json": { schema: OrderChange.extend({ refunded: MoneySchema }) } } },
        400: problemResponse("Invalid field."),
        401: problemResponse("Not signed in and no token."),
        404: problemResponse("Not found, or not yours."),
        409: problemResponse("Already shipped, cancelled or refunded."),
      },
    }),
    async (c) => {
      const { order, actor } = await callerOrder(c, c.req.valid("param").id, c.req.valid("query").token);
      const result = await cancelOrder(c.env, order.id, { actor, origin: new URL(c.req.url).origin }, c.req.valid("json").reason || null);
      return c.json(result, 200);
    },
  );
