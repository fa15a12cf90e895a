import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { auditActor } from "../lib/audit";
import { requirePermission } from "../lib/auth";
import type { AppEnv, Permission } from "../lib/context";
import { withIdempotency } from "../lib/idempotency";
import { createApiApp, IdParam, problemResponse, SIGNED_IN } from "../lib/openapi";
import { jsonAnswer, jsonBody, settingsRoute } from "../lib/settings-route";
import { actors, type ChangeContext } from "../orders";
import {
  AdminReturnPage,
  AdminReturnQuery,
  AdminReturnView,
  ApproveReturnBody,
  InspectLineBody,
  PolicyBody,
  PolicySlugParam,
  PolicyView,
  RefundReturnBody,
  RejectReturnBody,
  ReturnNoteBody,
  ReturnSettingsBody,
  ReturnSettingsSchema,
  ReturnView,
  ShipExchangeBody,
} from "./schema";
import { photoAnswer, photoNotFound, photoResponse } from "./photo-response";
import { shipExchange } from "./service/exchange";
import { readReturnPhoto } from "./service/photos";
import { policySlug, updatePolicy } from "./service/policies";
import { returnSettings, updateReturnSettings } from "./service/settings";
import {
  adminReturnDetail,
  approveReturn,
  closeReturn,
  inspectReturnLine,
  listReturnsForAdmin,
  markReturnReceived,
  refundReturn,
  rejectReturn,
} from "./service/staff";

const LineParam = IdParam.extend({
  lineId: z
    .string()
    .max(64)
    .openapi({ param: { name: "lineId", in: "path" } }),
});
const errors = {
  400: problemResponse("Invalid field (each named)."),
  401: problemResponse("Not signed in."),
  403: problemResponse("Missing the permission (orders; refunds for the refund)."),
  404: problemResponse("No such return."),
  409: problemResponse("Not allowed in the return's current status, or it changed meanwhile."),
};

/** A staff write on a return: the permission checked, the timeline actor, the audit actor and the origin for email links. */
function staffChange(c: Context<AppEnv>, permission: Permission): ChangeContext {
  const { principal, sessionId } = requirePermission(c, permission);
  // The session goes along: a refund above the store's threshold asks it for a recent second factor.
  return { actor: actors.admin(principal.id), audit: auditActor(c), origin: new URL(c.req.url).origin, sessionId };
}

function write<P extends string, B extends z.ZodType, Q extends z.ZodObject = typeof IdParam>(path: P, summary: string, body: B, params?: Q) {
  return createRoute({
    method: "post",
    path,
    tags: ["Admin: returns"],
    security: SIGNED_IN,
    summary,
    request: { params: (params ?? IdParam) as Q, body: { required: true, content: { "application/json": { schema: body } } } },
    responses: { 200: { description: "Done.", content: { "application/json": { schema: ReturnView } } }, ...errors },
  });
}

export const adminReturnRoutes = createApiApp()
  .openapi(
    createRoute({
      method: "get",
      path: "/returns",
      tags: ["Admin: returns"],
      security: SIGNED_IN,
      summary: "Returns by status or by return number, order number or email, newest first (admin, support)",
      request: { query: AdminReturnQuery },
      responses: {
        200: { description: "A page of returns.", content: { "application/json": { schema: AdminReturnPage } } },
        400: errors[400],
        401: errors[401],
        403: errors[403],
      },
    }),
    async (c) => c.json(await listReturnsForAdmin(c.env, c.req.valid("query")), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/returns/{id}",
      tags: ["Admin: returns"],
      security: SIGNED_IN,
      summary: "One return with its lines, the refundable amount and the statuses it may move to (admin, support)",
      request: { params: IdParam },
      responses: {
        200: { description: "The return.", content: { "application/json": { schema: AdminReturnView } } },
        401: errors[401],
        403: errors[403],
        404: errors[404],
      },
    }),
    async (c) => c.json(await adminReturnDetail(c.env, c.req.valid("param").id), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/returns/{id}/photos/{photoId}",
      tags: ["Admin: returns"],
      security: SIGNED_IN,
      summary: "A photo the shopper attached to a return (admin, support)",
      request: {
        params: IdParam.extend({
          photoId: z
            .string()
            .max(64)
            .openapi({ param: { name: "photoId", in: "path" } }),
        }),
      },
      responses: { 200: photoAnswer, 401: errors[401], 403: errors[403], 404: photoNotFound },
    }),
    async (c) => {
      const { id, photoId } = c.req.valid("param");
      return photoResponse(c, await readReturnPhoto(c.env, id, photoId));
    },
  )
  .openapi(
    write("/returns/{id}/approve", "Approve a requested return with instructions (and a label URL or carrier + tracking number)", ApproveReturnBody),
    async (c) => {
      const ctx = staffChange(c, "orders");
      return c.json(await approveReturn(c.env, c.req.valid("param").id, c.req.valid("json") as ApproveReturnBody, ctx), 200);
    },
  )
  .openapi(write("/returns/{id}/reject", "Decline a requested return with the reason the shopper reads", RejectReturnBody), async (c) => {
    const ctx = staffChange(c, "orders");
    return c.json(await rejectReturn(c.env, c.req.valid("param").id, c.req.valid("json").reason, ctx), 200);
  })
  .openapi(write("/returns/{id}/received", "Mark the returned parcel received", ReturnNoteBody), async (c) => {
    const ctx = staffChange(c, "orders");
    return c.json(await markReturnReceived(c.env, c.req.valid("param").id, ctx, c.req.valid("json").note || null), 200);
  })
  .openapi(
    write(
      "/returns/{id}/lines/{lineId}/inspect",
      "Inspect a received item: restock it (stock ledger, once per item) or write it off as damaged",
      InspectLineBody,
      LineParam,
    ),
    async (c) => {
      const ctx = staffChange(c, "orders");
      const { id, lineId } = c.req.valid("param") as z.infer<typeof LineParam>;
      return c.json(await inspectReturnLine(c.env, id, lineId, c.req.valid("json") as InspectLineBody, ctx), 200);
    },
  )
  .openapi(
    write(
      "/returns/{id}/refund",
      "Refund an inspected return through the order's payment provider (at most what was paid for its lines, less the restocking fee; send an Idempotency-Key to retry safely)",
      RefundReturnBody,
    ),
    async (c) => {
      const ctx = staffChange(c, "refunds");
      const { id } = c.req.valid("param");
      const body = c.req.valid("json");
      const result = await withIdempotency(c.env.DB, `return-refund:${id}`, c.req.header("idempotency-key"), body, async () => ({
        status: 200,
        body: await refundReturn(c.env, id, body, ctx),
      }));
      return c.json(result.body as z.infer<typeof ReturnView>, 200);
    },
  )
  .openapi(
    write(
      "/returns/{id}/exchange",
      "Ship an inspected exchange: its held replacement units become a zero-charge replacement order (the price difference, if any, is refunded)",
      ShipExchangeBody,
    ),
    async (c) => {
      const ctx = staffChange(c, "orders");
      return c.json(await shipExchange(c.env, c.req.valid("param").id, ctx), 200);
    },
  )
  .openapi(write("/returns/{id}/close", "Close an inspected return without a refund or exchange", ReturnNoteBody), async (c) => {
    const ctx = staffChange(c, "orders");
    return c.json(await closeReturn(c.env, c.req.valid("param").id, c.req.valid("json").note || null, ctx), 200);
  })
  .openapi(settingsRoute("get", "/returns", "The store's return rules", {}, { 200: jsonAnswer("The return rules.", ReturnSettingsSchema) }), async (c) => {
    requirePermission(c, "settings");
    return c.json(await returnSettings(c.env), 200);
  })
  .openapi(
    settingsRoute(
      "patch",
      "/returns",
      "Change return rules: window, reasons, who pays return shipping, restocking fee, non-returnable products and categories",
      jsonBody(ReturnSettingsBody),
      {
        200: jsonAnswer("The return rules now.", ReturnSettingsSchema),
      },
    ),
    async (c) => {
      requirePermission(c, "settings");
      return c.json(await updateReturnSettings(c.env, auditActor(c), c.req.valid("json")), 200);
    },
  )
  .openapi(
    settingsRoute(
      "put",
      "/policies/{slug}",
      "Rewrite a policy page (shipping, returns, privacy, terms) in the Markdown subset",
      { params: PolicySlugParam, ...jsonBody(PolicyBody) },
      {
        200: jsonAnswer("The policy now.", PolicyView),
      },
    ),
    async (c) => {
      requirePermission(c, "settings");
      return c.json(await updatePolicy(c.env, auditActor(c), policySlug(c.req.valid("param").slug), c.req.valid("json")), 200);
    },
  );
