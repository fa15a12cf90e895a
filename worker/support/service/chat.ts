import { and, eq } from "drizzle-orm";
import { getDb } from "../../db/client";
import { hasPermission, type Principal } from "../../lib/context";
import { runBatch } from "../../lib/d1-batch";
import { AppError } from "../../lib/errors";
import { newId } from "../../lib/ids";
import { chatToken, referenceOf, verifyChatToken } from "../access";
import type { StartChatBody } from "../schema";
import { supportChats, supportTickets } from "../tables";
import { getTicket, insertTicket } from "./tickets";
import { countSupportStart } from "../limits";

type ChatRow = typeof supportChats.$inferSelect;

const INBOX = "main";
const notFound = () => new AppError("support.chat_not_found", 404, "No such chat.");

export interface StartedChat {
  id: string;
  token: string | null;
  socketPath: string;
}

/**
 * Starts a live chat for the caller (their account, or a guest's email): the row, the room (owned by this
 * shopper), and a place in the inbox's line. With no agent online the shopper is told at once that the chat
 * will become a ticket answered by email. Guests get the token their socket URL carries. Rate-limited per sender
 * and per network address (429 with Retry-After).
 */
export async function startChat(env: Env, principal: Principal | null, body: StartChatBody, ip: string | null = null): Promise<StartedChat> {
  if (!principal && !body.email)
    throw new AppError("request.invalid", 400, "The request has invalid fields.", [{ path: "email", message: "Give the email address we should answer" }]);
  const id = newId("chat");
  const customer = principal
    ? { userId: principal.id, email: principal.email, name: body.name ?? principal.name }
    : { userId: null, email: (body.email as string).toLowerCase(), name: body.name ?? (body.email as string).split("@")[0] ?? "Guest" };
  await countSupportStart(env, "chat", customer, ip);
  await getDb(env.DB).insert(supportChats).values({ id, customerUserId: customer.userId, customerEmail: customer.email, customerName: customer.name });
  const room = env.CHAT_ROOM.getByName(id);
  await room.init(id, principal ? `user:${principal.id}` : `guest:${id}`);
  const placed = await env.SUPPORT_INBOX.getByName(INBOX).enqueue(id, customer.name);
  if (!placed.agentsOnline) {
    await room.system("No one is online right now. Leave your message: it becomes a ticket and we answer by email.");
  } else if (placed.agent) {
    await getDb(env.DB).update(supportChats).set({ status: "active" }).where(eq(supportChats.id, id));
  } else {
    await room.queuePosition(placed.position);
  }
  return { id, token: principal ? null : await chatToken(env, id), socketPath: `/api/chat/conversations/${id}` };
}

async function getChat(env: Env, id: string): Promise<ChatRow> {
  const row = await getDb(env.DB).select().from(supportChats).where(eq(supportChats.id, id)).get();
  if (!row) throw notFound();
  return row;
}

export type ChatIdentity = { role: "customer"; id: string; name: string } | { role: "agent"; id: string; name: string };

/**
 * Who may join a chat's socket: its shopper (their session, or the guest token of this chat) or support staff
 * (admin or support role holding the `support` permission). Anyone else gets 404 (a stranger's chat looks
 * missing) or 401 without credentials.
 */
export async function chatIdentity(
  env: Env,
  chatId: string,
  caller: { principal: Principal | null; token?: string | null; asAgent: boolean },
): Promise<ChatIdentity> {
  const chat = await getChat(env, chatId);
  const { principal } = caller;
  if (caller.asAgent) {
    if (!principal) throw new AppError("auth.unauthenticated", 401, "Sign in to continue.");
    if (!hasPermission(principal, "support") || (principal.role !== "admin" && principal.role !== "support")) {
      throw new AppError("auth.forbidden", 403, 'Your account does not have the "support" permission.');
    }
    return { role: "agent", id: principal.id, name: principal.name };
  }
  if (caller.token) {
    if (chat.customerUserId || !(await verifyChatToken(env, chatId, caller.token))) throw notFound();
    return { role: "customer", id: `guest:${chatId}`, name: chat.customerName };
  }
  if (!principal) throw new AppError("auth.unauthenticated", 401, "Sign in, or use the chat's token.");
  if (chat.customerUserId !== principal.id) throw notFound();
  return { role: "customer", id: `user:${principal.id}`, name: chat.customerName };
}

/** Forwards an authorised socket upgrade to the chat's room (resume point in `?after=`). */
export async function joinChat(env: Env, chatId: string, who: ChatIdentity, request: Request): Promise<Response> {
  const url = new URL(request.url);
  const forward = new Request(`https://chat-room/${chatId}?after=${Number(url.searchParams.get("after")) || 0}`, {
    headers: { Upgrade: "websocket", "X-Chat-Role": who.role, "X-Chat-Id": who.id, "X-Chat-Name": who.name },
  });
  return env.CHAT_ROOM.getByName(chatId).fetch(forward);
}

/** Forwards an agent's console socket to the inbox (they are online while it is open). */
export function joinInbox(env: Env, agent: Principal, capacity: number | undefined): Promise<Response> {
  return env.SUPPORT_INBOX.getByName(INBOX).fetch(
    new Request(`https://support-inbox/?capacity=${capacity ?? ""}`, { headers: { Upgrade: "websocket", "X-Agent-Id": agent.id, "X-Agent-Name": agent.name } }),
  );
}

/** The live queue and online agents. */
export function inboxSnapshot(env: Env) {
  return env.SUPPORT_INBOX.getByName(INBOX).snapshot();
}

/**
 * Copies what the room holds beyond what was saved before onto the chat's ticket (creating the ticket, channel
 * `chat`, on first save). Each room message is stored once (keyed by chat and sequence number), so saving twice
 * adds nothing. Answers the ticket.
 */
export async function saveTranscript(env: Env, chatId: string): Promise<{ ticketId: string; reference: string } | null> {
  const chat = await getChat(env, chatId);
  const { messages } = await env.CHAT_ROOM.getByName(chatId).transcript(chat.savedSeq);
  const fresh = messages.filter((m) => m.role !== "system" || chat.ticketId);
  if (!chat.ticketId && !fresh.some((m) => m.role === "customer")) return null;
  let ticketId = chat.ticketId;
  if (!ticketId) {
    const first = fresh.find((m) => m.role === "customer");
    const ticket = await insertTicket(env, {
      subject: `Live chat with ${chat.customerName}`,
      message: first?.body ?? "(chat)",
      channel: "chat",
      customer: { userId: chat.customerUserId, email: chat.customerEmail, name: chat.customerName },
      orderId: null,
      source: "chat",
      externalId: first ? `chat:${chatId}:${first.seq}` : null,
      firstMessageAt: first?.at,
    });
    ticketId = ticket.id;
    // The ticket is claimed by this chat only if no other save got there first.
    const claimed = await env.DB.prepare("UPDATE support_chats SET ticket_id = ?1 WHERE id = ?2 AND ticket_id IS NULL").bind(ticketId, chatId).run();
    if (!claimed.meta.changes) {
      await env.DB.prepare("DELETE FROM support_messages WHERE ticket_id = ?").bind(ticketId).run();
      await env.DB.prepare("DELETE FROM support_events WHERE ticket_id = ?").bind(ticketId).run();
      await env.DB.prepare("DELETE FROM support_tickets WHERE id = ?").bind(ticketId).run();
      return saveTranscript(env, chatId);
    }
  }
  const db = getDb(env.DB);
  const last = messages.at(-1)?.seq ?? chat.savedSeq;
  const firstAgent = messages.find((m) => m.role === "agent");
  const rows = messages.map((m) =>
    env.DB.prepare(
      `INSERT INTO support_messages (id, ticket_id, author_type, author_id, author_name, body, internal, source, external_id, created_at)
       VALUES (?1, ?2, ?3, NULL, ?4, ?5, 0, 'chat', ?6, ?7) ON CONFLICT(external_id) DO NOTHING`,
    ).bind(newId("msg"), ticketId, m.role === "agent" ? "staff" : m.role, m.name, m.body, `chat:${chatId}:${m.seq}`, m.at),
  );
  await runBatch(env.DB, [
    ...rows,
    db
      .update(supportChats)
      .set({ savedSeq: last })
      .where(and(eq(supportChats.id, chatId))),
    db
      .update(supportTickets)
      .set({ lastMessageAt: messages.at(-1)?.at ?? new Date().toISOString() })
      .where(eq(supportTickets.id, ticketId)),
    // An agent's chat reply is the ticket's first response for the SLA, stamped at the time it was said (once).
    ...(firstAgent
      ? [env.DB.prepare("UPDATE support_tickets SET first_responded_at = ?1 WHERE id = ?2 AND first_responded_at IS NULL").bind(firstAgent.at, ticketId)]
      : []),
  ]);
  const ticket = await getTicket(env, ticketId);
  return { ticketId, reference: referenceOf(ticket) };
}

/**
 * Ends a chat (the shopper leaves, or the agent closes it): the transcript is saved to its ticket, the room tells
 * both sides where it went and closes, and the inbox gives the agent's place to the next chat. Safe to repeat.
 */
export async function endChat(env: Env, chatId: string, who: ChatIdentity): Promise<{ ticketId: string | null; reference: string | null }> {
  const chat = await getChat(env, chatId);
  const room = env.CHAT_ROOM.getByName(chatId);
  const inbox = env.SUPPORT_INBOX.getByName(INBOX);
  const hadAgent = (await inbox.agentOf(chatId)) !== null;
  const saved = await saveTranscript(env, chatId);
  await room.end(saved?.reference ?? null, hadAgent || who.role === "agent" ? "closed" : "no_agent");
  await inbox.release(chatId);
  if (chat.status !== "ended") {
    await getDb(env.DB).update(supportChats).set({ status: "ended", endedAt: new Date().toISOString() }).where(eq(supportChats.id, chatId));
  }
  return { ticketId: saved?.ticketId ?? null, reference: saved?.reference ?? null };
}

/**
 * The chat sweep (cron): chats still open whose shopper has left for good (no socket, started over `idleMs`
 * ago) are ended the same way, so every transcript reaches its ticket.
 */
export async function sweepAbandonedChats(env: Env, idleMs = 5 * 60_000, now = Date.now()): Promise<number> {
  const open = await env.DB.prepare("SELECT id FROM support_chats WHERE status <> 'ended' AND created_at < ? LIMIT 50")
    .bind(new Date(now - idleMs).toISOString())
    .all<{ id: string }>();
  let ended = 0;
  for (const { id } of open.results) {
    const state = await env.CHAT_ROOM.getByName(id).transcript(Number.MAX_SAFE_INTEGER);
    if (state.customerOnline) continue;
    await endChat(env, id, { role: "customer", id: "", name: "" });
    ended++;
  }
  return ended;
}
