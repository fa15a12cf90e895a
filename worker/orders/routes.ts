import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { requireAuth } from "../lib/auth";
import type { AppEnv } from "../lib/context";
import { entityTagOf, ifNoneMatchHits } from "../lib/entity-tag";
import { createApiApp, MoneySchema, PaginationQuery, problemResponse, SIGNED_IN } from "../lib/openapi";
import { TestPaymentBody } from "../payments";
import { accessOrder } from "./access";
import {
  CancelOrderBody,
  GuestLinkChangeSchema,
  OrderChange,
  OrderDetailView,
  OrderPage,
  OrderTracking,
  RenewGuestLinkBody,
  TestPaymentResult,
} from "./schema";
import { renewGuestLink, replaceGuestLink } from "./service/guest-link";
import { requestContextOf } from "../accounts";
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

/**
 * A guest's token in a header, for callers that ask again and again (the order page polls every few
 * seconds): a query string lands in access logs, proxies and browser history, a header does not.
 */
const ORDER_TOKEN_HEADER = "x-order-token";
const tokenHeader = z.string().max(100).optional().openapi({ description: "The token of a guest's emailed order link (instead of `?token=`)." });

/** The caller's order by the one access rule (owner, or a guest with the emailed token, from the header or the link's query). */
const callerOrder = (c: Context<AppEnv>, id: string, token: string | undefined) =>
  accessOrder(c.env, id, { principal: c.get("auth")?.principal ?? null, token: c.req.header(ORDER_TOKEN_HEADER) || token });

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
      request: { params, query: z.object({ token: z.string().max(100).optional() }), headers: z.object({ [ORDER_TOKEN_HEADER]: tokenHeader }) },
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
      description: "Polled, so a guest's token goes in the `X-Order-Token` header: `?token=` is refused here (400) to keep it out of logs.",
      request: {
        params,
        query: z.object({}).strict(),
        headers: z.object({ "if-none-match": z.string().optional(), [ORDER_TOKEN_HEADER]: tokenHeader }),
      },
      responses: {
        200: { description: "Current state, with an ETag.", content: { "application/json": { schema: OrderTracking } } },
        304: { description: "Unchanged since the ETag sent." },
        401: problemResponse("Not signed in and no token."),
        404: problemResponse("Not found, or not yours."),
      },
    }),
    async (c) => {
      const { order } = await callerOrder(c, c.req.valid("param").id, undefined);
      const body = await orderTracking(c.env, order);
      const etag = await entityTagOf(new TextEncoder().encode(JSON.stringify(body)));
      c.header("ETag", etag);
      c.header("Cache-Control", "private, no-cache");
      if (ifNoneMatchHits(c.req.header("if-none-match"), etag)) return c.body(null, 304);
      return c.json(body, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/orders/{id}/cancel",
      tags: ["Orders"],
      summary: "Cancel the caller's order before it ships (owner, or a guest with the emailed token): stock released, payment refunded",
      request: {
        params,
        query,
        headers: z.object({ [ORDER_TOKEN_HEADER]: tokenHeader }),
        body: { required: true, content: { "application/json": { schema: CancelOrderBody } } },
      },
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
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/orders/{id}/link/revoke",
      tags: ["Orders"],
      summary: "End every link to the order sent so far (a forwarded email, a shared screen) and email a new one to the order's address",
      request: {
        params,
        query,
        headers: z.object({ [ORDER_TOKEN_HEADER]: tokenHeader }),
        body: { required: true, content: { "application/json": { schema: z.object({}).strict().openapi("RevokeGuestLinkBody") } } },
      },
      responses: {
        200: { description: "Earlier links stopped working; a new one is on its way.", content: { "application/json": { schema: GuestLinkChangeSchema } } },
        401: problemResponse("Not signed in and no token."),
        404: problemResponse("Not found, or not yours."),
        409: problemResponse("Replaced by another request at the same moment."),
        410: problemResponse("The link has already expired (ask for a new one)."),
      },
    }),
    async (c) => {
      const { order, actor } = await callerOrder(c, c.req.valid("param").id, c.req.valid("query").token);
      const origin = new URL(c.req.url).origin;
      return c.json(await replaceGuestLink(c.env, order.id, { actor, origin }, { send: true, seenVersion: order.accessLinkVersion }), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/orders/{id}/link/renew",
      tags: ["Orders"],
      summary: "Ask for a new link to an order (the old one expired or was lost): emailed only to the order's own address",
      description: "Answers 202 whether or not the order exists and the address is its own, so nothing about anyone's orders is revealed.",
      request: { params, body: { required: true, content: { "application/json": { schema: RenewGuestLinkBody } } } },
      responses: {
        202: {
          description: "If the address is the order's, a new link is on its way.",
          content: { "application/json": { schema: z.object({ status: z.literal("accepted") }) } },
        },
        400: problemResponse("Invalid field."),
        429: problemResponse("Too many requests from this address."),
      },
    }),
    async (c) => {
      const ctx = requestContextOf(c.req.raw.headers, c.req.url);
      await renewGuestLink(c.env, c.req.valid("param").id, c.req.valid("json").email, { ip: ctx.ip, origin: ctx.origin });
      return c.json({ status: "accepted" as const }, 202);
    },
  );
