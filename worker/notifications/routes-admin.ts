import { createRoute } from "@hono/zod-openapi";
import { auditActor } from "../lib/audit";
import { requirePermission } from "../lib/auth";
import { createApiApp, problemResponse, SIGNED_IN } from "../lib/openapi";
import { EmailDetail, EmailIdParam, EmailPage, ListEmailsQuery, RetryEmailResult } from "./schema";
import { getEmail, listEmails, retryEmail } from "./service/outbox";

const TAGS = ["Admin: emails"];
const denied = { 401: problemResponse("Not signed in."), 403: problemResponse('Not staff (reading) or no "settings" permission (retrying).') };

/** The email outbox for staff, mounted on the admin API: admins and support read it, only admins retry. */
export const adminEmailRoutes = createApiApp()
  .openapi(
    createRoute({
      method: "get",
      path: "/emails",
      tags: TAGS,
      security: SIGNED_IN,
      summary: "The email outbox, newest first, filtered by status, template and recipient (admin, support)",
      request: { query: ListEmailsQuery },
      responses: {
        200: { description: "One page of emails.", content: { "application/json": { schema: EmailPage } } },
        400: problemResponse("Unknown filter or bad paging."),
        ...denied,
      },
    }),
    async (c) => c.json(await listEmails(c.env, c.req.valid("query")), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/emails/{id}",
      tags: TAGS,
      security: SIGNED_IN,
      summary: "One email with its rendered HTML and text; one-time tokens in links are hidden (admin, support)",
      request: { params: EmailIdParam },
      responses: {
        200: { description: "The email.", content: { "application/json": { schema: EmailDetail } } },
        ...denied,
        404: problemResponse("No such email."),
      },
    }),
    async (c) => c.json(await getEmail(c.env, c.req.valid("param").id), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/emails/{id}/retry",
      tags: TAGS,
      security: SIGNED_IN,
      summary: 'Re-queue a failed or dead email\'s stored message; it is delivered once ("settings" permission, audited)',
      request: { params: EmailIdParam },
      responses: {
        202: { description: "Queued again.", content: { "application/json": { schema: RetryEmailResult } } },
        ...denied,
        404: problemResponse("No such email."),
        409: problemResponse("Already sent, being sent right now, or stored without its message."),
      },
    }),
    async (c) => {
      requirePermission(c, "settings");
      return c.json(await retryEmail(c.env, auditActor(c), c.req.valid("param").id), 202);
    },
  );
