import { auditActor } from "../lib/audit";
import { requirePermission } from "../lib/auth";
import { createApiApp } from "../lib/openapi";
import { CodeParam, jsonAnswer, jsonBody, settingsRoute } from "../lib/settings-route";
import { CountryBody, CountryPatch, CountrySettingsSchema } from "./schema";
import { createCountry, updateCountry } from "./service";

const country = (description: string) => jsonAnswer(description, CountrySettingsSchema);

/** Countries (address rules, tax, duties, zone membership), under /api/admin. Admins only; every write is audited. */
export const adminRegionRoutes = createApiApp()
  .openapi(settingsRoute("post", "/countries", "Add a country", jsonBody(CountryBody), { 201: country("The new country.") }), async (c) => {
    requirePermission(c, "settings");
    return c.json(await createCountry(c.env, auditActor(c), c.req.valid("json")), 201);
  })
  .openapi(
    settingsRoute(
      "patch",
      "/countries/{code}",
      "Change a country's zone, shipping, address rules, tax rate or duties",
      { params: CodeParam, ...jsonBody(CountryPatch) },
      { 200: country("The country now.") },
    ),
    async (c) => {
      requirePermission(c, "settings");
      return c.json(await updateCountry(c.env, auditActor(c), c.req.valid("param").code.toUpperCase(), c.req.valid("json")), 200);
    },
  );
