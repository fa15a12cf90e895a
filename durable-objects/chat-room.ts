import { DurableObject } from "cloudflare:workers";
import {
  CHAT_LIMITS,
  type ChatMessage,
  type ChatRole,
  CLOSE,
  type ClientFrame,
  PING,
  PONG,
  type Presence,
  type Reads,
  type ServerFrame,
} from "./chat-protocol";

/** What each socket carries through hibernation (`serializeAttachment`): who it is and its send budget. */
interface Attachment {
  role: ChatRole;
  id: string;
  name: string;
  windowStart: number;
  sent: number;
}

/** Drops control characters other than tab and line breaks (they would garble the transcript and emails). */
function stripControls(text: string): string {
  let out = "";
  for (const ch of text) {
    const code = ch.charCodeAt(0);
    if (code === 9 || code === 10 || code === 13 || (code >= 32 && code !== 127)) out += ch;
  }
  return out;
}

export type JoinRefusal = "not_your_chat" | "not_assigned" | "ended";

/**
 * One live chat conversation. Sockets use the WebSocket Hibernation API: the runtime holds them while the object
 * sleeps, pings are answered without waking it (`setWebSocketAutoResponse`), and who each socket is lives in its
 * attachment, so nothing is lost when the object is evicted. Messages are rows in the object's SQLite with a
 * sequence number; a reconnecting client resumes after the last one it saw. The first shopper to join owns the
 * room (the Worker has already checked the chat is theirs); any other shopper is refused, and only the agent the
 * inbox assigned may join as staff. Validation of who is calling happens in the Worker; the object trusts the
 * identity headers only the Worker can set (Durable Objects are not reachable from outside).
 */
export class ChatRoom extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING, PONG));
    ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS messages (
      seq INTEGER PRIMARY KEY AUTOINCREMENT, client_id TEXT NOT NULL UNIQUE, role TEXT NOT NULL, name TEXT NOT NULL, body TEXT NOT NULL, at TEXT NOT NULL)`);
  }

  private get<T>(key: string): T | undefined {
    return this.ctx.storage.kv.get<T>(key);
  }

  private sockets(role?: ChatRole): WebSocket[] {
    return this.ctx.getWebSockets(role);
  }

  private attachment(ws: WebSocket): Attachment {
    return ws.deserializeAttachment() as Attachment;
  }

  private presence(): Presence {
    const agent = this.sockets("agent")[0];
    const a = agent ? this.attachment(agent) : null;
    return { customer: this.sockets("customer").length > 0, agent: a ? { id: a.id, name: a.name } : null };
  }

  private broadcast(frame: ServerFrame, except?: WebSocket) {
    const text = JSON.stringify(frame);
    for (const ws of this.sockets()) {
      if (ws === except) continue;
      try {
        ws.send(text);
      } catch {
        // A socket closing at this moment gets the frame on resume instead.
      }
    }
  }

  private lastSeq(): number {
    return (this.ctx.storage.sql.exec<{ s: number | null }>("SELECT MAX(seq) AS s FROM messages").one().s ?? 0) as number;
  }

  private rows(after: number, limit = 500): ChatMessage[] {
    return this.ctx.storage.sql
      .exec<{ seq: number; client_id: string; role: string; name: string; body: string; at: string }>(
        "SELECT seq, client_id, role, name, body, at FROM messages WHERE seq > ? ORDER BY seq LIMIT ?",
        after,
        limit,
      )
      .toArray()
      .map((r) => ({ seq: r.seq, clientId: r.client_id, role: r.role as ChatMessage["role"], name: r.name, body: r.body, at: r.at }));
  }

  /** Sets up a new conversation: its owner (`user:<id>` or `guest:<chat id>`) and, for the transcript, its id. */
  init(chatId: string, owner: string): void {
    if (!this.get("chatId")) {
      this.ctx.storage.kv.put("chatId", chatId);
      this.ctx.storage.kv.put("owner", owner);
    }
  }

  /**
   * Hands the chat to an agent (or takes it back with null): agent sockets of anyone else are closed, and the
   * shopper sees the new agent's name and queue position 0.
   */
  assign(agent: { id: string; name: string } | null, position = 0): void {
    const before = this.get<{ id: string }>("agent");
    if (agent) this.ctx.storage.kv.put("agent", agent);
    else this.ctx.storage.kv.delete("agent");
    for (const ws of this.sockets("agent")) {
      if (this.attachment(ws).id !== agent?.id) ws.close(CLOSE.replaced, "Reassigned");
    }
    if (before?.id !== agent?.id) this.broadcast({ type: "queue", position, agentName: agent?.name ?? null });
  }

  /** Tells the shopper their place among the waiting chats. */
  queuePosition(position: number): void {
    this.broadcast({ type: "queue", position, agentName: null });
  }

  /** Appends a system line (e.g. "Ada joined") to the conversation. */
  system(body: string): ChatMessage {
    return this.store("system", "Store", `sys:${crypto.randomUUID()}`, body).message;
  }

  /** Stores and broadcasts a message once per client id; a repeat answers the stored original (`created` false). */
  private store(role: ChatMessage["role"], name: string, clientId: string, body: string): { message: ChatMessage; created: boolean } {
    const at = new Date().toISOString();
    const inserted = this.ctx.storage.sql
      .exec<{ seq: number }>(
        "INSERT INTO messages (client_id, role, name, body, at) VALUES (?, ?, ?, ?, ?) ON CONFLICT(client_id) DO NOTHING RETURNING seq",
        clientId,
        role,
        name,
        body,
        at,
      )
      .toArray()[0];
    if (!inserted) {
      const r = this.ctx.storage.sql
        .exec<{ seq: number; role: string; name: string; body: string; at: string }>(
          "SELECT seq, role, name, body, at FROM messages WHERE client_id = ?",
          clientId,
        )
        .one();
      return { message: { seq: r.seq, clientId, role: r.role as ChatMessage["role"], name: r.name, body: r.body, at: r.at }, created: false };
    }
    const message: ChatMessage = { seq: inserted.seq, clientId, role, name, body, at };
    this.broadcast({ type: "message", message });
    return { message, created: true };
  }

  /** The conversation after `afterSeq` (for the transcript), and whether it has ended. */
  transcript(afterSeq = 0): { chatId: string | null; messages: ChatMessage[]; ended: boolean; customerOnline: boolean } {
    return {
      chatId: this.get<string>("chatId") ?? null,
      messages: this.rows(afterSeq, 10_000),
      ended: !!this.get("ended"),
      customerOnline: this.sockets("customer").length > 0,
    };
  }

  /** Ends the conversation: every socket is told (with the ticket the transcript went to) and closed. */
  end(ticketReference: string | null, reason: "closed" | "no_agent"): void {
    this.ctx.storage.kv.put("ended", true);
    this.broadcast({ type: "ended", ticketReference, reason });
    for (const ws of this.sockets()) ws.close(CLOSE.ended, "Chat ended");
  }

  /**
   * A socket upgrade forwarded by the Worker with the caller's identity in `X-Chat-Role`, `X-Chat-Id` and
   * `X-Chat-Name`, and `?after=<seq>` to resume. Refusals answer 403 before any socket is accepted.
   */
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") return new Response("Expected a WebSocket upgrade", { status: 426 });
    const role = request.headers.get("X-Chat-Role") as ChatRole;
    const id = request.headers.get("X-Chat-Id") ?? "";
    const name = request.headers.get("X-Chat-Name") ?? "";
    const refusal = this.refusal(role, id);
    if (refusal) return Response.json({ refused: refusal }, { status: 403 });
    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    this.ctx.acceptWebSocket(server, [role]);
    const attachment: Attachment = { role, id, name, windowStart: Date.now(), sent: 0 };
    server.serializeAttachment(attachment);
    const after = Math.max(0, Number(new URL(request.url).searchParams.get("after") ?? 0) || 0);
    const lastSeq = this.lastSeq();
    server.send(JSON.stringify({ type: "hello", role, lastSeq, presence: this.presence(), reads: this.get<Reads>("reads") ?? {} } satisfies ServerFrame));
    for (const message of this.rows(after, 10_000)) server.send(JSON.stringify({ type: "message", message } satisfies ServerFrame));
    server.send(JSON.stringify({ type: "synced", lastSeq } satisfies ServerFrame));
    this.broadcast({ type: "presence", presence: this.presence() }, server);
    return new Response(null, { status: 101, webSocket: client });
  }

  private refusal(role: ChatRole, id: string): JoinRefusal | null {
    if (this.get("ended")) return "ended";
    if (role === "customer") return this.get<string>("owner") === id ? null : "not_your_chat";
    if (role === "agent") return this.get<{ id: string }>("agent")?.id === id ? null : "not_assigned";
    return "not_your_chat";
  }

  override async webSocketMessage(ws: WebSocket, raw: string | ArrayBuffer): Promise<void> {
    const a = this.attachment(ws);
    const size = typeof raw === "string" ? new TextEncoder().encode(raw).length : raw.byteLength;
    const reply = (frame: ServerFrame) => ws.send(JSON.stringify(frame));
    if (size > CHAT_LIMITS.frameBytes) return reply({ type: "error", code: "too_large", message: `Frames are at most ${CHAT_LIMITS.frameBytes} bytes.` });
    if (this.get("ended")) return reply({ type: "error", code: "ended", message: "This chat has ended." });
    let frame: ClientFrame;
    try {
      frame = JSON.parse(typeof raw === "string" ? raw : new TextDecoder().decode(raw)) as ClientFrame;
    } catch {
      return reply({ type: "error", code: "invalid", message: "Send JSON frames." });
    }
    if (frame.type === "send") {
      const body = typeof frame.body === "string" ? stripControls(frame.body).trim() : "";
      if (!body || body.length > CHAT_LIMITS.bodyChars || typeof frame.clientId !== "string" || !/^[\w-]{1,64}$/.test(frame.clientId)) {
        return reply({ type: "error", code: "invalid", message: `A message is 1–${CHAT_LIMITS.bodyChars} characters with a clientId.` });
      }
      const now = Date.now();
      if (now - a.windowStart >= CHAT_LIMITS.windowMs) {
        a.windowStart = now;
        a.sent = 0;
      }
      if (a.sent >= CHAT_LIMITS.messagesPerWindow) return reply({ type: "error", code: "rate_limited", message: "Slow down a little." });
      a.sent++;
      ws.serializeAttachment(a);
      // Client ids are scoped to their sender so one party cannot overwrite the other's key.
      const { message, created } = this.store(a.role, a.name, `${a.role}:${frame.clientId}`, body);
      // A repeated send (after a reconnect) was not broadcast again: answer the sender with the stored original.
      if (!created) reply({ type: "message", message });
      return;
    }
    if (frame.type === "typing") return this.broadcast({ type: "typing", role: a.role, on: !!frame.on }, ws);
    if (frame.type === "read") {
      const seq = Math.min(Number(frame.seq) || 0, this.lastSeq());
      const reads = this.get<Reads>("reads") ?? {};
      if (seq > (reads[a.role] ?? 0)) {
        reads[a.role] = seq;
        this.ctx.storage.kv.put("reads", reads);
        this.broadcast({ type: "read", role: a.role, seq });
      }
      return;
    }
    reply({ type: "error", code: "invalid", message: "Unknown frame type." });
  }

  override async webSocketClose(ws: WebSocket): Promise<void> {
    ws.close();
    this.broadcast({ type: "presence", presence: this.presence() }, ws);
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    this.broadcast({ type: "presence", presence: this.presence() }, ws);
  }
}
