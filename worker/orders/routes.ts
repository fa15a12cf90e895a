import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { hashOpaqueToken } from "../accounts/tokens";
import { requireAuth } from "../lib/auth";
import type { AppEnv } from "../lib/context";
import { AppError } from "../lib/errors";
import { createApiApp, MoneySchema, problemResponse } from "../lib/openapi";
import { CancelOrderBody, OrderChange, OrderTracking } from "./schema";
import { getOrderByAccessToken, getOrderForUser, type OrderRow } from "./service";
import { cancelOrder } from "./service/lifecycle";
import { orderTracking } from "./service/tracking";

const params = z.object({
  id: z
    .string()
    .max(64)
    .openapi({ param: { name: "id", in: "path" } }),
});
const query = z.object({ token: z.string().max(100).optional().openapi({ description: "The token of a guest's emailed order link." }) }).strict();

/** The owner's order, or a guest's through the emailed token; anyone else gets 404 (401 when anonymous without a token). */
async function callerOrder(c: Context<AppEnv>, id: string, token: string | undefined): Promise<{ order: OrderRow; actor: string }> {
  if (token) return { order: await getOrderByAccessToken(c.env, id, await hashOpaqueToken(token)), actor: "guest" };
  const { principal } = requireAuth(c);
  return { order: await getOrderForUser(c.env, principal.id, id), actor: `customer:${principal.id}` };
}

export const orderRoutes = createApiApp()
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
      const { id } = c.req.valid("param");
      const { order } = await callerOrder(c, id, c.req.valid("query").token);
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
      const { id } = c.req.valid("param");
      const { order, actor } = await callerOrder(c, id, c.req.valid("query").token);
      if (!order) throw new AppError("orders.not_found", 404, "No such order.");
      const result = await cancelOrder(c.env, order.id, { actor, origin: new URL(c.req.url).origin }, c.req.valid("json").reason || null);
      return c.json(result, 200);
    },
  );
