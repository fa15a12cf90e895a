import { auditActor } from "../lib/audit";
import { requirePermission } from "../lib/auth";
import { createApiApp } from "../lib/openapi";
import { CodeParam, deleted, jsonAnswer, jsonBody, settingsRoute } from "../lib/settings-route";
import { ExchangeRateBody, ExchangeRateSchema } from "./schema";
import { deleteExchangeRate, putExchangeRate } from "./service";

/** Display currencies' exchange rates, under /api/admin. Admins only; every write is audited. */
export const adminCurrencyRoutes = createApiApp()
  .openapi(
    settingsRoute(
      "put",
      "/exchange-rates/{code}",
      "Add or change a display currency's rate",
      { params: CodeParam, ...jsonBody(ExchangeRateBody) },
      { 200: jsonAnswer("The rate now.", ExchangeRateSchema) },
    ),
    async (c) => {
      requirePermission(c, "settings");
      return c.json(await putExchangeRate(c.env, auditActor(c), c.req.valid("param").code.toUpperCase(), c.req.valid("json")), 200);
    },
  )
  .openapi(settingsRoute("delete", "/exchange-rates/{code}", "Remove a display currency", { params: CodeParam }, deleted), async (c) => {
    requirePermission(c, "settings");
    await deleteExchangeRate(c.env, auditActor(c), c.req.valid("param").code.toUpperCase());
    return c.body(null, 204);
  });
