import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { InboxFrame, ServerFrame as RoomFrame } from "../../durable-objects/chat-protocol";

type ServerFrame = RoomFrame | InboxFrame;
import { call, json } from "../support/http";
import { type Caller, send, signIn } from "../support/staff";

/** A client socket with every frame it received, in order. */
interface Client {
  ws: WebSocket;
  frames: ServerFrame[];
  /** Resolves with the first frame (received so far or later) matching `match`. */
  next<T extends ServerFrame["type"]>(type: T, match?: (f: Extract<ServerFrame, { type: T }>) => boolean): Promise<Extract<ServerFrame, { type: T }>>;
  messages(): { seq: number; body: string; role: string }[];
  closed: Promise<number>;
}

function wrap(ws: WebSocket): Client {
  const frames: ServerFrame[] = [];
  const waiters: (() => void)[] = [];
  let closedResolve: (code: number) => void = () => {};
  const closed = new Promise<number>((r) => {
    closedResolve = r;
  });
  ws.addEventListener("message", (e) => {
    frames.push(JSON.parse(e.data as string) as ServerFrame);
    for (const w of waiters.splice(0)) w();
  });
  ws.addEventListener("close", (e) => closedResolve(e.code));
  ws.accept();
  const client: Client = {
    ws,
    frames,
    closed,
    async next(type, match) {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const found = frames.find((f) => f.type === type && (!match || match(f as never)));
        if (found) return found as never;
        if (Date.now() > deadline) throw new Error(`no ${type} frame; got ${JSON.stringify(frames)}`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 200);
        });
      }
    },
    messages: () => frames.flatMap((f) => (f.type === "message" ? [{ seq: f.message.seq, body: f.message.body, role: f.message.role }] : [])),
  };
  return client;
}

const ORIGIN = { Origin: "http://store.test" };

async function connect(path: string, headers: Record<string, string>): Promise<Client> {
  const res = await call(path, { headers: { Upgrade: "websocket", ...ORIGIN, ...headers } });
  if (res.status !== 101 || !res.webSocket) throw new Error(`upgrade ${path}: ${res.status} ${await res.text()}`);
  return wrap(res.webSocket);
}

const say = (c: Client, clientId: string, body: string) => c.ws.send(JSON.stringify({ type: "send", clientId, body }));

let shopper: Caller;
let stranger: Caller;
let agentA: Caller;
let agentB: Caller;
beforeAll(async () => {
  [shopper, stranger, agentA, agentB] = await Promise.all([signIn("customer"), signIn("customer"), signIn("support"), signIn("admin")]);
}, 60_000);

// The inbox is one object for the whole store: each test ends its chats and waits for its consoles to go offline.
afterEach(async () => {
  const open = await env.DB.prepare("SELECT id FROM support_chats WHERE status <> 'ended'").all<{ id: string }>();
  for (const { id } of open.results) await send(`/api/support/chats/${id}/end?as=agent`, "POST", agentB.headers);
  await expect
    .poll(
      async () => {
        const s = await json(await send("/api/admin/support/inbox", "GET", agentB.headers));
        return s.agents.length + s.waiting.length;
      },
      { timeout: 10_000 },
    )
    .toBe(0);
});

async function startChat(who: Record<string, string> = shopper.headers, body: unknown = {}) {
  const res = await send("/api/support/chats", "POST", who, body);
  expect(res.status).toBe(201);
  return json(res) as Promise<{ id: string; token: string | null; socketPath: string }>;
}

describe("ChatRoom protocol through the Worker", () => {
  it("assigns the chat to the online agent; both sides get every message once, in sequence order", async () => {
    const console = await connect("/api/admin/support/inbox", agentA.headers);
    await console.next("inbox");
    const chat = await startChat();
    await console.next("assigned", (f) => f.chatId === chat.id);

    const customer = await connect(chat.socketPath, shopper.headers);
    const agent = await connect(`${chat.socketPath}?as=agent`, agentA.headers);
    await agent.next("synced");
    for (let i = 1; i <= 5; i++) say(customer, `c${i}`, `hello ${i}`);
    await agent.next("message", (f) => f.message.body === "hello 5");
    say(agent, "a1", "Hi, how can I help?");
    await customer.next("message", (f) => f.message.body === "Hi, how can I help?");

    const seen = agent.messages();
    expect(seen.map((m) => m.body)).toEqual(["hello 1", "hello 2", "hello 3", "hello 4", "hello 5", "Hi, how can I help?"]);
    expect(seen.map((m) => m.seq)).toEqual([...seen.map((m) => m.seq)].sort((a, b) => a - b));
    expect(new Set(seen.map((m) => m.seq)).size).toBe(seen.length);

    // Typing, read receipts and presence reach the other side.
    customer.ws.send(JSON.stringify({ type: "typing", on: true }));
    await agent.next("typing", (f) => f.role === "customer" && f.on);
    agent.ws.send(JSON.stringify({ type: "read", seq: seen.at(-2)?.seq }));
    await customer.next("read", (f) => f.role === "agent" && f.seq === seen.at(-2)?.seq);
    expect((await customer.next("hello")).presence.customer).toBe(true);
    console.ws.close();
    customer.ws.close();
    agent.ws.close();
  });

  it("resumes after a reconnect from the last seen seq: nothing lost, nothing twice; a re-sent clientId stores nothing", async () => {
    const console = await connect("/api/admin/support/inbox", agentA.headers);
    const chat = await startChat();
    await console.next("assigned", (f) => f.chatId === chat.id);
    const customer = await connect(chat.socketPath, shopper.headers);
    const agent = await connect(`${chat.socketPath}?as=agent`, agentA.headers);
    say(customer, "m1", "one");
    say(customer, "m2", "two");
    const two = await customer.next("message", (f) => f.message.body === "two");
    customer.ws.close();
    await customer.closed;

    say(agent, "a1", "three");
    say(agent, "a2", "four");
    await agent.next("message", (f) => f.message.body === "four");

    const back = await connect(`${chat.socketPath}?after=${two.message.seq}`, shopper.headers);
    await back.next("synced");
    expect(back.messages().map((m) => m.body)).toEqual(["three", "four"]);
    // The widget re-sends what it never saw acknowledged: same clientId, same message, no new one.
    say(back, "m2", "two");
    const again = await back.next("message", (f) => f.message.body === "two");
    expect(again.message.seq).toBe(two.message.seq);
    say(back, "m3", "five");
    await agent.next("message", (f) => f.message.body === "five");
    expect(agent.messages().filter((m) => m.body === "two")).toHaveLength(1);
    console.ws.close();
    back.ws.close();
    agent.ws.close();
  });

  it("hibernates and wakes: sockets and who they are survive the object being evicted", async () => {
    const console = await connect("/api/admin/support/inbox", agentA.headers);
    const chat = await startChat();
    await console.next("assigned", (f) => f.chatId === chat.id);
    const customer = await connect(chat.socketPath, shopper.headers);
    const agent = await connect(`${chat.socketPath}?as=agent`, agentA.headers);
    say(customer, "before", "before sleep");
    const before = await agent.next("message", (f) => f.message.body === "before sleep");

    await evictDurableObject(env.CHAT_ROOM.getByName(chat.id));

    say(customer, "after", "after wake");
    const after = await agent.next("message", (f) => f.message.body === "after wake");
    expect(after.message.seq).toBe(before.message.seq + 1);
    expect(after.message.role).toBe("customer");
    expect(after.message.name).toBe(before.message.name);
    console.ws.close();
    customer.ws.close();
    agent.ws.close();
  });

  it("refuses a second shopper, an unassigned agent, another site's page, and no credentials", async () => {
    const chat = await startChat();
    const refused = async (path: string, headers: Record<string, string>) => (await call(path, { headers: { Upgrade: "websocket", ...headers } })).status;
    expect(await refused(chat.socketPath, { ...ORIGIN, ...stranger.headers })).toBe(404);
    expect(await refused(chat.socketPath, ORIGIN)).toBe(401);
    expect(await refused(chat.socketPath, { Origin: "https://evil.example", ...shopper.headers })).toBe(403);
    expect(await refused(`${chat.socketPath}?as=agent`, { ...ORIGIN, ...agentB.headers })).toBe(403);
    expect(await refused(`${chat.socketPath}?as=agent`, { ...ORIGIN, ...stranger.headers })).toBe(403);

    // A guest's token opens only its own chat.
    const guest = await startChat({}, { email: "guest@example.test", name: "Gail" });
    expect(guest.token).toMatch(/^[0-9a-f]{40}$/);
    expect(await refused(`${guest.socketPath}?token=${guest.token}`, ORIGIN)).toBe(101);
    expect(await refused(`${chat.socketPath}?token=${guest.token}`, ORIGIN)).toBe(404);
  });

  it("limits frame size and message rate", async () => {
    const chat = await startChat();
    const customer = await connect(chat.socketPath, shopper.headers);
    customer.ws.send(JSON.stringify({ type: "send", clientId: "big", body: "x".repeat(5000) }));
    await customer.next("error", (f) => f.code === "too_large");
    for (let i = 0; i < 12; i++) say(customer, `r${i}`, `msg ${i}`);
    await customer.next("error", (f) => f.code === "rate_limited");
    customer.ws.close();
  });
});

describe("SupportInbox assignment", () => {
  it("reassigns an agent's chats when their console drops; the old agent can no longer join", async () => {
    const a = await connect("/api/admin/support/inbox?capacity=1", agentA.headers);
    await a.next("inbox");
    const chat = await startChat();
    await a.next("assigned", (f) => f.chatId === chat.id);
    // A second chat waits: agent A is at capacity and nobody else is online.
    const waiting = await startChat();
    const customer2 = await connect(waiting.socketPath, shopper.headers);
    const snapshot = await json(await send("/api/admin/support/inbox", "GET", agentA.headers));
    expect(snapshot.waiting.map((w: { chatId: string }) => w.chatId)).toContain(waiting.id);

    const b = await connect("/api/admin/support/inbox?capacity=1", agentB.headers);
    await b.next("assigned", (f) => f.chatId === waiting.id);
    await customer2.next("queue", (f) => f.position === 0 && f.agentName !== null);

    const customer = await connect(chat.socketPath, shopper.headers);
    a.ws.close();
    await a.closed;
    // B is full, so A's chat goes back to the front of the line and the shopper is told.
    await customer.next("queue", (f) => f.position === 1 && f.agentName === null);
    // When B ends their chat, A's old chat is next.
    expect((await send(`/api/support/chats/${waiting.id}/end?as=agent`, "POST", agentB.headers)).status).toBe(200);
    await b.next("assigned", (f) => f.chatId === chat.id);
    expect((await call(`${chat.socketPath}?as=agent`, { headers: { Upgrade: "websocket", ...ORIGIN, ...agentA.headers } })).status).toBe(403);
    const joined = await connect(`${chat.socketPath}?as=agent`, agentB.headers);
    await joined.next("synced");
    b.ws.close();
    joined.ws.close();
    customer.ws.close();
    customer2.ws.close();
  });

  it("with no agent online the shopper is told; leaving saves the transcript to a ticket, once", async () => {
    const chat = await startChat();
    const customer = await connect(chat.socketPath, shopper.headers);
    await customer.next("message", (f) => f.message.role === "system");
    say(customer, "q1", "Do you have the blue one?");
    await customer.next("message", (f) => f.message.body === "Do you have the blue one?");
    const ended = await json(await send(`/api/support/chats/${chat.id}/end`, "POST", shopper.headers));
    expect(ended.reference).toMatch(/^T-\d+$/);
    expect((await customer.next("ended")).ticketReference).toBe(ended.reference);
    const again = await json(await send(`/api/support/chats/${chat.id}/end`, "POST", shopper.headers));
    expect(again.ticketId).toBe(ended.ticketId);
    const ticket = await json(await send(`/api/support/tickets/${ended.ticketId}`, "GET", shopper.headers));
    expect(ticket.channel).toBe("chat");
    expect(ticket.messages.filter((m: { body: string }) => m.body === "Do you have the blue one?")).toHaveLength(1);
  });
});
