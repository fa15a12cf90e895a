// The ChatRoom Durable Object alone behind a bare Worker, for the chat fan-out benchmark (test/bench/chat.ts).
// No auth, no D1: the benchmark measures the room, not the front door. Never deployed.
import { ChatRoom } from "../../durable-objects/chat-room";

export { ChatRoom };

export default {
  async fetch(request: Request, env: { CHAT_ROOM: DurableObjectNamespace<ChatRoom> }): Promise<Response> {
    const url = new URL(request.url);
    const [, kind, room, who] = url.pathname.split("/");
    if (!room) return new Response("room?", { status: 400 });
    const stub = env.CHAT_ROOM.getByName(room);
    if (kind === "init") {
      await stub.init(room, "user:bench");
      return new Response("ok");
    }
    return stub.fetch(
      new Request(`https://room/${room}?after=0`, {
        headers: { Upgrade: "websocket", "X-Chat-Role": "customer", "X-Chat-Id": "user:bench", "X-Chat-Name": who ?? "b" },
      }),
    );
  },
};
