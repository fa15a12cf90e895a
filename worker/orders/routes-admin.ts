import { createRoute, z } from "@hono/zod-openapi";
import { withIdempotency } from "../checkout/idempotency";
import { requireRole } from "../lib/auth";
import { createApiApp, MoneySchema, problemResponse, SIGNED_IN } from "../lib/openapi";
import { refundOrder } from "../payments/refunds";

const RefundBody = z
  .object({
    amount: z.number().int("Expected whole minor units").positive().optional().openapi({ description: "Minor units; omit for everything not yet refunded." }),
    reason: z.string().trim().min(3, "Say why (at least 3 characters)").max(200),
  })
  .strict()
  .openapi("RefundBody");

export const adminOrderRoutes = createApiApp().openapi(
  createRoute({
    method: "post",
    path: "/admin/orders/{id}/refunds",
    tags: ["Admin: orders"],
    security: SIGNED_IN,
    summary: "Refund all or part of an order through its payment provider (send an Idempotency-Key to retry safely)",
    request: {
      params: z.object({
        id: z
          .string()
          .max(64)
          .openapi({ param: { name: "id", in: "path" } }),
      }),
      body: { required: true, content: { "application/json": { schema: RefundBody } } },
    },
    responses: {
      200: {
        description: "Refunded.",
        content: { "application/json": { schema: z.object({ orderId: z.string(), status: z.string(), refunded: MoneySchema }) } },
      },
      400: problemResponse("Invalid amount."),
      401: problemResponse("Not signed in."),
      403: problemResponse("Not an admin."),
      404: problemResponse("No such order."),
      409: problemResponse("Not refundable."),
    },
  }),
  async (c) => {
    const { user } = requireRole(c, "admin");
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    const result = await withIdempotency(c.env.DB, `refund:${id}`, c.req.header("idempotency-key"), body, async () => ({
      status: 200,
      body: await refundOrder(c.env, id, body.amount, body.reason, `admin:${user.id}`),
    }));
    return c.json(result.body, 200);
  },
);
