import { requireRole } from "../lib/auth";
import { createApiApp } from "../lib/openapi";
import { jsonAnswer, settingsRoute } from "../lib/settings-route";
import { settingsOverview } from "./settings";
import { SettingsOverviewSchema } from "./settings-schema";

/** Staff read models that span domains, under /api/admin. */
export const adminBackofficeRoutes = createApiApp().openapi(
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
    // Settings are for admins: support staff see orders, customers and emails only.
    requireRole(c, "admin");
    return c.json(await settingsOverview(c.env), 200);
  },
);
