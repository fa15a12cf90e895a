import { DurableObject } from "cloudflare:workers";
import { DEFAULT_AGENT_CAPACITY, type InboxAgent, type InboxFrame, type InboxSnapshot, PING, PONG } from "./chat-protocol";

interface AgentAttachment {
  id: string;
  name: string;
  capacity: number;
}

export interface EnqueueResult {
  /** The agent who has the chat now, or null while it waits. */
  agent: { id: string; name: string } | null;
  /** 1-based place among waiting chats; 0 once assigned. */
  position: number;
  /** False when no agent is online at all: the chat goes to a ticket instead of waiting. */
  agentsOnline: boolean;
}

/**
 * The store's one queue of live chats (one object, `main`). An agent is online while their console's socket is
 * connected here (hibernatable; the attachment says who they are and how many chats they take). A new chat goes
 * to the online agent with the fewest chats below their capacity, else waits in line; when a chat ends or an
 * agent's console drops, their chats are handed to others (or back to the front of the line) and every waiting
 * shopper is told their new place. All state is in the object's SQLite, so eviction loses nothing; rooms are told
 * through their RPC methods.
 */
export class SupportInbox extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING, PONG));
    ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS waiting (chat_id TEXT PRIMARY KEY, name TEXT NOT NULL, since TEXT NOT NULL, rank INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS assigned (chat_id TEXT PRIMARY KEY, agent_id TEXT NOT NULL, agent_name TEXT NOT NULL, name TEXT NOT NULL, since TEXT NOT NULL)`);
  }

  /** Online agents (one entry per agent however many consoles they have open) with their current chats. */
  private agents(): InboxAgent[] {
    const byId = new Map<string, InboxAgent>();
    for (const ws of this.ctx.getWebSockets()) {
      const a = ws.deserializeAttachment() as AgentAttachment | null;
      if (a && !byId.has(a.id)) byId.set(a.id, { id: a.id, name: a.name, capacity: a.capacity, chats: [] });
    }
    for (const row of this.ctx.storage.sql.exec<{ chat_id: string; agent_id: string }>("SELECT chat_id, agent_id FROM assigned ORDER BY since").toArray()) {
      byId.get(row.agent_id)?.chats.push(row.chat_id);
    }
    return [...byId.values()];
  }

  private leastLoaded(exceptId?: string): InboxAgent | null {
    const free = this.agents().filter((a) => a.id !== exceptId && a.chats.length < a.capacity);
    free.sort((x, y) => x.chats.length / x.capacity - y.chats.length / y.capacity || x.chats.length - y.chats.length || x.id.localeCompare(y.id));
    return free[0] ?? null;
  }

  /** The current queue and agents, as the console shows them. */
  snapshot(): InboxSnapshot {
    const waiting = this.ctx.storage.sql
      .exec<{ chat_id: string; name: string; since: string }>("SELECT chat_id, name, since FROM waiting ORDER BY rank, since")
      .toArray()
      .map((r, i) => ({ chatId: r.chat_id, name: r.name, position: i + 1, since: r.since }));
    return { agents: this.agents(), waiting };
  }

  private async give(chatId: string, name: string, agent: InboxAgent): Promise<void> {
    this.ctx.storage.sql.exec("DELETE FROM waiting WHERE chat_id = ?", chatId);
    this.ctx.storage.sql.exec(
      "INSERT INTO assigned (chat_id, agent_id, agent_name, name, since) VALUES (?, ?, ?, ?, ?) ON CONFLICT(chat_id) DO UPDATE SET agent_id = excluded.agent_id, agent_name = excluded.agent_name",
      chatId,
      agent.id,
      agent.name,
      name,
      new Date().toISOString(),
    );
    this.notifyAgent(agent.id, { type: "assigned", chatId, customerName: name });
    await this.env.CHAT_ROOM.getByName(chatId).assign({ id: agent.id, name: agent.name });
  }

  /** Assigns waiting chats while some agent has room, then tells everyone who still waits their place. */
  private async drain(): Promise<void> {
    for (;;) {
      const next = this.ctx.storage.sql.exec<{ chat_id: string; name: string }>("SELECT chat_id, name FROM waiting ORDER BY rank, since LIMIT 1").toArray()[0];
      const agent = next ? this.leastLoaded() : null;
      if (!next || !agent) break;
      await this.give(next.chat_id, next.name, agent);
    }
    const snapshot = this.snapshot();
    await Promise.all(snapshot.waiting.map((w) => this.env.CHAT_ROOM.getByName(w.chatId).queuePosition(w.position)));
    this.notifyAgents({ type: "inbox", snapshot });
  }

  /** Puts a new chat in line, or straight to the least-loaded online agent below capacity. */
  async enqueue(chatId: string, name: string): Promise<EnqueueResult> {
    const existing = this.ctx.storage.sql
      .exec<{ agent_id: string; agent_name: string }>("SELECT agent_id, agent_name FROM assigned WHERE chat_id = ?", chatId)
      .toArray()[0];
    if (existing) return { agent: { id: existing.agent_id, name: existing.agent_name }, position: 0, agentsOnline: true };
    if (this.agents().length === 0) return { agent: null, position: 0, agentsOnline: false };
    this.ctx.storage.sql.exec(
      "INSERT INTO waiting (chat_id, name, since, rank) VALUES (?, ?, ?, 1) ON CONFLICT(chat_id) DO NOTHING",
      chatId,
      name,
      new Date().toISOString(),
    );
    await this.drain();
    const mine = this.ctx.storage.sql
      .exec<{ agent_id: string; agent_name: string }>("SELECT agent_id, agent_name FROM assigned WHERE chat_id = ?", chatId)
      .toArray()[0];
    if (mine) return { agent: { id: mine.agent_id, name: mine.agent_name }, position: 0, agentsOnline: true };
    const position = this.snapshot().waiting.find((w) => w.chatId === chatId)?.position ?? 0;
    return { agent: null, position, agentsOnline: true };
  }

  /** A chat ended: it leaves the line or its agent, whose freed place goes to the next waiting chat. */
  async release(chatId: string): Promise<void> {
    this.ctx.storage.sql.exec("DELETE FROM waiting WHERE chat_id = ?", chatId);
    this.ctx.storage.sql.exec("DELETE FROM assigned WHERE chat_id = ?", chatId);
    await this.drain();
  }

  /** The agent a chat is assigned to, if any. */
  agentOf(chatId: string): { id: string; name: string } | null {
    const row = this.ctx.storage.sql
      .exec<{ agent_id: string; agent_name: string }>("SELECT agent_id, agent_name FROM assigned WHERE chat_id = ?", chatId)
      .toArray()[0];
    return row ? { id: row.agent_id, name: row.agent_name } : null;
  }

  /**
   * An agent's console connects (the Worker checked the support permission and passes who it is in
   * `X-Agent-Id`/`X-Agent-Name`, and `?capacity=`): they are online and waiting chats flow to them.
   */
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") return new Response("Expected a WebSocket upgrade", { status: 426 });
    const capacity = Math.min(10, Math.max(1, Number(new URL(request.url).searchParams.get("capacity")) || DEFAULT_AGENT_CAPACITY));
    const pair = new WebSocketPair();
    const attachment: AgentAttachment = { id: request.headers.get("X-Agent-Id") ?? "", name: request.headers.get("X-Agent-Name") ?? "Agent", capacity };
    this.ctx.acceptWebSocket(pair[1], [attachment.id]);
    pair[1].serializeAttachment(attachment);
    pair[1].send(JSON.stringify({ type: "inbox", snapshot: this.snapshot() } satisfies InboxFrame));
    await this.drain();
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  override async webSocketClose(ws: WebSocket): Promise<void> {
    ws.close();
    await this.agentLeft(ws);
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    await this.agentLeft(ws);
  }

  /** When an agent's last console is gone, their chats go to another agent, or back to the front of the line. */
  private async agentLeft(ws: WebSocket): Promise<void> {
    const gone = ws.deserializeAttachment() as AgentAttachment | null;
    if (!gone) return;
    if (this.ctx.getWebSockets(gone.id).some((other) => other !== ws && other.readyState === WebSocket.OPEN)) return;
    const chats = this.ctx.storage.sql
      .exec<{ chat_id: string; name: string; since: string }>("SELECT chat_id, name, since FROM assigned WHERE agent_id = ?", gone.id)
      .toArray();
    for (const chat of chats) {
      this.ctx.storage.sql.exec("DELETE FROM assigned WHERE chat_id = ?", chat.chat_id);
      const next = this.agents().filter((a) => a.id !== gone.id && a.chats.length < a.capacity).length ? this.leastLoaded(gone.id) : null;
      if (next) await this.give(chat.chat_id, chat.name, next);
      else {
        // Back to the front of the line: they had already waited.
        this.ctx.storage.sql.exec(
          "INSERT INTO waiting (chat_id, name, since, rank) VALUES (?, ?, ?, 0) ON CONFLICT(chat_id) DO NOTHING",
          chat.chat_id,
          chat.name,
          chat.since,
        );
        await this.env.CHAT_ROOM.getByName(chat.chat_id).assign(null, 1);
      }
    }
    await this.drain();
  }

  private notifyAgent(agentId: string, frame: InboxFrame) {
    for (const ws of this.ctx.getWebSockets(agentId)) {
      try {
        ws.send(JSON.stringify(frame));
      } catch {}
    }
  }

  private notifyAgents(frame: InboxFrame) {
    const text = JSON.stringify(frame);
    for (const ws of this.ctx.getWebSockets()) {
      try {
        ws.send(text);
      } catch {}
    }
  }
}
