import { createRoute } from "@hono/zod-openapi";
import { auditActor } from "../lib/audit";
import { requirePermission, writesNeed } from "../lib/auth";
import { createApiApp, problemResponse, SIGNED_IN } from "../lib/openapi";
import { PromotionBody, PromotionIdParam, PromotionList, PromotionPatch, PromotionSchema } from "./schema";
import { createPromotion, duplicatePromotion, getPromotion, listPromotions, updatePromotion } from "./service/admin";

const TAGS = ["Admin: promotions"];
const answer = (description: string) => ({ description, content: { "application/json": { schema: PromotionSchema } } });
const guarded = { 401: problemResponse("Not signed in."), 403: problemResponse("No staff access, or no promotions permission for writes.") };

const app = createApiApp();
for (const path of ["/promotions", "/promotions/*"]) app.use(path, writesNeed("promotions"));

/** Promotions under /api/admin: staff read them; writes need the "promotions" permission and are audited. */
export const adminPromotionRoutes = app
  .openapi(
    createRoute({
      method: "get",
      path: "/promotions",
      tags: TAGS,
      security: SIGNED_IN,
      summary: "Every promotion with its usage and revenue",
      responses: { 200: { description: "The promotions, newest first.", content: { "application/json": { schema: PromotionList } } }, ...guarded },
    }),
    async (c) => c.json(await listPromotions(c.env), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/promotions",
      tags: TAGS,
      security: SIGNED_IN,
      summary: "Create a promotion (a code, or automatic without one)",
      request: { body: { required: true, content: { "application/json": { schema: PromotionBody } } } },
      responses: { 201: answer("The new promotion."), 400: problemResponse("Invalid field (each named)."), 409: problemResponse("Code taken."), ...guarded },
    }),
    async (c) => {
      requirePermission(c, "promotions");
      return c.json(await createPromotion(c.env, auditActor(c), c.req.valid("json")), 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/promotions/{id}",
      tags: TAGS,
      security: SIGNED_IN,
      summary: "One promotion with its usage and revenue",
      request: { params: PromotionIdParam },
      responses: { 200: answer("The promotion."), 404: problemResponse("No such promotion."), ...guarded },
    }),
    async (c) => c.json(await getPromotion(c.env, c.req.valid("param").id), 200),
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/promotions/{id}",
      tags: TAGS,
      security: SIGNED_IN,
      summary: "Edit, pause or resume, or reschedule a promotion",
      request: { params: PromotionIdParam, body: { required: true, content: { "application/json": { schema: PromotionPatch } } } },
      responses: {
        200: answer("The promotion now."),
        400: problemResponse("Invalid field (each named)."),
        404: problemResponse("No such promotion."),
        409: problemResponse("Code taken."),
        ...guarded,
      },
    }),
    async (c) => {
      requirePermission(c, "promotions");
      return c.json(await updatePromotion(c.env, auditActor(c), c.req.valid("param").id, c.req.valid("json")), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/promotions/{id}/duplicate",
      tags: TAGS,
      security: SIGNED_IN,
      summary: "Copy a promotion as a new, paused one",
      request: { params: PromotionIdParam },
      responses: { 201: answer("The copy."), 404: problemResponse("No such promotion."), ...guarded },
    }),
    async (c) => {
      requirePermission(c, "promotions");
      return c.json(await duplicatePromotion(c.env, auditActor(c), c.req.valid("param").id), 201);
    },
  );
