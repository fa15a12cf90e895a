import { createRoute, type RouteConfig, z } from "@hono/zod-openapi";
import { requireRole } from "../lib/auth";
import { createApiApp, problemResponse, SIGNED_IN } from "../lib/openapi";
import { auditActor } from "../lib/audit";
import * as settings from "./settings";
import {
  CountryBody,
  CountryPatch,
  ExchangeRateBody,
  ImageOriginsBody,
  NotificationSettingsBody,
  RateBody,
  RatePatch,
  StoreSettingsBody,
  ZoneBody,
  ZonePatch,
} from "./settings-schema";

const TAGS = ["Admin: settings"];
const any = (description: string) => ({ description, content: { "application/json": { schema: z.record(z.string(), z.unknown()) } } });
const guarded = {
  400: problemResponse("Invalid field (each named)."),
  401: problemResponse("Not signed in."),
  403: problemResponse("Not an admin."),
  404: problemResponse("No such entry."),
  409: problemResponse("Duplicate, in use, or the base currency."),
};
const pathString = (name: string) =>
  z
    .string()
    .max(40)
    .openapi({ param: { name, in: "path" } });
const CodeParam = z.object({ code: pathString("code") });
const IdParam = z.object({ id: pathString("id") });
const body = <T extends z.ZodTypeAny>(schema: T) => ({ body: { required: true, content: { "application/json": { schema } } } });
const ok = { 200: any("Done.") } as const;
const created = { 201: any("Created.") } as const;
const gone = { 204: { description: "Deleted." } } as const;
function route<
  const M extends "get" | "post" | "put" | "patch" | "delete",
  const P extends string,
  const Q extends RouteConfig["request"],
  const R extends object,
>(method: M, path: P, summary: string, request: Q, responses: R) {
  return createRoute({
    method,
    path: `/admin/settings${path}` as `/admin/settings${P}`,
    tags: TAGS,
    security: SIGNED_IN,
    summary,
    request,
    responses: { ...responses, ...guarded },
  });
}
const upper = (s: string) => s.toUpperCase();

/** Settings are admin-only (support staff included: they see orders, customers and emails only). Every write is audited. */
export const adminSettingsRoutes = createApiApp()
  .openapi(route("get", "", "Store name, base currency, exchange rates, zones, countries (taxes, duties, address rules) and rates", {}, ok), async (c) => {
    requireRole(c, "admin");
    c.header("Cache-Control", "private, no-store");
    return c.json(await settings.settingsOverview(c.env), 200);
  })
  .openapi(route("patch", "/store", "Rename the store (the base currency is read-only)", body(StoreSettingsBody), ok), async (c) => {
    requireRole(c, "admin");
    return c.json(await settings.updateStoreSettings(c.env, auditActor(c), c.req.valid("json")), 200);
  })
  .openapi(
    route(
      "put",
      "/image-origins",
      "Replace the origins product pictures may come from (bare https origins; the page CSP img-src lists exactly these)",
      body(ImageOriginsBody),
      ok,
    ),
    async (c) => {
      requireRole(c, "admin");
      return c.json(await settings.updateImageOrigins(c.env, auditActor(c), c.req.valid("json")), 200);
    },
  )
  .openapi(
    route("patch", "/notifications", "Staff new-order email: on or off, and to every admin or one address", body(NotificationSettingsBody), ok),
    async (c) => {
      requireRole(c, "admin");
      return c.json(await settings.updateNotificationSettings(c.env, auditActor(c), c.req.valid("json")), 200);
    },
  )
  .openapi(
    route("put", "/exchange-rates/{code}", "Add or change a display currency's rate", { params: CodeParam, ...body(ExchangeRateBody) }, ok),
    async (c) => {
      requireRole(c, "admin");
      const { code } = c.req.valid("param");
      return c.json(await settings.putExchangeRate(c.env, auditActor(c), upper(code), c.req.valid("json")), 200);
    },
  )
  .openapi(route("delete", "/exchange-rates/{code}", "Remove a display currency", { params: CodeParam }, gone), async (c) => {
    requireRole(c, "admin");
    await settings.deleteExchangeRate(c.env, auditActor(c), upper(c.req.valid("param").code));
    return c.body(null, 204);
  })
  .openapi(route("post", "/zones", "Create a shipping zone", body(ZoneBody), created), async (c) => {
    requireRole(c, "admin");
    return c.json(await settings.createZone(c.env, auditActor(c), c.req.valid("json")), 201);
  })
  .openapi(route("patch", "/zones/{id}", "Rename or reorder a zone", { params: IdParam, ...body(ZonePatch) }, ok), async (c) => {
    requireRole(c, "admin");
    return c.json(await settings.updateZone(c.env, auditActor(c), c.req.valid("param").id, c.req.valid("json")), 200);
  })
  .openapi(route("delete", "/zones/{id}", "Delete an empty zone and its rates", { params: IdParam }, gone), async (c) => {
    requireRole(c, "admin");
    await settings.deleteZone(c.env, auditActor(c), c.req.valid("param").id);
    return c.body(null, 204);
  })
  .openapi(route("post", "/countries", "Add a country", body(CountryBody), created), async (c) => {
    requireRole(c, "admin");
    return c.json(await settings.createCountry(c.env, auditActor(c), c.req.valid("json")), 201);
  })
  .openapi(
    route(
      "patch",
      "/countries/{code}",
      "Change a country's zone, shipping, address rules, tax rate or duties",
      { params: CodeParam, ...body(CountryPatch) },
      ok,
    ),
    async (c) => {
      requireRole(c, "admin");
      return c.json(await settings.updateCountry(c.env, auditActor(c), upper(c.req.valid("param").code), c.req.valid("json")), 200);
    },
  )
  .openapi(route("post", "/rates", "Add a shipping rate to a zone", body(RateBody), created), async (c) => {
    requireRole(c, "admin");
    return c.json(await settings.createRate(c.env, auditActor(c), c.req.valid("json")), 201);
  })
  .openapi(route("patch", "/rates/{id}", "Change a shipping rate", { params: IdParam, ...body(RatePatch) }, ok), async (c) => {
    requireRole(c, "admin");
    return c.json(await settings.updateRate(c.env, auditActor(c), c.req.valid("param").id, c.req.valid("json")), 200);
  })
  .openapi(route("delete", "/rates/{id}", "Delete a shipping rate", { params: IdParam }, gone), async (c) => {
    requireRole(c, "admin");
    await settings.deleteRate(c.env, auditActor(c), c.req.valid("param").id);
    return c.body(null, 204);
  });
