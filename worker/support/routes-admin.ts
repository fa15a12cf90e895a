import { createRoute, z } from "@hono/zod-openapi";
import { auditActor } from "../lib/audit";
import { requireAuth, requirePermission, writesNeed } from "../lib/auth";
import { AppError } from "../lib/errors";
import { createApiApp, problemResponse } from "../lib/openapi";
import { requireSameOrigin } from "./routes";
import {
  AdminTicketDetail,
  AdminTicketPage,
  AdminTicketQuery,
  CannedReply,
  CannedReplyBody,
  CannedReplyList,
  InboxSnapshotSchema,
  MergeTicketBody,
  StaffReplyBody,
  UpdateTicketBody,
} from "./schema";
import { inboxSnapshot, joinInbox } from "./service/chat";
import { createCannedReply, deleteCannedReply, listCannedReplies } from "./service/canned-replies";
import { adminTicketDetail, listTicketsForAdmin } from "./service/inbox";
import { mergeTicket, staffReply, updateTicket } from "./service/ticket-changes";

const params = z.object({
  id: z
    .string()
    .max(64)
    .openapi({ param: { name: "id", in: "path" } }),
});
const json = <T extends z.ZodTypeAny>(schema: T) => ({ body: { required: true, content: { "application/json": { schema } } } });
const guarded = {
  401: problemResponse("Not signed in."),
  403: problemResponse("Not staff, or without the support permission for writes."),
};

const app = createApiApp();
app.use("/support/*", writesNeed("support"));

/** The support inbox under /api/admin: staff read; writes need the `support` permission. */
export const adminSupportRoutes = app
  .openapi(
    createRoute({
      method: "get",
      path: "/support/tickets",
      tags: ["Admin: support"],
      summary: "The inbox: filter by status, priority, assignee, tag, SLA breach and text",
      request: { query: AdminTicketQuery },
      responses: {
        200: { description: "A page of tickets.", content: { "application/json": { schema: AdminTicketPage } } },
        400: problemResponse("Invalid filter."),
        ...guarded,
      },
    }),
    async (c) => c.json(await listTicketsForAdmin(c.env, requireAuth(c).principal.id, c.req.valid("query")), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/support/tickets/{id}",
      tags: ["Admin: support"],
      summary: "One ticket with every message (internal notes too) and its history",
      request: { params },
      responses: {
        200: { description: "The ticket.", content: { "application/json": { schema: AdminTicketDetail } } },
        404: problemResponse("No such ticket."),
        ...guarded,
      },
    }),
    async (c) => c.json(await adminTicketDetail(c.env, c.req.valid("param").id), 200),
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/support/tickets/{id}",
      tags: ["Admin: support"],
      summary: "Change status (along the transition table), priority, assignee or tags",
      request: { params, ...json(UpdateTicketBody) },
      responses: {
        200: { description: "The ticket now.", content: { "application/json": { schema: AdminTicketDetail } } },
        400: problemResponse("Invalid field."),
        404: problemResponse("No such ticket."),
        409: problemResponse("Transition not allowed, or the ticket changed meanwhile."),
        ...guarded,
      },
    }),
    async (c) => {
      requirePermission(c, "support");
      return c.json(await updateTicket(c.env, auditActor(c), c.req.valid("param").id, c.req.valid("json")), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/support/tickets/{id}/messages",
      tags: ["Admin: support"],
      summary: "Reply (emailed to the customer) or add an internal note",
      request: { params, ...json(StaffReplyBody) },
      responses: {
        201: { description: "Added; the ticket now.", content: { "application/json": { schema: AdminTicketDetail } } },
        400: problemResponse("Invalid field."),
        404: problemResponse("No such ticket."),
        409: problemResponse("The ticket was merged into another."),
        ...guarded,
      },
    }),
    async (c) => {
      const { principal } = requirePermission(c, "support");
      const result = await staffReply(
        c.env,
        { ...auditActor(c), name: principal.name },
        c.req.valid("param").id,
        c.req.valid("json"),
        new URL(c.req.url).origin,
      );
      return c.json(result, 201);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/support/tickets/{id}/merge",
      tags: ["Admin: support"],
      summary: "Merge this duplicate into another ticket of the same customer",
      request: { params, ...json(MergeTicketBody) },
      responses: {
        200: { description: "The ticket merged into.", content: { "application/json": { schema: AdminTicketDetail } } },
        400: problemResponse("Invalid field."),
        404: problemResponse("No such ticket."),
        409: problemResponse("Already merged, or another customer's ticket."),
        ...guarded,
      },
    }),
    async (c) => {
      requirePermission(c, "support");
      return c.json(await mergeTicket(c.env, auditActor(c), c.req.valid("param").id, c.req.valid("json")), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/support/canned-replies",
      tags: ["Admin: support"],
      summary: "Saved answers",
      responses: { 200: { description: "Every canned reply.", content: { "application/json": { schema: CannedReplyList } } }, ...guarded },
    }),
    async (c) => c.json({ items: await listCannedReplies(c.env) }, 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/support/canned-replies",
      tags: ["Admin: support"],
      summary: "Save a canned reply",
      request: json(CannedReplyBody),
      responses: {
        201: { description: "Saved.", content: { "application/json": { schema: CannedReply } } },
        400: problemResponse("Invalid field."),
        ...guarded,
      },
    }),
    async (c) => {
      requirePermission(c, "support");
      return c.json(await createCannedReply(c.env, auditActor(c), c.req.valid("json")), 201);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/support/canned-replies/{id}",
      tags: ["Admin: support"],
      summary: "Delete a canned reply",
      request: { params },
      responses: { 204: { description: "Deleted." }, 404: problemResponse("No such canned reply."), ...guarded },
    }),
    async (c) => {
      requirePermission(c, "support");
      await deleteCannedReply(c.env, auditActor(c), c.req.valid("param").id);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/support/inbox",
      tags: ["Admin: support"],
      summary: "The live chat queue and online agents; with Upgrade: websocket, the agent console's socket (online while open)",
      request: { query: z.object({ capacity: z.coerce.number().int().min(1).max(10).optional() }).strict() },
      responses: {
        101: { description: "Switching protocols: the agent is online." },
        200: { description: "The queue now.", content: { "application/json": { schema: InboxSnapshotSchema } } },
        ...guarded,
      },
    }),
    async (c) => {
      if (c.req.header("upgrade")?.toLowerCase() !== "websocket") return c.json(await inboxSnapshot(c.env), 200);
      requireSameOrigin(c);
      const { principal } = requirePermission(c, "support");
      const res = await joinInbox(c.env, principal, c.req.valid("query").capacity);
      if (res.status !== 101) throw new AppError("support.inbox_unavailable", 503, "The inbox could not take the connection.");
      return res;
    },
  );
