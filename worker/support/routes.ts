import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { requireAuth } from "../lib/auth";
import type { AppEnv } from "../lib/context";
import { createApiApp, PaginationQuery, problemResponse, SIGNED_IN } from "../lib/openapi";
import { CreateTicketBody, CreateTicketResult, ReplyBody, TicketPage, TicketView } from "./schema";
import { accessTicket, addCustomerMessage, createTicket, listTicketsForUser, ticketView } from "./service/tickets";

const params = z.object({
  id: z
    .string()
    .max(64)
    .openapi({ param: { name: "id", in: "path" } }),
});
const query = z.object({ token: z.string().max(100).optional().openapi({ description: "The token of a guest's emailed ticket link." }) }).strict();
const json = <T extends z.ZodTypeAny>(schema: T) => ({ body: { required: true, content: { "application/json": { schema } } } });

const callerTicket = (c: Context<AppEnv>, id: string, token: string | undefined) =>
  accessTicket(c.env, id, { principal: c.get("auth")?.principal ?? null, token });

/** The help desk for shoppers: open a ticket, list one's own, read and answer one (owner, or a guest's emailed link). */
export const supportRoutes = createApiApp()
  .openapi(
    createRoute({
      method: "post",
      path: "/support/tickets",
      tags: ["Support"],
      summary: "Open a ticket (signed in, or a guest giving an email: the ticket's link is emailed to prove the address)",
      request: json(CreateTicketBody),
      responses: {
        201: { description: "Opened.", content: { "application/json": { schema: CreateTicketResult } } },
        400: problemResponse("Invalid field (a guest must give an email)."),
        404: problemResponse("The linked order is not the caller's."),
      },
    }),
    async (c) => {
      const result = await createTicket(c.env, { principal: c.get("auth")?.principal ?? null }, c.req.valid("json"), new URL(c.req.url).origin);
      c.header("Cache-Control", "private, no-store");
      return c.json(result, 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/support/tickets",
      tags: ["Support"],
      security: SIGNED_IN,
      summary: "The caller's tickets, latest activity first",
      request: { query: z.object(PaginationQuery) },
      responses: {
        200: { description: "A page of tickets.", content: { "application/json": { schema: TicketPage } } },
        401: problemResponse("Not signed in."),
      },
    }),
    async (c) => {
      const { page, perPage } = c.req.valid("query");
      c.header("Cache-Control", "private, no-store");
      return c.json(await listTicketsForUser(c.env, requireAuth(c).principal.id, page, perPage), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/support/tickets/{id}",
      tags: ["Support"],
      summary: "One ticket with its conversation (owner, or a guest with the emailed token)",
      request: { params, query },
      responses: {
        200: { description: "The ticket.", content: { "application/json": { schema: TicketView } } },
        401: problemResponse("Not signed in and no token."),
        404: problemResponse("Not found, or not yours."),
      },
    }),
    async (c) => {
      const ticket = await callerTicket(c, c.req.valid("param").id, c.req.valid("query").token);
      c.header("Cache-Control", "private, no-store");
      return c.json(await ticketView(c.env, ticket), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/support/tickets/{id}/messages",
      tags: ["Support"],
      summary: "The ticket's conversation, oldest first",
      request: { params, query },
      responses: {
        200: { description: "The ticket and its messages.", content: { "application/json": { schema: TicketView } } },
        401: problemResponse("Not signed in and no token."),
        404: problemResponse("Not found, or not yours."),
      },
    }),
    async (c) => {
      const ticket = await callerTicket(c, c.req.valid("param").id, c.req.valid("query").token);
      c.header("Cache-Control", "private, no-store");
      return c.json(await ticketView(c.env, ticket), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/support/tickets/{id}/messages",
      tags: ["Support"],
      summary: "Answer on a ticket: a waiting ticket opens again, a resolved or closed one is reopened",
      request: { params, query, ...json(ReplyBody) },
      responses: {
        201: { description: "Added; the ticket as it is now.", content: { "application/json": { schema: TicketView } } },
        400: problemResponse("Invalid field."),
        401: problemResponse("Not signed in and no token."),
        404: problemResponse("Not found, or not yours."),
      },
    }),
    async (c) => {
      const ticket = await callerTicket(c, c.req.valid("param").id, c.req.valid("query").token);
      const { ticket: now } = await addCustomerMessage(c.env, ticket, { body: c.req.valid("json").body, source: "web" });
      c.header("Cache-Control", "private, no-store");
      return c.json(await ticketView(c.env, now), 201);
    },
  );
