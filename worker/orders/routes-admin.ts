import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { auditActor } from "../lib/audit";
import { withIdempotency } from "../lib/idempotency";
import { requireAuth, requirePermission } from "../lib/auth";
import { type AppEnv, hasPermission, type Permission } from "../lib/context";
import { createApiApp, IdParam, MoneySchema, problemResponse, SIGNED_IN } from "../lib/openapi";
import { actors } from "./actor";
import {
  AdminCancelBody,
  AdminOrderPage,
  AdminOrderQuery,
  AdminOrderView,
  CreateShipmentBody,
  OrderChange,
  GuestLinkChangeSchema,
  OrderNoteBody,
  RefundBody,
  ReplaceGuestLinkBody,
  StatusNoteBody,
} from "./schema";
import { adminOrderDetail, listOrdersForAdmin } from "./service/admin";
import { addOrderNote, cancelOrder, markDelivered, markFulfilling } from "./service/lifecycle";
import type { ChangeContext } from "./service/orders";
import { refundOrder } from "./service/refunds";
import { createShipment } from "./service/shipments";
import { replaceGuestLink } from "./service/guest-link";

const errors = {
  400: problemResponse("Invalid field."),
  401: problemResponse("Not signed in."),
  403: problemResponse("Not an admin."),
  404: problemResponse("No such order."),
  409: problemResponse("Not allowed in the order's current status."),
};

/** A staff write (reading orders needs no permission, changing them does): the timeline actor, the audit actor and the origin for email links. */
function staffChange(c: Context<AppEnv>, permission: Permission = "orders"): ChangeContext {
  const { principal, sessionId } = requirePermission(c, permission);
  return { actor: actors.admin(principal.id), audit: auditActor(c), origin: new URL(c.req.url).origin, sessionId };
}

function write<P extends string, B extends z.ZodType, R extends z.ZodType>(path: P, summary: string, body: B, ok: R) {
  return createRoute({
    method: "post",
    path,
    tags: ["Admin: orders"],
    security: SIGNED_IN,
    summary,
    request: { params: IdParam, body: { required: true, content: { "application/json": { schema: body } } } },
    responses: { 200: { description: "Done.", content: { "application/json": { schema: ok } } }, ...errors },
  });
}

export const adminOrderRoutes = createApiApp()
  .openapi(
    createRoute({
      method: "get",
      path: "/orders",
      tags: ["Admin: orders"],
      security: SIGNED_IN,
      summary: "Orders with filters (status, date, customer email or number, total), newest first (admin, support)",
      request: { query: AdminOrderQuery },
      responses: {
        200: { description: "A page of orders.", content: { "application/json": { schema: AdminOrderPage } } },
        400: errors[400],
        401: errors[401],
        403: errors[403],
      },
    }),
    async (c) => {
      return c.json(await listOrdersForAdmin(c.env, c.req.valid("query")), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/orders/{id}",
      tags: ["Admin: orders"],
      security: SIGNED_IN,
      summary:
        "One order with its whole timeline (internal notes too), payments, shipments, allowed actions and its sellers' parts (commissions and payouts with the vendors permission)",
      request: { params: IdParam },
      responses: {
        200: { description: "The order.", content: { "application/json": { schema: AdminOrderView } } },
        401: errors[401],
        403: errors[403],
        404: errors[404],
      },
    }),
    async (c) => {
      const { principal } = requireAuth(c);
      return c.json(await adminOrderDetail(c.env, c.req.valid("param").id, { sellerMoney: hasPermission(principal, "vendors") }), 200);
    },
  )
  .openapi(write("/orders/{id}/fulfilling", "Start packing a paid order", StatusNoteBody, OrderChange), async (c) => {
    const ctx = staffChange(c);
    return c.json(await markFulfilling(c.env, c.req.valid("param").id, ctx, c.req.valid("json").note), 200);
  })
  .openapi(
    write(
      "/orders/{id}/shipments",
      "Ship all or some remaining items (carrier, tracking number; tracking URL built for known carriers)",
      CreateShipmentBody,
      OrderChange.extend({ shipmentId: z.string(), carrier: z.string(), trackingNumber: z.string(), trackingUrl: z.string().nullable() }),
    ),
    async (c) => {
      const ctx = staffChange(c);
      return c.json(await createShipment(c.env, c.req.valid("param").id, c.req.valid("json") as CreateShipmentBody, ctx), 200);
    },
  )
  .openapi(write("/orders/{id}/delivered", "Mark a fully shipped order delivered (every parcel)", StatusNoteBody, OrderChange), async (c) => {
    const ctx = staffChange(c);
    return c.json(await markDelivered(c.env, c.req.valid("param").id, ctx, c.req.valid("json").note), 200);
  })
  .openapi(
    write(
      "/orders/{id}/cancel",
      "Cancel an order that has not shipped: stock back, payment refunded",
      AdminCancelBody,
      OrderChange.extend({ refunded: MoneySchema }),
    ),
    async (c) => {
      const ctx = staffChange(c);
      return c.json(await cancelOrder(c.env, c.req.valid("param").id, ctx, c.req.valid("json").reason), 200);
    },
  )
  .openapi(
    write(
      "/orders/{id}/guest-link/revoke",
      "End every emailed link to the order (forwarded, leaked) and, by default, email a new one to its address",
      ReplaceGuestLinkBody,
      GuestLinkChangeSchema,
    ),
    async (c) => {
      const ctx = staffChange(c);
      return c.json(await replaceGuestLink(c.env, c.req.valid("param").id, ctx, { send: c.req.valid("json").send }), 200);
    },
  )
  .openapi(write("/orders/{id}/notes", "Add a note to the timeline (internal by default)", OrderNoteBody, OrderChange), async (c) => {
    const ctx = staffChange(c);
    const body = c.req.valid("json") as OrderNoteBody;
    return c.json(await addOrderNote(c.env, c.req.valid("param").id, ctx, body.note, body.internal), 200);
  })
  .openapi(
    createRoute({
      method: "post",
      path: "/orders/{id}/refunds",
      tags: ["Admin: orders"],
      security: SIGNED_IN,
      summary: "Refund all or part of an order through its payment provider (send an Idempotency-Key to retry safely)",
      request: {
        params: IdParam,
        body: {
          required: true,
          content: {
            "application/json": {
              schema: RefundBody,
            },
          },
        },
      },
      responses: {
        200: {
          description: "Refunded.",
          content: { "application/json": { schema: z.object({ orderId: z.string(), status: z.string(), refunded: MoneySchema }) } },
        },
        ...errors,
      },
    }),
    async (c) => {
      const ctx = staffChange(c, "refunds");
      const { id } = c.req.valid("param");
      const body = c.req.valid("json");
      const result = await withIdempotency(c.env.DB, `refund:${id}`, c.req.header("idempotency-key"), body, async () => ({
        status: 200,
        body: await refundOrder(c.env, id, body.amount, body.reason, ctx),
      }));
      return c.json(result.body, 200);
    },
  );
