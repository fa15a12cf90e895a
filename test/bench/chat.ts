// Live-chat fan-out benchmark: 1,000 WebSockets across 100 rooms (10 each), then 1,000 in one room.
// Each round one socket per room sends a message stamped with the send time; every other socket of the room
// records how long it took to arrive. Reports p50/p99 delivery latency and the workerd processes' memory.
//
//   node test/bench/chat.ts [--port 9540] [--rounds 10]
//
// Runs `wrangler dev` on test/bench/chat-wrangler.toml (the ChatRoom object alone, no auth or D1), bound to
// 127.0.0.1, in its own process group, and stops it at the end. Numbers are indicative: the client and the
// server share the machine.
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";

const { values: args } = parseArgs({
  options: { port: { type: "string", default: process.env.CHAT_BENCH_PORT ?? "9540" }, rounds: { type: "string", default: "10" } },
});
const port = Number(args.port);
const rounds = Number(args.rounds);
const root = path.resolve(import.meta.dirname, "../..");
const base = `127.0.0.1:${port}`;

function startServer() {
  const child = spawn(
    process.execPath,
    [
      path.join(root, "node_modules/wrangler/bin/wrangler.js"),
      "dev",
      "-c",
      "test/bench/chat-wrangler.toml",
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--persist-to",
      path.join(root, ".wrangler/chat-bench"),
    ],
    {
      cwd: root,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
    },
  );
  child.stdout.on("data", () => {});
  child.stderr.on("data", () => {});
  return child;
}

async function waitReady() {
  for (let i = 0; i < 120; i++) {
    try {
      if ((await fetch(`http://${base}/init/warmup`)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error("bench server did not start");
}

/** Resident memory (MiB) of every workerd process in the server's process group. */
function workerdRssMiB(pgid: number): number {
  let kib = 0;
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) !== pgid) continue;
      if (!readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("workerd")) continue;
      const rss = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
      kib += Number(rss?.[1] ?? 0);
    } catch {}
  }
  return Math.round(kib / 1024);
}

interface Sock {
  ws: WebSocket;
  room: string;
}

async function connectAll(rooms: number, perRoom: number, latencies: number[], tag: string): Promise<Sock[]> {
  const socks: Sock[] = [];
  for (let r = 0; r < rooms; r++) {
    const room = `${tag}-${r}`;
    await fetch(`http://${base}/init/${room}`);
    const batch: Promise<Sock>[] = [];
    for (let s = 0; s < perRoom; s++) {
      batch.push(
        new Promise((resolve, reject) => {
          const ws = new WebSocket(`ws://${base}/ws/${room}/s${s}`);
          ws.addEventListener("open", () => resolve({ ws, room }));
          ws.addEventListener("error", () => reject(new Error(`socket ${room}/${s} failed`)));
          ws.addEventListener("message", (e) => {
            const frame = JSON.parse(String(e.data));
            if (frame.type !== "message") return;
            const [sender, sentAt] = frame.message.body.split("@");
            if (sender !== `s${s}`) latencies.push(performance.timeOrigin + performance.now() - Number(sentAt));
          });
        }),
      );
      // Connect in small waves so the handshakes themselves are not the measurement.
      if (batch.length === 50) socks.push(...(await Promise.all(batch.splice(0))));
    }
    socks.push(...(await Promise.all(batch)));
  }
  return socks;
}

function pct(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0);
}

async function scenario(name: string, rooms: number, perRoom: number, pgid: number) {
  const latencies: number[] = [];
  const before = workerdRssMiB(pgid);
  const socks = await connectAll(rooms, perRoom, latencies, name);
  const connected = workerdRssMiB(pgid);
  const senders = new Map<string, Sock>();
  for (const s of socks) if (!senders.has(s.room)) senders.set(s.room, s);
  const expected = rooms * (perRoom - 1) * rounds;
  for (let round = 0; round < rounds; round++) {
    for (const sender of senders.values())
      sender.ws.send(JSON.stringify({ type: "send", clientId: `r${round}`, body: `s0@${performance.timeOrigin + performance.now()}` }));
    // One message per room per round, spaced so a round's fan-out is measured rather than queued behind the next.
    const target = rooms * (perRoom - 1) * (round + 1);
    for (let i = 0; i < 200 && latencies.length < target; i++) await new Promise((r) => setTimeout(r, 25));
  }
  const result = {
    scenario: name,
    sockets: socks.length,
    rooms,
    deliveries: `${latencies.length}/${expected}`,
    p50ms: pct(latencies, 50),
    p99ms: pct(latencies, 99),
    maxms: pct(latencies, 100),
    workerdRssMiB: { before, connected, perSocketKiB: Math.round(((connected - before) * 1024) / socks.length) },
  };
  for (const s of socks) s.ws.close();
  await new Promise((r) => setTimeout(r, 1000));
  return result;
}

const server = startServer();
try {
  await waitReady();
  const pgid = server.pid as number;
  console.log(JSON.stringify(await scenario("spread", 100, 10, pgid)));
  console.log(JSON.stringify(await scenario("one-room", 1, 1000, pgid)));
} finally {
  try {
    process.kill(-(server.pid as number), "SIGTERM");
  } catch {}
}
