import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { requireAuth } from "../lib/auth";
import type { AppEnv } from "../lib/context";
import { clientIp } from "../lib/client-ip";
import { AppError } from "../lib/errors";
import { createApiApp, PaginationQuery, problemResponse, SIGNED_IN } from "../lib/openapi";
import { CreateTicketBody, CreateTicketResult, ReplyBody, StartChatBody, StartChatResult, TicketPage, TicketView } from "./schema";
import { chatIdentity, endChat, joinChat, startChat } from "./service/chat";
import { accessTicket, addCustomerMessage, createTicket, listTicketsForUser, ticketView } from "./service/tickets";

const params = z.object({
  id: z
    .string()
    .max(64)
    .openapi({ param: { name: "id", in: "path" } }),
});
const query = z.object({ token: z.string().max(100).optional().openapi({ description: "The token of a guest's emailed ticket link." }) }).strict();
const json = <T extends z.ZodTypeAny>(schema: T) => ({ body: { required: true, content: { "application/json": { schema } } } });

/**
 * Browsers send Origin on every WebSocket handshake and cookies go along cross-site: a socket opened from another
 * site's page would act as the signed-in shopper, so the Origin must be the store's own.
 */
export function requireSameOrigin(c: Context<AppEnv>) {
  const origin = c.req.header("origin");
  const allowed = [new URL(c.req.url).origin, c.env.PUBLIC_ORIGIN?.replace(/\/+$/, "")].filter(Boolean);
  if (!origin || !allowed.includes(origin)) throw new AppError("support.bad_origin", 403, "Open the chat from the store's own pages.");
}

const chatQuery = z
  .object({
    token: z.string().max(100).optional().openapi({ description: "A guest's chat token (from POST /api/support/chats)." }),
    after: z.coerce.number().int().min(0).optional().openapi({ description: "Resume: the last sequence number the client saw." }),
    as: z.enum(["agent"]).optional().openapi({ description: "Join as the support agent (staff with the support permission)." }),
  })
  .strict();

const callerTicket = (c: Context<AppEnv>, id: string, token: string | undefined) =>
  accessTicket(c.env, id, { principal: c.get("auth")?.principal ?? null, token });

/** A ticket and its conversation for its owner or guest-link holder; personal, so never stored by a cache. */
async function readTicket(c: Context<AppEnv>, id: string, token: string | undefined) {
  const ticket = await callerTicket(c, id, token);
  c.header("Cache-Control", "private, no-store");
  return ticketView(c.env, ticket);
}

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
        429: problemResponse("support.rate_limited: too many tickets from this account, email or network address; see Retry-After."),
      },
    }),
    async (c) => {
      const caller = { principal: c.get("auth")?.principal ?? null, ip: clientIp(c.req.raw.headers) };
      const result = await createTicket(c.env, caller, c.req.valid("json"), new URL(c.req.url).origin);
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
    async (c) => c.json(await readTicket(c, c.req.valid("param").id, c.req.valid("query").token), 200),
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
    async (c) => c.json(await readTicket(c, c.req.valid("param").id, c.req.valid("query").token), 200),
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
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/support/chats",
      tags: ["Support"],
      summary: "Start a live chat (signed in, or a guest giving an email): queued for the least-loaded online agent",
      request: json(StartChatBody),
      responses: {
        201: { description: "Started; connect to socketPath.", content: { "application/json": { schema: StartChatResult } } },
        400: problemResponse("Invalid field (a guest must give an email)."),
        429: problemResponse("support.rate_limited: too many chats from this account, email or network address; see Retry-After."),
      },
    }),
    async (c) => {
      c.header("Cache-Control", "private, no-store");
      return c.json(await startChat(c.env, c.get("auth")?.principal ?? null, c.req.valid("json"), clientIp(c.req.raw.headers)), 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/chat/conversations/{id}",
      tags: ["Support"],
      summary: "The chat's WebSocket (send Upgrade: websocket): the shopper (session or guest token) or the assigned agent (?as=agent)",
      description: "Frames are JSON; see docs/support.md for the protocol (sequence numbers, resume with ?after=, typing, read receipts, presence).",
      request: { params, query: chatQuery },
      responses: {
        101: { description: "Switching protocols." },
        401: problemResponse("No session and no token."),
        403: problemResponse("Another site's page, not staff, or not this chat's shopper or agent."),
        404: problemResponse("No such chat, or not yours."),
        426: problemResponse("Not a WebSocket upgrade."),
      },
    }),
    async (c) => {
      if (c.req.header("upgrade")?.toLowerCase() !== "websocket") throw new AppError("support.upgrade_required", 426, "Connect with a WebSocket.");
      requireSameOrigin(c);
      const { token, as } = c.req.valid("query");
      const id = c.req.valid("param").id;
      const who = await chatIdentity(c.env, id, { principal: c.get("auth")?.principal ?? null, token, asAgent: as === "agent" });
      const res = await joinChat(c.env, id, who, c.req.raw);
      if (res.status === 403) throw new AppError("support.chat_refused", 403, "You cannot join this chat.");
      return res;
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/support/chats/{id}/end",
      tags: ["Support"],
      summary: "End a chat (its shopper, or staff): the transcript is saved to its ticket",
      request: { params, query: chatQuery.omit({ after: true }) },
      responses: {
        200: {
          description: "Ended; the ticket holding the transcript.",
          content: { "application/json": { schema: z.object({ ticketId: z.string().nullable(), reference: z.string().nullable() }).openapi("EndChatResult") } },
        },
        401: problemResponse("No session and no token."),
        403: problemResponse("Not staff."),
        404: problemResponse("No such chat, or not yours."),
      },
    }),
    async (c) => {
      const { token, as } = c.req.valid("query");
      const id = c.req.valid("param").id;
      const who = await chatIdentity(c.env, id, { principal: c.get("auth")?.principal ?? null, token, asAgent: as === "agent" });
      return c.json(await endChat(c.env, id, who), 200);
    },
  );
