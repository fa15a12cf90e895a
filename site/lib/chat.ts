// Display rules shared by the shopper's chat widget and the agent console (islands: no server code here).
import type { ChatMessage } from "../../durable-objects/chat-protocol";

/**
 * Where a read receipt shows: the seq of the last message of `role` that the other side has read (their read
 * mark is `read`), or -1 when they have read none of them yet.
 */
export function lastSeen(messages: ChatMessage[], role: ChatMessage["role"], read: number): number {
  let seen = -1;
  for (const m of messages) if (m.role === role && m.seq <= read) seen = m.seq;
  return seen;
}
