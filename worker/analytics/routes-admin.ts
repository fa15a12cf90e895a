import { createRoute, z } from "@hono/zod-openapi";
import { auditActor } from "../lib/audit";
import { requirePermission } from "../lib/auth";
import { createApiApp, problemResponse, SIGNED_IN } from "../lib/openapi";
import { AnalyticsReport, AnalyticsSettingsBody, AnalyticsSettingsSchema, ExportParam, ReportQuery } from "./schema";
import { reportCsv } from "./service/exports";
import { loadAnalyticsReport } from "./service/reports";
import { analyticsSettings, updateAnalyticsSettings } from "./service/settings";

const TAGS = ["Admin: analytics"];
const denied = { 401: problemResponse("Not signed in."), 403: problemResponse("Not allowed.") };

/**
 * The analytics reports (admins read them; exporting needs the "reports" permission) and the analytics
 * settings ("settings" permission). Mounted on the admin API, which applies the staff guard and no-store.
 */
const app = createApiApp();
// Who may export is settled before the path and query are validated: a refused caller learns nothing more.
app.use("/analytics/export/*", async (c, next) => {
  requirePermission(c, "reports");
  await next();
});

export const adminAnalyticsRoutes = app
  .openapi(
    createRoute({
      method: "get",
      path: "/analytics/report",
      tags: TAGS,
      security: SIGNED_IN,
      summary: "Sales, funnel, products, searches and traffic for a range of store-local days, with the period before (admin)",
      request: { query: ReportQuery },
      responses: {
        200: { description: "The report.", content: { "application/json": { schema: AnalyticsReport } } },
        400: problemResponse("Invalid range."),
        ...denied,
      },
    }),
    async (c) => {
      requirePermission(c, "reports");
      return c.json(await loadAnalyticsReport(c.env, c.req.valid("query")), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/analytics/export/{report}",
      tags: TAGS,
      security: SIGNED_IN,
      summary: "One report as CSV, current and comparison period (reports permission)",
      description:
        "Reports: sales, daily, funnel, products, vendors, searches, no-result-searches, devices, countries. Money as decimals with a currency column.",
      request: { params: ExportParam, query: ReportQuery },
      responses: {
        200: { description: "The CSV file.", content: { "text/csv": { schema: z.string() } } },
        400: problemResponse("Invalid range or report."),
        ...denied,
      },
    }),
    async (c) => {
      requirePermission(c, "reports");
      const { report } = c.req.valid("param");
      const data = await loadAnalyticsReport(c.env, c.req.valid("query"));
      return c.body(reportCsv(data, report), 200, {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": `attachment; filename="analytics-${report}-${data.current.from}-to-${data.current.to}.csv"`,
      });
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/analytics/settings",
      tags: TAGS,
      security: SIGNED_IN,
      summary: "The reports' time zone and the cookie-consent switch (admin)",
      responses: { 200: { description: "The settings.", content: { "application/json": { schema: AnalyticsSettingsSchema } } }, ...denied },
    }),
    async (c) => {
      requirePermission(c, "reports");
      return c.json(await analyticsSettings(c.env), 200);
    },
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/analytics/settings",
      tags: TAGS,
      security: SIGNED_IN,
      summary: "Change the reports' time zone or the cookie-consent switch (settings permission; audited)",
      request: { body: { required: true, content: { "application/json": { schema: AnalyticsSettingsBody } } } },
      responses: {
        200: { description: "The settings now.", content: { "application/json": { schema: AnalyticsSettingsSchema } } },
        400: problemResponse("Invalid settings."),
        ...denied,
      },
    }),
    async (c) => {
      requirePermission(c, "settings");
      return c.json(await updateAnalyticsSettings(c.env, auditActor(c), c.req.valid("json")), 200);
    },
  );
