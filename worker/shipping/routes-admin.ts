import { auditActor } from "../lib/audit";
import { requirePermission } from "../lib/auth";
import { createApiApp } from "../lib/openapi";
import { deleted, IdParam, jsonAnswer, jsonBody, settingsRoute } from "../lib/settings-route";
import { RateBody, RatePatch, ShippingRateSchema, ZoneBody, ZonePatch, ZoneSchema } from "./schema";
import { createRate, createZone, deleteRate, deleteZone, updateRate, updateZone } from "./service/settings";

/** Shipping zones and rates, under /api/admin. Admins only; every write is audited. */
export const adminShippingRoutes = createApiApp()
  .openapi(settingsRoute("post", "/zones", "Create a shipping zone", jsonBody(ZoneBody), { 201: jsonAnswer("The new zone.", ZoneSchema) }), async (c) => {
    requirePermission(c, "settings");
    return c.json(await createZone(c.env, auditActor(c), c.req.valid("json")), 201);
  })
  .openapi(
    settingsRoute(
      "patch",
      "/zones/{id}",
      "Rename or reorder a zone",
      { params: IdParam, ...jsonBody(ZonePatch) },
      { 200: jsonAnswer("The zone now.", ZoneSchema) },
    ),
    async (c) => {
      requirePermission(c, "settings");
      return c.json(await updateZone(c.env, auditActor(c), c.req.valid("param").id, c.req.valid("json")), 200);
    },
  )
  .openapi(settingsRoute("delete", "/zones/{id}", "Delete an empty zone and its rates", { params: IdParam }, deleted), async (c) => {
    requirePermission(c, "settings");
    await deleteZone(c.env, auditActor(c), c.req.valid("param").id);
    return c.body(null, 204);
  })
  .openapi(
    settingsRoute("post", "/rates", "Add a shipping rate to a zone", jsonBody(RateBody), { 201: jsonAnswer("The new rate.", ShippingRateSchema) }),
    async (c) => {
      requirePermission(c, "settings");
      return c.json(await createRate(c.env, auditActor(c), c.req.valid("json")), 201);
    },
  )
  .openapi(
    settingsRoute(
      "patch",
      "/rates/{id}",
      "Change a shipping rate",
      { params: IdParam, ...jsonBody(RatePatch) },
      { 200: jsonAnswer("The rate now.", ShippingRateSchema) },
    ),
    async (c) => {
      requirePermission(c, "settings");
      return c.json(await updateRate(c.env, auditActor(c), c.req.valid("param").id, c.req.valid("json")), 200);
    },
  )
  .openapi(settingsRoute("delete", "/rates/{id}", "Delete a shipping rate", { params: IdParam }, deleted), async (c) => {
    requirePermission(c, "settings");
    await deleteRate(c.env, auditActor(c), c.req.valid("param").id);
    return c.body(null, 204);
  });
