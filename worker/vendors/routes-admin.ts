import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { auditActor } from "../lib/audit";
import { requirePermission } from "../lib/auth";
import type { AppEnv } from "../lib/context";
import { createApiApp, problemResponse, SIGNED_IN } from "../lib/openapi";
import { AdminVendorPage, AdminVendorQuery, AdminVendorView, EmptyBody, VendorReasonBody } from "./schema";
import { adminVendorDetail, approveVendor, listVendorsForAdmin, reinstateVendor, rejectVendor, suspendVendor } from "./service/applications";

const IdParam = z.object({
  id: z
    .string()
    .max(64)
    .openapi({ param: { name: "id", in: "path" } }),
});
const errors = {
  400: problemResponse("Invalid field (each named)."),
  401: problemResponse("Not signed in."),
  403: problemResponse("Missing the vendors permission."),
  404: problemResponse("No such vendor."),
  409: problemResponse("Not allowed in the vendor's current status, or it changed meanwhile."),
};

function write<B extends z.ZodType>(path: string, summary: string, body: B) {
  return createRoute({
    method: "post",
    path,
    tags: ["Admin: vendors"],
    security: SIGNED_IN,
    summary,
    request: { params: IdParam, body: { required: true, content: { "application/json": { schema: body } } } },
    responses: { 200: { description: "Done.", content: { "application/json": { schema: AdminVendorView } } }, ...errors },
  });
}

/** The staff member making a vendor decision: needs the `vendors` permission; answers the audit actor and origin. */
function decision(c: Context<AppEnv>) {
  requirePermission(c, "vendors");
  return { actor: auditActor(c), origin: new URL(c.req.url).origin };
}

/** Reviewing sellers: applications and vendors by status, approve, reject, suspend, reinstate. */
export const adminVendorRoutes = createApiApp()
  .openapi(
    createRoute({
      method: "get",
      path: "/vendors",
      tags: ["Admin: vendors"],
      security: SIGNED_IN,
      summary: "Vendors and applications by status or by part of the name, handle or email, newest first",
      request: { query: AdminVendorQuery },
      responses: {
        200: { description: "A page of vendors.", content: { "application/json": { schema: AdminVendorPage } } },
        400: errors[400],
        401: errors[401],
        403: errors[403],
      },
    }),
    async (c) => c.json(await listVendorsForAdmin(c.env, c.req.valid("query")), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/vendors/{id}",
      tags: ["Admin: vendors"],
      security: SIGNED_IN,
      summary: "One vendor or application with its members",
      request: { params: IdParam },
      responses: {
        200: { description: "The vendor.", content: { "application/json": { schema: AdminVendorView } } },
        401: errors[401],
        403: errors[403],
        404: errors[404],
      },
    }),
    async (c) => c.json(await adminVendorDetail(c.env, c.req.valid("param").id), 200),
  )
  .openapi(write("/vendors/{id}/approve", "Approve a pending application: its members get the vendor role (emailed, audited)", EmptyBody), async (c) => {
    const { actor, origin } = decision(c);
    return c.json(await approveVendor(c.env, actor, c.req.valid("param").id, origin), 200);
  })
  .openapi(write("/vendors/{id}/reject", "Decline a pending application with the reason the applicant reads", VendorReasonBody), async (c) => {
    const { actor, origin } = decision(c);
    const { reason } = c.req.valid("json") as VendorReasonBody;
    return c.json(await rejectVendor(c.env, actor, c.req.valid("param").id, reason, origin), 200);
  })
  .openapi(write("/vendors/{id}/suspend", "Suspend an active vendor: its products leave the store (reason emailed)", VendorReasonBody), async (c) => {
    const { actor, origin } = decision(c);
    const { reason } = c.req.valid("json") as VendorReasonBody;
    return c.json(await suspendVendor(c.env, actor, c.req.valid("param").id, reason, origin), 200);
  })
  .openapi(write("/vendors/{id}/reinstate", "Reinstate a suspended vendor: its products return to the store", EmptyBody), async (c) => {
    const { actor, origin } = decision(c);
    return c.json(await reinstateVendor(c.env, actor, c.req.valid("param").id, origin), 200);
  });
