import { auditActor } from "../lib/audit";
import { requirePermission } from "../lib/auth";
import { createApiApp } from "../lib/openapi";
import { jsonAnswer, jsonBody, settingsRoute } from "../lib/settings-route";
import {
  ImageOriginsBody,
  ImageOriginsSchema,
  NotificationSettingsBody,
  SecuritySettingsBody,
  SecuritySettingsSchema,
  StoreNotificationSettingsSchema,
  StoreSettingsBody,
  StoreSettingsSchema,
  StorefrontSettingsBody,
  StorefrontSettingsSchema,
} from "./schema";
import {
  storefrontSettings,
  updateImageOrigins,
  updateNotificationSettings,
  updateSecuritySettings,
  updateStoreSettings,
  updateStorefrontSettings,
} from "./service";

/** Store-wide settings, under /api/admin. Admins only (support staff may not change them); every write is audited. */
export const adminStoreRoutes = createApiApp()
  .openapi(
    settingsRoute("patch", "/store", "Rename the store (the base currency is read-only)", jsonBody(StoreSettingsBody), {
      200: jsonAnswer("The store's name and base currency.", StoreSettingsSchema),
    }),
    async (c) => {
      requirePermission(c, "settings");
      return c.json(await updateStoreSettings(c.env, auditActor(c), c.req.valid("json")), 200);
    },
  )
  .openapi(
    settingsRoute(
      "put",
      "/image-origins",
      "Replace the origins product pictures may come from (bare https origins; the page CSP img-src lists exactly these)",
      jsonBody(ImageOriginsBody),
      { 200: jsonAnswer("The allowed origins now.", ImageOriginsSchema) },
    ),
    async (c) => {
      requirePermission(c, "settings");
      return c.json(await updateImageOrigins(c.env, auditActor(c), c.req.valid("json")), 200);
    },
  )
  .openapi(
    settingsRoute("patch", "/notifications", "Staff new-order email: on or off, and to every admin or one address", jsonBody(NotificationSettingsBody), {
      200: jsonAnswer("The store settings with the email switches.", StoreNotificationSettingsSchema),
    }),
    async (c) => {
      requirePermission(c, "settings");
      return c.json(await updateNotificationSettings(c.env, auditActor(c), c.req.valid("json")), 200);
    },
  )
  .openapi(
    settingsRoute(
      "patch",
      "/security",
      "Staff security: second factor required for staff, how fresh it must be, and the refund amount that asks for it again",
      jsonBody(SecuritySettingsBody),
      { 200: jsonAnswer("The security settings now.", SecuritySettingsSchema) },
    ),
    async (c) => {
      requirePermission(c, "settings");
      return c.json(await updateSecuritySettings(c.env, auditActor(c), c.req.valid("json")), 200);
    },
  )
  .openapi(
    settingsRoute(
      "get",
      "/storefront",
      "The storefront's main country and the installable app's name, colours and linked native apps",
      {},
      {
        200: jsonAnswer("The storefront settings now.", StorefrontSettingsSchema),
      },
    ),
    async (c) => {
      requirePermission(c, "settings");
      return c.json(await storefrontSettings(c.env), 200);
    },
  )
  .openapi(
    settingsRoute(
      "patch",
      "/storefront",
      "Change the main country, the app's name and colours, or the native apps allowed to open the store's links",
      jsonBody(StorefrontSettingsBody),
      { 200: jsonAnswer("The storefront settings now.", StorefrontSettingsSchema) },
    ),
    async (c) => {
      requirePermission(c, "settings");
      return c.json(await updateStorefrontSettings(c.env, auditActor(c), c.req.valid("json")), 200);
    },
  );
