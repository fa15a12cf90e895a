import { createRoute, z } from "@hono/zod-openapi";
import { auditActor } from "../lib/audit";
import { requirePermission } from "../lib/auth";
import { createApiApp, problemResponse, SIGNED_IN } from "../lib/openapi";
import { LoyaltyAdjustBody, LoyaltyAdjustResult, LoyaltySettingsBody, LoyaltySettingsSchema, LoyaltySummary } from "./schema";
import { adjustPoints } from "./service/admin";
import { loyaltySummary } from "./service/ledger";
import { loyaltySettings, updateLoyaltySettings } from "./service/settings";

const TAGS = ["Admin: loyalty"];
const guarded = { 401: problemResponse("Not signed in."), 403: problemResponse("No staff access, or no promotions permission for writes.") };
const settingsAnswer = (description: string) => ({ description, content: { "application/json": { schema: LoyaltySettingsSchema } } });
const UserIdParam = z.object({
  userId: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "userId", in: "path" } }),
});

/** The loyalty program under /api/admin: staff read it; changes need the "promotions" permission and are audited. */
export const adminLoyaltyRoutes = createApiApp()
  .openapi(
    createRoute({
      method: "get",
      path: "/loyalty/settings",
      tags: TAGS,
      security: SIGNED_IN,
      summary: "The loyalty program's rules",
      responses: { 200: settingsAnswer("The rules in force."), ...guarded },
    }),
    async (c) => c.json(await loyaltySettings(c.env), 200),
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/loyalty/settings",
      tags: TAGS,
      security: SIGNED_IN,
      summary: "Change the loyalty program's rules (earning, redeeming, bonuses, expiry, tiers)",
      request: { body: { required: true, content: { "application/json": { schema: LoyaltySettingsBody } } } },
      responses: { 200: settingsAnswer("The rules now."), 400: problemResponse("Invalid field (each named)."), ...guarded },
    }),
    async (c) => {
      requirePermission(c, "promotions");
      return c.json(await updateLoyaltySettings(c.env, auditActor(c), c.req.valid("json")), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/loyalty/members/{userId}",
      tags: TAGS,
      security: SIGNED_IN,
      summary: "A member's balance, tier and statement",
      request: { params: UserIdParam },
      responses: { 200: { description: "The member's points.", content: { "application/json": { schema: LoyaltySummary } } }, ...guarded },
    }),
    async (c) => c.json(await loyaltySummary(c.env, c.req.valid("param").userId), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/loyalty/adjustments",
      tags: TAGS,
      security: SIGNED_IN,
      summary: "Add or take off a member's points with a reason (audited)",
      request: { body: { required: true, content: { "application/json": { schema: LoyaltyAdjustBody } } } },
      responses: {
        201: { description: "The adjustment and the balance after it.", content: { "application/json": { schema: LoyaltyAdjustResult } } },
        400: problemResponse("Invalid field (each named)."),
        404: problemResponse("No such user."),
        409: problemResponse("Taking off more points than are available."),
        ...guarded,
      },
    }),
    async (c) => {
      requirePermission(c, "promotions");
      return c.json(await adjustPoints(c.env, auditActor(c), c.req.valid("json")), 201);
    },
  );
