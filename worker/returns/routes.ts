import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../lib/context";
import { AppError } from "../lib/errors";
import { createApiApp, problemResponse } from "../lib/openapi";
import { IMAGE_MAX_BYTES, SHOPPER_PHOTO_TYPES } from "../media";
import { accessOrder, orderAccessCookieToken } from "../orders";
import { photoAnswer, photoResponse } from "./photo-response";
import { CreateReturnBody, OrderReturns, PolicySlugParam, PolicyView, ReturnTrackingBody, ReturnView } from "./schema";
import { addReturnPhoto, RETURN_PHOTO_LIMIT, readReturnPhoto } from "./service/photos";
import { getPolicy, policySlug } from "./service/policies";
import { getReturnRow, shopperAuditActor } from "./service/shared";
import { addReturnTracking, orderReturns, requestReturn, returnForOrder } from "./service/shopper";

const OrderParam = z.object({
  id: z
    .string()
    .max(64)
    .openapi({ param: { name: "id", in: "path" } }),
});
const TokenQuery = z.object({ token: z.string().max(100).optional().openapi({ description: "The token of a guest's emailed order link." }) }).strict();
const json = <T extends z.ZodTypeAny>(schema: T) => ({ body: { required: true, content: { "application/json": { schema } } } });
const answer = <T extends z.ZodTypeAny>(description: string, schema: T) => ({ description, content: { "application/json": { schema } } });
const PhotoParam = OrderParam.extend({
  photoId: z
    .string()
    .max(64)
    .openapi({ param: { name: "photoId", in: "path" } }),
});
const denied = { 401: problemResponse("Not signed in and no token."), 404: problemResponse("Not found, or not yours.") };

/** The order by orders' one access rule (signed-in owner, or a guest with the emailed token). */
const callerOrder = (c: Context<AppEnv>, id: string, token: string | undefined) =>
  accessOrder(c.env, id, { principal: c.get("auth")?.principal ?? null, token });

export const returnRoutes = createApiApp()
  .openapi(
    createRoute({
      method: "get",
      path: "/orders/{id}/returns",
      tags: ["Returns"],
      summary: "What of an order may be returned (per line, with the window and the reasons) and its returns (owner, or a guest with the emailed token)",
      request: { params: OrderParam, query: TokenQuery },
      responses: { 200: answer("Returnable lines and returns.", OrderReturns), ...denied },
    }),
    async (c) => {
      const { order } = await callerOrder(c, c.req.valid("param").id, c.req.valid("query").token);
      c.header("Cache-Control", "private, no-store");
      return c.json(await orderReturns(c.env, order), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/orders/{id}/returns",
      tags: ["Returns"],
      summary: "Ask to return delivered items for a refund or an exchange (each line: quantity, a listed reason, a note)",
      request: { params: OrderParam, query: TokenQuery, ...json(CreateReturnBody) },
      responses: {
        201: answer("The return, requested.", ReturnView),
        400: problemResponse("Invalid field (each named): unknown line, too many units, reason not listed, no exchange variant."),
        ...denied,
        409: problemResponse("returns.window_closed, returns.not_returnable, or the units were just put in another return."),
      },
    }),
    async (c) => {
      const access = await callerOrder(c, c.req.valid("param").id, c.req.valid("query").token);
      return c.json(await requestReturn(c.env, access, c.req.valid("json"), new URL(c.req.url).origin, { requestId: c.get("requestId") ?? null }), 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/returns/{id}",
      tags: ["Returns"],
      summary: "One return (whoever may open its order)",
      request: { params: OrderParam, query: TokenQuery },
      responses: { 200: answer("The return.", ReturnView), ...denied },
    }),
    async (c) => {
      const ret = await getReturnRow(c.env, c.req.valid("param").id);
      const { order } = await callerOrder(c, ret.orderId, c.req.valid("query").token);
      c.header("Cache-Control", "private, no-store");
      return c.json(await returnForOrder(c.env, order, ret.id), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/returns/{id}/tracking",
      tags: ["Returns"],
      summary: "The shopper sent an approved return: carrier and tracking number (the return is then in transit)",
      request: { params: OrderParam, query: TokenQuery, ...json(ReturnTrackingBody) },
      responses: {
        200: answer("The return, in transit.", ReturnView),
        400: problemResponse("Invalid field."),
        ...denied,
        409: problemResponse("Not approved (or already sent)."),
      },
    }),
    async (c) => {
      const ret = await getReturnRow(c.env, c.req.valid("param").id);
      const { order, actor } = await callerOrder(c, ret.orderId, c.req.valid("query").token);
      const audit = shopperAuditActor(actor, order.email, c.get("requestId") ?? null);
      return c.json(await addReturnTracking(c.env, order, ret.id, c.req.valid("json"), { actor, audit, origin: new URL(c.req.url).origin }), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/returns/{id}/photos",
      tags: ["Returns"],
      summary: `Attach a photo to a requested return (JPEG, PNG or WebP by its bytes, at most 5 MiB, metadata removed; at most ${RETURN_PHOTO_LIMIT} per return; the return's owner only)`,
      request: {
        params: OrderParam,
        query: TokenQuery,
        body: { required: true, content: Object.fromEntries(SHOPPER_PHOTO_TYPES.map((type) => [type, { schema: z.string() }])) },
      },
      responses: {
        201: answer("The return with its photos.", ReturnView),
        400: problemResponse("Empty."),
        ...denied,
        409: problemResponse("returns.photo_limit (three already) or returns.photos_closed (staff looked at it)."),
        413: problemResponse("Larger than 5 MiB."),
        415: problemResponse("Not a JPEG, PNG or WebP (checked from the bytes)."),
      },
    }),
    async (c) => {
      const declared = (c.req.header("content-type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
      if (!SHOPPER_PHOTO_TYPES.includes(declared))
        throw new AppError("request.unsupported_media_type", 415, `Send the photo as ${SHOPPER_PHOTO_TYPES.join(", ")}.`, [
          { path: "content-type", message: "Not a supported photo type" },
        ]);
      if (Number(c.req.header("content-length") ?? 0) > IMAGE_MAX_BYTES)
        throw new AppError("request.too_large", 413, "Photos may be at most 5 MiB.", [{ path: "file", message: "Larger than 5 MiB" }]);
      const ret = await getReturnRow(c.env, c.req.valid("param").id);
      const { order, actor } = await callerOrder(c, ret.orderId, c.req.valid("query").token);
      return c.json(await addReturnPhoto(c.env, order, ret.id, await c.req.arrayBuffer(), actor, c.get("requestId") ?? null), 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/returns/{id}/photos/{photoId}",
      tags: ["Returns"],
      summary: "A photo of a return (whoever may open its order; never cached by shared caches)",
      request: { params: PhotoParam, query: TokenQuery },
      responses: { 200: photoAnswer, ...denied },
    }),
    async (c) => {
      const { id, photoId } = c.req.valid("param");
      const ret = await getReturnRow(c.env, id);
      // The order page's thumbnails name no token: a guest's browser carries it in the order-access cookie.
      const token = c.req.valid("query").token ?? orderAccessCookieToken(c.req.header("cookie"), ret.orderId) ?? undefined;
      await callerOrder(c, ret.orderId, token);
      return photoResponse(c, await readReturnPhoto(c.env, ret.id, photoId));
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/policies/{slug}",
      tags: ["Store"],
      summary: "A store policy page (shipping, returns, privacy, terms): Markdown source and escaped HTML",
      request: { params: PolicySlugParam },
      responses: { 200: answer("The policy.", PolicyView), 404: problemResponse("Unknown policy.") },
    }),
    async (c) => {
      const { blocks: _blocks, ...policy } = await getPolicy(c.env, policySlug(c.req.valid("param").slug));
      return c.json(policy, 200);
    },
  );
