import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { sweepAbandonedChats } from "../../worker/support";
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
let agent: Caller;
beforeAll(async () => {
  [shopper, agent] = await Promise.all([signIn("customer"), signIn("support")]);
}, 60_000);

async function startChat() {
  const res = await send("/api/support/chats", "POST", shopper.headers, {});
  expect(res.status).toBe(201);
  return json(res) as Promise<{ id: string; token: string | null; socketPath: string }>;
}

const ticketOf = (chatId: string) =>
  env.DB.prepare(
    `SELECT t.id, t.first_responded_at AS firstRespondedAt, c.status AS chatStatus,
       (SELECT count(*) FROM support_messages m WHERE m.ticket_id = t.id) AS messages
     FROM support_chats c LEFT JOIN support_tickets t ON t.id = c.ticket_id WHERE c.id = ?`,
  )
    .bind(chatId)
    .first<{ id: string | null; firstRespondedAt: string | null; chatStatus: string; messages: number }>();

describe("sweepAbandonedChats and the chat's first response", () => {
  it("ends a chat whose shopper left, saves the transcript to a ticket stamped with the agent's first reply; a second sweep does nothing", async () => {
    const console = await connect("/api/admin/support/inbox", agent.headers);
    await console.next("inbox");
    const chat = await startChat();
    await console.next("assigned", (f) => f.chatId === chat.id);
    const customer = await connect(chat.socketPath, shopper.headers);
    const agentSocket = await connect(`${chat.socketPath}?as=agent`, agent.headers);
    await agentSocket.next("synced");
    say(customer, "c1", "Where is my parcel?");
    await agentSocket.next("message", (f) => f.message.body === "Where is my parcel?");
    say(agentSocket, "a1", "Let me check for you.");
    const reply = await customer.next("message", (f) => f.message.body === "Let me check for you.");
    say(agentSocket, "a2", "It left the warehouse today.");
    await customer.next("message", (f) => f.message.body === "It left the warehouse today.");

    // While the shopper is still connected the sweep leaves the chat alone, however old it is.
    expect(await sweepAbandonedChats(env, 0, Date.now() + 60_000)).toBe(0);
    expect((await ticketOf(chat.id))?.chatStatus).not.toBe("ended");

    customer.ws.close();
    await customer.closed;
    await expect.poll(async () => (await env.CHAT_ROOM.getByName(chat.id).transcript(Number.MAX_SAFE_INTEGER)).customerOnline).toBe(false);
    // Not old enough yet: the default idle time has not passed.
    expect(await sweepAbandonedChats(env)).toBe(0);
    expect(await sweepAbandonedChats(env, 0, Date.now() + 60_000)).toBe(1);
    const saved = await ticketOf(chat.id);
    expect(saved).toMatchObject({ chatStatus: "ended", firstRespondedAt: reply.message.at });
    expect(saved?.messages).toBeGreaterThanOrEqual(3);
    expect(saved?.id).toBeTruthy();

    // Swept again: nothing more ended, nothing saved twice, the first response keeps its time.
    expect(await sweepAbandonedChats(env, 0, Date.now() + 60_000)).toBe(0);
    expect(await ticketOf(chat.id)).toEqual(saved);
    const listed = await json(await send(`/api/admin/support/tickets/${saved?.id}`, "GET", agent.headers));
    expect(listed.ticket?.firstRespondedAt ?? listed.firstRespondedAt).toBe(reply.message.at);
    console.ws.close();
    agentSocket.ws.close();
  });

  it("a chat with no agent reply leaves the ticket's first response open (the SLA timer keeps running)", async () => {
    const chat = await startChat();
    const customer = await connect(chat.socketPath, shopper.headers);
    say(customer, "c1", "Hello? Anyone?");
    await customer.next("message", (f) => f.message.body === "Hello? Anyone?");
    customer.ws.close();
    await customer.closed;
    await expect.poll(async () => (await env.CHAT_ROOM.getByName(chat.id).transcript(Number.MAX_SAFE_INTEGER)).customerOnline).toBe(false);
    expect(await sweepAbandonedChats(env, 0, Date.now() + 60_000)).toBe(1);
    const saved = await ticketOf(chat.id);
    expect(saved).toMatchObject({ chatStatus: "ended", firstRespondedAt: null });
    expect(saved?.messages).toBeGreaterThanOrEqual(1);
  });
});
