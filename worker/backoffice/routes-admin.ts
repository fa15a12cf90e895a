import { createRoute } from "@hono/zod-openapi";
import { UserIdParam } from "../accounts/schema";
import { requirePermission } from "../lib/auth";
import { createApiApp, problemResponse, SIGNED_IN } from "../lib/openapi";
import { AuditPageSchema, AuditQuery, OverviewSchema, UserOrdersQuery, UserOrdersSchema } from "./schema";
import { jsonAnswer, settingsRoute } from "../lib/settings-route";
import { settingsOverview } from "./settings";
import { SettingsOverviewSchema } from "./settings-schema";
import { searchAudit } from "./service/audit";
import { loadOverview } from "./service/dashboard";
import { listUserOrdersForStaff } from "./service/user-orders";

const denied = { 401: problemResponse("Not signed in."), 403: problemResponse("Not an admin.") };

/**
 * Staff read models that span domains, mounted on the admin API (role guard and no-store applied
 * there). The overview and the audit log take the "reports" permission; any staff member may read a user's orders.
 */
export const adminBackofficeRoutes = createApiApp()
  .openapi(
    createRoute({
      method: "get",
      path: "/overview",
      tags: ["Admin: overview"],
      security: SIGNED_IN,
      summary: "Today's and this week's revenue, orders awaiting fulfilment, low stock, sign-ups, 30 days of revenue (\"reports\" permission)",
      responses: {
        200: { description: "The overview figures.", content: { "application/json": { schema: OverviewSchema } } },
        ...denied,
      },
    }),
    async (c) => {
      requirePermission(c, "reports");
      return c.json(await loadOverview(c.env), 200);
    },
  )
  // Read-only on purpose: there is no route that changes or removes an audit entry.
  .openapi(
    createRoute({
      method: "get",
      path: "/audit",
      tags: ["Admin: audit log"],
      security: SIGNED_IN,
      summary: 'Search the audit log, newest first ("reports" permission)',
      request: { query: AuditQuery },
      responses: {
        200: { description: "A page of entries.", content: { "application/json": { schema: AuditPageSchema } } },
        400: problemResponse("Invalid filter."),
        ...denied,
      },
    }),
    async (c) => {
      requirePermission(c, "reports");
      return c.json(await searchAudit(c.env, c.req.valid("query")), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/users/{id}/orders",
      tags: ["Admin: users"],
      security: SIGNED_IN,
      summary: "A user's orders, newest first (admin, support)",
      request: { params: UserIdParam, query: UserOrdersQuery },
      responses: {
        200: { description: "A page of orders.", content: { "application/json": { schema: UserOrdersSchema } } },
        401: problemResponse("Not signed in."),
        403: problemResponse("Not allowed."),
        404: problemResponse("No such user."),
      },
    }),
    async (c) => c.json(await listUserOrdersForStaff(c.env, c.req.valid("param").id, c.req.valid("query")), 200),
  );

/** Staff read models that span domains, under /api/admin. */
/** The overview of every setting, under /api/admin/settings. */
export const adminSettingsOverviewRoutes = createApiApp().openapi(
  settingsRoute(
    "get",
    "",
    "Store name, base currency, exchange rates, zones, countries (taxes, duties, address rules) and rates",
    {},
    {
      200: jsonAnswer("Every setting, by area.", SettingsOverviewSchema),
    },
  ),
  async (c) => {
    requirePermission(c, "settings");
    return c.json(await settingsOverview(c.env), 200);
  },
);
