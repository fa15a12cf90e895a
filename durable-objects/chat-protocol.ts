/**
 * The live-chat wire protocol between the `ChatRoom` Durable Object and its clients (the shopper's widget and the
 * agent console). JSON text frames. Every stored message has a room-wide sequence number `seq` (1, 2, 3 …): a
 * client remembers the highest it has seen and reconnects with `?after=<seq>`, and the room replays exactly what
 * came later, so nothing is lost or shown twice. A `send` carries a client-chosen `clientId`: sending it again
 * (say, after a dropped connection) stores nothing new and answers the original message.
 */

export type ChatRole = "customer" | "agent";

/** Frames a client sends. */
export type ClientFrame = { type: "send"; clientId: string; body: string } | { type: "typing"; on: boolean } | { type: "read"; seq: number };

export interface ChatMessage {
  seq: number;
  clientId: string;
  role: ChatRole | "system";
  name: string;
  body: string;
  at: string;
}

/** Frames the room sends. */
export type ServerFrame =
  | { type: "hello"; role: ChatRole; lastSeq: number; presence: Presence; reads: Reads }
  | { type: "message"; message: ChatMessage }
  /** Sent after the replay of a (re)connect: everything up to `lastSeq` has been delivered. */
  | { type: "synced"; lastSeq: number }
  | { type: "typing"; role: ChatRole; on: boolean }
  | { type: "read"; role: ChatRole; seq: number }
  | { type: "presence"; presence: Presence }
  /** The shopper's place in the queue of waiting chats (0 once an agent has it). */
  | { type: "queue"; position: number; agentName: string | null }
  | { type: "ended"; ticketReference: string | null; reason: "closed" | "no_agent" }
  | { type: "error"; code: "too_large" | "rate_limited" | "invalid" | "ended"; message: string };

export interface Presence {
  customer: boolean;
  agent: { id: string; name: string } | null;
}

export type Reads = Partial<Record<ChatRole, number>>;

/** The automatic keep-alive: the room answers this text without waking up. */
export const PING = '{"type":"ping"}';
export const PONG = '{"type":"pong"}';

/** Limits the room enforces. */
export const CHAT_LIMITS = {
  /** Bytes of one frame. */
  frameBytes: 4096,
  /** Characters of one message body. */
  bodyChars: 2000,
  /** Messages one socket may send per window. */
  messagesPerWindow: 10,
  windowMs: 10_000,
} as const;

/** Close codes the room uses. */
export const CLOSE = { replaced: 4001, ended: 4002 } as const;

/** An agent as the inbox sees them. */
export interface InboxAgent {
  id: string;
  name: string;
  capacity: number;
  chats: string[];
}

export interface InboxSnapshot {
  agents: InboxAgent[];
  waiting: { chatId: string; name: string; position: number; since: string }[];
}

/** Frames the support inbox sends to agent consoles. */
export type InboxFrame = { type: "inbox"; snapshot: InboxSnapshot } | { type: "assigned"; chatId: string; customerName: string };

/** Chats one agent takes at once unless their console asks for fewer or more (1–10). */
export const DEFAULT_AGENT_CAPACITY = 3;
