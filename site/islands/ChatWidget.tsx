import { preactIsland } from "../lib/island";
import { useEffect, useRef, useState } from "preact/hooks";
import type { ChatMessage, ServerFrame } from "../../durable-objects/chat-protocol";
import { type Schemas, storeApi } from "../../sdk";
import { lastSeen } from "../lib/chat";

type Session = Schemas["StartChatResult"];

const KEY = "support-chat";

/** "in about 12 minutes (after 14:05)": how long until a refused chat start may be tried again, and at what local time. */
function retryText(seconds: number, now = Date.now()): string {
  const at = new Date(now + seconds * 1000).toLocaleTimeString([], { hour: "numeric", minute: "2-digit" });
  const minutes = Math.ceil(seconds / 60);
  const wait =
    seconds < 60 ? "in under a minute" : minutes < 90 ? `in about ${minutes} minute${minutes === 1 ? "" : "s"}` : `in about ${Math.round(minutes / 60)} hours`;
  return `${wait} (after ${at})`;
}

/**
 * The shopper's live chat, loaded only when the "Chat with us" button is pressed. It keeps its chat in
 * sessionStorage (so it follows the shopper across pages), resumes its socket from the last sequence number it
 * saw, and re-sends unacknowledged messages with their original client ids (the room stores each once).
 */
export default function ChatWidget({ onClose }: { onClose: () => void }) {
  const [session, setSession] = useState<Session | null>(() => {
    try {
      return JSON.parse(sessionStorage.getItem(KEY) ?? "null") as Session | null;
    } catch {
      return null;
    }
  });
  const [needEmail, setNeedEmail] = useState(false);
  const [email, setEmail] = useState("");
  const [messages, setMessages] = useState<ChatMessage[]>([]);
  const [status, setStatus] = useState("Connecting…");
  const [typing, setTyping] = useState(false);
  const [draft, setDraft] = useState("");
  const [ended, setEnded] = useState<string | null>(null);
  // Set when the store refused to start a chat (too many in a short time): when the shopper may try again.
  const [limited, setLimited] = useState<string | null>(null);
  // The highest message the agent has read (their read receipts), to mark the shopper's last message "Seen".
  const [agentRead, setAgentRead] = useState(0);
  const agentName = useRef<string | null>(null);
  const ws = useRef<WebSocket | null>(null);
  const lastSeq = useRef(0);
  const pending = useRef(new Map<string, string>());

  async function start(body: Schemas["StartChatBody"]) {
    const { data: s, response } = await storeApi.POST("/api/support/chats", { body });
    if (response.status === 400) return setNeedEmail(true);
    if (response.status === 429) {
      const seconds = Number(response.headers.get("Retry-After"));
      return setLimited(retryText(Number.isFinite(seconds) && seconds > 0 ? seconds : 60));
    }
    if (!s) return setStatus("Chat is unavailable right now.");
    sessionStorage.setItem(KEY, JSON.stringify(s));
    setLimited(null);
    setNeedEmail(false);
    setSession(s);
  }

  useEffect(() => {
    if (!session) {
      void start({});
      return;
    }
    let stop = false;
    let retry = 500;
    const connect = () => {
      const url = new URL(session.socketPath, location.href);
      url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
      if (session.token) url.searchParams.set("token", session.token);
      url.searchParams.set("after", String(lastSeq.current));
      const socket = new WebSocket(url);
      ws.current = socket;
      socket.onmessage = (e) => {
        const frame = JSON.parse(String(e.data)) as ServerFrame;
        if (frame.type === "message") {
          if (frame.message.seq <= lastSeq.current) return;
          lastSeq.current = frame.message.seq;
          pending.current.delete(frame.message.clientId.replace(/^customer:/, ""));
          setMessages((m) => [...m, frame.message]);
          socket.send(JSON.stringify({ type: "read", seq: frame.message.seq }));
        } else if (frame.type === "synced") {
          retry = 500;
          setStatus("Connected");
          for (const [clientId, body] of pending.current) socket.send(JSON.stringify({ type: "send", clientId, body }));
        } else if (frame.type === "hello" || frame.type === "presence") {
          if (frame.type === "hello") setAgentRead((r) => Math.max(r, frame.reads.agent ?? 0));
          if (frame.presence.agent) {
            agentName.current = frame.presence.agent.name;
            setStatus(`You are chatting with ${frame.presence.agent.name}`);
          } else if (frame.type === "presence" && agentName.current) {
            setStatus(`${agentName.current} has left the chat.`);
            agentName.current = null;
          }
        } else if (frame.type === "read" && frame.role === "agent") {
          setAgentRead((r) => Math.max(r, frame.seq));
        } else if (frame.type === "queue") {
          setStatus(frame.agentName ? `You are chatting with ${frame.agentName}` : `You are number ${frame.position} in line`);
        } else if (frame.type === "typing" && frame.role === "agent") setTyping(frame.on);
        else if (frame.type === "ended") {
          stop = true;
          sessionStorage.removeItem(KEY);
          setEnded(frame.ticketReference ?? "");
        } else if (frame.type === "error") setStatus(frame.message);
      };
      socket.onclose = (e) => {
        if (stop || e.code === 4002) return;
        if (e.code === 1008 || e.code === 1006) setStatus("Reconnecting…");
        retry = Math.min(retry * 2, 8000);
        setTimeout(connect, retry);
      };
    };
    connect();
    return () => {
      stop = true;
      ws.current?.close();
    };
  }, [session]);

  function send(e: Event) {
    e.preventDefault();
    const body = draft.trim();
    if (!body) return;
    const clientId = crypto.randomUUID().replaceAll("-", "");
    pending.current.set(clientId, body);
    ws.current?.send(JSON.stringify({ type: "send", clientId, body }));
    ws.current?.send(JSON.stringify({ type: "typing", on: false }));
    setDraft("");
  }

  async function end() {
    if (!session) return onClose();
    const { data: body } = await storeApi.POST("/api/support/chats/{id}/end", {
      params: { path: { id: session.id }, query: session.token ? { token: session.token } : {} },
    });
    sessionStorage.removeItem(KEY);
    setEnded(body?.reference ?? "");
  }

  const seenSeq = lastSeen(messages, "customer", agentRead);
  return (
    <section class="chat-panel" aria-label="Live chat">
      <header class="chat-head">
        <h2>Chat with us</h2>
        <button type="button" class="chat-close" onClick={onClose} aria-label="Close chat">
          ×
        </button>
      </header>
      {limited && (
        <div class="chat-limited" role="alert">
          <p>You have started several chats in a short time, so we cannot start another one yet. Try again {limited}.</p>
          <p>
            Or <a href="/support">write to us</a>: we answer by email.
          </p>
        </div>
      )}
      {limited && !needEmail ? null : needEmail ? (
        <form
          class="chat-form"
          onSubmit={(e) => {
            e.preventDefault();
            void start({ email });
          }}
        >
          <label for="chat-email">Your email, so we can answer if you leave</label>
          <input id="chat-email" class="input" type="email" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
          <button class="button" type="submit">
            Start chat
          </button>
        </form>
      ) : (
        <>
          <p class="chat-status" role="status">
            {ended !== null ? (ended ? `Chat ended. Saved as request ${ended}; we answer by email.` : "Chat ended.") : status}
          </p>
          <ol class="chat-log" aria-live="polite">
            {messages.map((m) => (
              <li key={m.seq} class={`chat-line chat-line--${m.role}`}>
                <span class="chat-who">{m.role === "customer" ? "You" : m.name}</span>
                <span class="chat-text">{m.body}</span>
                {m.seq === seenSeq && <span class="chat-seen">Seen</span>}
              </li>
            ))}
          </ol>
          {typing && <p class="chat-typing">Typing…</p>}
          {ended === null && (
            <form class="chat-form" onSubmit={send}>
              <label class="sr-only" for="chat-input">
                Message
              </label>
              <input
                id="chat-input"
                class="input"
                maxLength={2000}
                value={draft}
                onInput={(e) => {
                  setDraft(e.currentTarget.value);
                  ws.current?.send(JSON.stringify({ type: "typing", on: e.currentTarget.value.length > 0 }));
                }}
              />
              <button class="button" type="submit">
                Send
              </button>
              <button class="button button--secondary" type="button" onClick={end}>
                End chat
              </button>
            </form>
          )}
        </>
      )}
    </section>
  );
}

preactIsland(ChatWidget);
