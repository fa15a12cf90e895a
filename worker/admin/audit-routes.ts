import { createRoute } from "@hono/zod-openapi";
import { requireRole } from "../lib/auth";
import { createApiApp, problemResponse, SIGNED_IN } from "../lib/openapi";
import { searchAudit } from "./audit-query";
import { AuditPageSchema, AuditQuery } from "./schema";

/** Read-only on purpose: there is no route that changes or removes an audit entry. */
export const adminAuditRoutes = createApiApp().openapi(
  createRoute({
    method: "get",
    path: "/admin/audit",
    tags: ["Admin: audit log"],
    security: SIGNED_IN,
    summary: "Search the audit log, newest first (admin)",
    request: { query: AuditQuery },
    responses: {
      200: { description: "A page of entries.", content: { "application/json": { schema: AuditPageSchema } } },
      400: problemResponse("Invalid filter."),
      401: problemResponse("Not signed in."),
      403: problemResponse("Not an admin."),
    },
  }),
  async (c) => {
    requireRole(c, "admin");
    c.header("Cache-Control", "private, no-store");
    return c.json(await searchAudit(c.env.DB, c.req.valid("query")), 200);
  },
);
