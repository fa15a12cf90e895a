import { preactIsland } from "../lib/island";
import { useEffect, useRef, useState } from "preact/hooks";
import type { ChatMessage, InboxFrame, InboxSnapshot, ServerFrame } from "../../durable-objects/chat-protocol";
import { storeApi } from "../../sdk";
import { lastSeen } from "../lib/chat";

function wsUrl(path: string): string {
  const url = new URL(path, location.href);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url.toString();
}

/** One assigned chat: its own socket to the room as the agent, resuming from the last sequence number seen. */
function ChatPane({ chatId, name, onEnded }: { chatId: string; name: string; onEnded: (id: string) => void }) {
  const [messages, setMessages] = useState<ChatMessage[]>([]);
  const [typing, setTyping] = useState(false);
  const [online, setOnline] = useState(false);
  // The shopper's read receipts: the agent's last message they have read is marked "Seen".
  const [customerRead, setCustomerRead] = useState(0);
  const [draft, setDraft] = useState("");
  const ws = useRef<WebSocket | null>(null);
  const lastSeq = useRef(0);
  useEffect(() => {
    let stop = false;
    const connect = () => {
      const socket = new WebSocket(wsUrl(`/api/chat/conversations/${chatId}?as=agent&after=${lastSeq.current}`));
      ws.current = socket;
      socket.onmessage = (e) => {
        const f = JSON.parse(String(e.data)) as ServerFrame;
        if (f.type === "message" && f.message.seq > lastSeq.current) {
          lastSeq.current = f.message.seq;
          setMessages((m) => [...m, f.message]);
          socket.send(JSON.stringify({ type: "read", seq: f.message.seq }));
        } else if (f.type === "hello" || f.type === "presence") {
          setOnline(f.presence.customer);
          if (f.type === "hello") setCustomerRead((r) => Math.max(r, f.reads.customer ?? 0));
        } else if (f.type === "read" && f.role === "customer") setCustomerRead((r) => Math.max(r, f.seq));
        else if (f.type === "typing" && f.role === "customer") setTyping(f.on);
        else if (f.type === "ended") {
          stop = true;
          onEnded(chatId);
        }
      };
      socket.onclose = (e) => {
        if (!stop && e.code !== 4001 && e.code !== 4002) setTimeout(connect, 1000);
      };
    };
    connect();
    return () => {
      stop = true;
      ws.current?.close();
    };
  }, [chatId]);
  const send = (e: Event) => {
    e.preventDefault();
    if (!draft.trim()) return;
    ws.current?.send(JSON.stringify({ type: "send", clientId: crypto.randomUUID().replaceAll("-", ""), body: draft.trim() }));
    ws.current?.send(JSON.stringify({ type: "typing", on: false }));
    setDraft("");
  };
  const end = async () => {
    await storeApi.POST("/api/support/chats/{id}/end", { params: { path: { id: chatId }, query: { as: "agent" } } });
  };
  const seenSeq = lastSeen(messages, "agent", customerRead);
  return (
    <section class="chat-panel console-pane" aria-label={`Chat with ${name}`}>
      <header class="chat-head">
        <h2>{name}</h2>
        <span class="muted small">{online ? "online" : "away"}</span>
      </header>
      <ol class="chat-log" aria-live="polite">
        {messages.map((m) => (
          <li key={m.seq} class={`chat-line chat-line--${m.role}`}>
            <span class="chat-who">{m.role === "agent" ? "You" : m.name}</span>
            <span class="chat-text">{m.body}</span>
            {m.seq === seenSeq && <span class="chat-seen">Seen</span>}
          </li>
        ))}
      </ol>
      {typing && <p class="chat-typing">Typing…</p>}
      <form class="chat-form" onSubmit={send}>
        <label class="sr-only" for={`reply-${chatId}`}>
          Reply to {name}
        </label>
        <input
          id={`reply-${chatId}`}
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
    </section>
  );
}

/**
 * The agent console: while it is open the agent is online in the support inbox, sees the live queue, and gets
 * chats assigned (up to their capacity), each in its own pane side by side.
 */
export default function AgentConsole({ agentId }: { agentId: string }) {
  const [snapshot, setSnapshot] = useState<InboxSnapshot | null>(null);
  const [chats, setChats] = useState<{ chatId: string; name: string }[]>([]);
  const [connected, setConnected] = useState(false);
  useEffect(() => {
    let stop = false;
    let socket: WebSocket;
    const connect = () => {
      socket = new WebSocket(wsUrl("/api/admin/support/inbox"));
      socket.onopen = () => setConnected(true);
      socket.onmessage = (e) => {
        const f = JSON.parse(String(e.data)) as InboxFrame;
        if (f.type === "inbox") {
          setSnapshot(f.snapshot);
          const mine = f.snapshot.agents.find((a) => a.id === agentId)?.chats ?? [];
          setChats((c) =>
            c
              .filter((x) => mine.includes(x.chatId))
              .concat(mine.filter((id) => !c.some((x) => x.chatId === id)).map((id) => ({ chatId: id, name: "Shopper" }))),
          );
        } else if (f.type === "assigned") {
          setChats((c) =>
            c.some((x) => x.chatId === f.chatId)
              ? c.map((x) => (x.chatId === f.chatId ? { ...x, name: f.customerName } : x))
              : [...c, { chatId: f.chatId, name: f.customerName }],
          );
        }
      };
      socket.onclose = () => {
        setConnected(false);
        if (!stop) setTimeout(connect, 1000);
      };
    };
    connect();
    return () => {
      stop = true;
      socket.close();
    };
  }, [agentId]);
  return (
    <div class="console">
      <p role="status">{connected ? "You are online: new chats come to you." : "Connecting…"}</p>
      <h2>Waiting ({snapshot?.waiting.length ?? 0})</h2>
      <ol>
        {snapshot?.waiting.map((w) => (
          <li key={w.chatId}>
            {w.position}. {w.name}
          </li>
        ))}
      </ol>
      <p class="muted small">Agents online: {snapshot?.agents.map((a) => `${a.name} (${a.chats.length}/${a.capacity})`).join(", ") || "—"}</p>
      <div class="console-panes">
        {chats.map((c) => (
          <ChatPane key={c.chatId} chatId={c.chatId} name={c.name} onEnded={(id) => setChats((all) => all.filter((x) => x.chatId !== id))} />
        ))}
      </div>
    </div>
  );
}

preactIsland(AgentConsole);
