import { createRoute, z } from "@hono/zod-openapi";
import { auditActor } from "../lib/audit";
import { requirePermission } from "../lib/auth";
import { createApiApp, IdParam, problemResponse, SIGNED_IN } from "../lib/openapi";
import { jsonAnswer, jsonBody, settingsRoute } from "../lib/settings-route";
import { AdminReview, AdminReviewPage, AdminReviewsQuery, RejectReviewBody, ReplyBody, ReviewSettings } from "./schema";
import { approveReview, deleteReply, dismissReports, listAdminReviews, rejectReview, replyToReview } from "./service/moderation";
import { reviewSettings, updateReviewSettings } from "./service/settings";

const TAGS = ["Admin: reviews"];
const guarded = {
  401: problemResponse("Not signed in."),
  403: problemResponse("Not staff, or without the catalog permission."),
  404: problemResponse("No such review."),
};

const write = (method: "post" | "put", path: string, summary: string) =>
  createRoute({
    method,
    path,
    tags: TAGS,
    security: SIGNED_IN,
    summary,
    request: { params: IdParam },
    responses: { 200: jsonAnswer("The review now.", AdminReview), ...guarded },
  });

const writeWith = <B extends z.ZodTypeAny>(method: "post" | "put", path: string, summary: string, body: B) =>
  createRoute({
    method,
    path,
    tags: TAGS,
    security: SIGNED_IN,
    summary,
    request: { params: IdParam, ...jsonBody(body) },
    responses: { 200: jsonAnswer("The review now.", AdminReview), 400: problemResponse("Invalid field (each named)."), ...guarded },
  });

const app = createApiApp();
// The permission is checked before the body is validated, so a caller without it learns nothing (403, not 400).
for (const path of ["/reviews", "/reviews/*"])
  app.use(path, async (c, next) => {
    requirePermission(c, "catalog");
    await next();
  });
app.use("/settings/reviews", async (c, next) => {
  requirePermission(c, "settings");
  await next();
});

/** Review moderation under /api/admin: the "catalog" permission (settings: "settings"); every change is audited. */
export const adminReviewRoutes = app
  .openapi(
    createRoute({
      method: "get",
      path: "/reviews",
      tags: TAGS,
      security: SIGNED_IN,
      summary: "A moderation queue: `pending` (held), `published`, `rejected` or `reported` (open shopper reports)",
      request: { query: AdminReviewsQuery },
      responses: { 200: jsonAnswer("A page of reviews.", AdminReviewPage), 400: problemResponse("Invalid query."), ...guarded },
    }),
    async (c) => {
      return c.json(await listAdminReviews(c.env, c.req.valid("query")), 200);
    },
  )
  .openapi(write("post", "/reviews/{id}/approve", "Publish a held or rejected review"), async (c) => {
    return c.json(await approveReview(c.env, auditActor(c), c.req.valid("param").id), 200);
  })
  .openapi(writeWith("post", "/reviews/{id}/reject", "Reject a review for a policy reason (never for its rating)", RejectReviewBody), async (c) => {
    return c.json(await rejectReview(c.env, auditActor(c), c.req.valid("param").id, c.req.valid("json")), 200);
  })
  .openapi(writeWith("put", "/reviews/{id}/reply", "Set the store's public reply under a review", ReplyBody), async (c) => {
    return c.json(await replyToReview(c.env, auditActor(c), c.req.valid("param").id, c.req.valid("json")), 200);
  })
  .openapi(
    createRoute({
      method: "delete",
      path: "/reviews/{id}/reply",
      tags: TAGS,
      security: SIGNED_IN,
      summary: "Remove the store's reply",
      request: { params: IdParam },
      responses: { 204: { description: "Removed." }, ...guarded },
    }),
    async (c) => {
      await deleteReply(c.env, auditActor(c), c.req.valid("param").id);
      return c.body(null, 204);
    },
  )
  .openapi(write("post", "/reviews/{id}/reports/dismiss", "Close a review's open reports and keep it up"), async (c) => {
    return c.json(await dismissReports(c.env, auditActor(c), c.req.valid("param").id), 200);
  })
  .openapi(
    settingsRoute("get", "/reviews", "Review settings: moderation mode and reminder delay", {}, { 200: jsonAnswer("The settings.", ReviewSettings) }),
    async (c) => {
      return c.json(await reviewSettings(c.env), 200);
    },
  )
  .openapi(
    settingsRoute("put", "/reviews", "Change the review settings", jsonBody(ReviewSettings), { 200: jsonAnswer("The settings now.", ReviewSettings) }),
    async (c) => {
      return c.json(await updateReviewSettings(c.env, auditActor(c), c.req.valid("json")), 200);
    },
  );
