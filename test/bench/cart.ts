// Cart-write benchmark (not a timed test): `POST /api/cart/items` from many shoppers at once,
// against the built Worker on its own port and a private, seeded state folder (every variant
// stocked with 1,000,000 units, so the run measures the path, not running out of stock).
//
//   npm run build && npm run bench:cart -- [--connections 100] [--duration 30] [--items 6] [--floor]
//                                          [--builds old=../main,new=.] [--rounds 2] [--seeded DIR]
//                                          [--trace] [--state-in DIR] [--port 8797]
//
// Every connection's first add goes at the same moment, so a run starts with one new cart per connection at once
// (100 at 100 connections). In a 10 s run those are ~1 % of the adds, so its p99 is that start; the default of 30 s
// gives the steady state (BENCHMARKS.md, "Cart writes on disk over 30 s").
//
// With the state on disk, every new cart creates files. On a disk whose ext4 has no journal (this project's
// standard machine) that is slower for ~5 minutes after files were removed, such as another run's state folder:
// leave that long between runs on disk, or compare in memory (BENCHMARKS.md, "Serving without Miniflare's entry
// worker and assets router").
//
// Each autocannon connection is one shopper at a time: its first add has no cookie and starts a
// guest cart (the answer's Set-Cookie is kept), the next `--items - 1` adds go to that cart (a
// random best-selling SKU, 1 or 2 units, so a SKU already in the cart is sometimes added again);
// then the connection starts over as a new shopper with a new cart. Every request is an add; the
// answer is the whole priced cart, as the store's islands use it.
//
// `--builds` serves other checkouts' builds (their scripts/serve.mjs and dist/) against copies of the
// same seeded data, each on its own port, and runs them in turn (old, new, old, new with --rounds 2),
// so whatever else loads the machine hits every build alike.
//
// `--trace` drives the same shoppers with a lighter client of our own (cart-trace.ts) against a store
// serving `Server-Timing` phase timings (LOG_REQUESTS=timings), and prints where the slowest 1 % of
// adds spent their time. `--state-in` puts the served state folders elsewhere (e.g. /dev/shm, to see
// what the local Durable Object files' fsync calls cost).
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import os, { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { type RunningStore, seedState, serveStore } from "../support/store.ts";
import { describeTrace, traceShoppers } from "./cart-trace.ts";
import { serverCpuMs } from "./server-cpu.ts";

const { values: args } = parseArgs({
  options: {
    connections: { type: "string", default: "100" },
    duration: { type: "string", default: "30" },
    items: { type: "string", default: "6" },
    port: { type: "string", default: "8797" },
    // name=dir,name=dir: serve each checkout's build (its scripts/serve.mjs and dist/) on its own port
    // and state copy, and run them in turn, `--rounds` times (old, new, old, new…).
    builds: { type: "string", default: "this=." },
    rounds: { type: "string", default: "1" },
    // A folder already seeded by this script's steps, to skip seeding (it is copied, never written).
    seeded: { type: "string", default: "" },
    // Also measure the no-I/O route in the same window, as the floor of what this machine serves.
    floor: { type: "boolean", default: false },
    trace: { type: "boolean", default: false },
    // Carts of 1 to 2 × items − 1 adds (same mean) instead of exactly --items, so the shoppers do not
    // all start a cart at the same moment (see BENCHMARKS.md "Cart writes: the tail").
    "random-sizes": { type: "boolean", default: false },
    "state-in": { type: "string", default: "" },
  },
});
const root = path.resolve(import.meta.dirname, "../..");
const work = mkdtempSync(path.join(tmpdir(), "edge-commerce-bench-cart-"));
let seeded = args.seeded ? path.resolve(args.seeded) : "";
if (!seeded) {
  seeded = path.join(work, "seeded");
  await seedState(seeded, { products: 200, stockEveryVariant: 1_000_000, output: "ignore" });
}

interface Build {
  name: string;
  base: string;
  pid: number;
}
// Started one after another: each answers before the next starts, so a slow start is not blamed on the wrong build.
const stores: RunningStore[] = [];
const builds: Build[] = [];
for (const [i, pair] of args.builds.split(",").entries()) {
  const [name = `build${i}`, dir = "."] = pair.split("=");
  const persist = path.join(args["state-in"] ? mkdtempSync(path.join(args["state-in"], "edge-commerce-bench-cart-")) : work, `state-${i}`);
  cpSync(seeded, persist, { recursive: true });
  const vars = args.trace ? { LOG_REQUESTS: "timings" } : undefined;
  const store = await serveStore({ port: Number(args.port) + i, persist, vars, checkout: path.resolve(root, dir), timeoutMs: 120_000, output: "ignore" });
  stores.push(store);
  builds.push({ name, base: store.baseUrl, pid: store.pid });
}
const stop = () => {
  for (const store of stores) {
    store.stop();
    if (args["state-in"]) rmSync(path.dirname(store.persist), { recursive: true, force: true });
  }
  rmSync(work, { recursive: true, force: true });
};
process.on("exit", stop);

const first = builds[0] as Build;
const list = (await (await fetch(`${first.base}/api/products?perPage=40&sort=bestselling`)).json()) as { items: { slug: string }[] };
const skus: string[] = [];
for (const { slug } of list.items) {
  const detail = (await (await fetch(`${first.base}/api/products/${slug}`)).json()) as { variants: { sku: string }[] };
  for (const v of detail.variants.slice(0, 2)) skus.push(v.sku);
}
if (!skus.length) throw new Error("no SKUs in the seeded catalog");

type Shopper = { cookie?: string; size?: number; sent?: number };
const itemsPerCart = Math.max(1, Number(args.items));
function shopper(base: string): autocannon.Request[] {
  const add: autocannon.Request = {
    method: "POST",
    path: "/api/cart/items",
    setupRequest: (req, context: Shopper) => {
      if (args["random-sizes"]) {
        context.size ??= 1 + Math.floor(Math.random() * (2 * itemsPerCart - 1));
        context.sent = (context.sent ?? 0) + 1;
        // No request: autocannon starts over at the first one, as a new shopper.
        if (context.sent > context.size) return null as unknown as autocannon.Request;
      }
      return {
        ...req,
        headers: {
          "content-type": "application/json",
          origin: base,
          ...(context.cookie ? { cookie: context.cookie } : {}),
        },
        body: JSON.stringify({ sku: skus[Math.floor(Math.random() * skus.length)], quantity: 1 + Math.floor(Math.random() * 2) }),
      };
    },
    onResponse: (_status, _body, context: Shopper, headers) => {
      // autocannon keeps the server's header case (`Set-Cookie`).
      const set = Object.entries(headers ?? {}).find(([name]) => name.toLowerCase() === "set-cookie")?.[1];
      const cookie = Array.isArray(set) ? set[0] : set;
      if (cookie && !context.cookie) context.cookie = String(cookie).split(";")[0];
    },
  };
  // autocannon resets the context when it loops back to the first request: a new shopper.
  return Array(args["random-sizes"] ? 2 * itemsPerCart - 1 : itemsPerCart).fill(add);
}

function load(base: string, requests: autocannon.Request[], connections: number, duration: number): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon({ url: base, connections, duration, timeout: 10, requests }, (err, result) => (err ? reject(err) : resolve(result)));
  });
}

async function measure(b: Build, requests: autocannon.Request[]) {
  const cpuBefore = serverCpuMs(b.pid);
  const result = await load(b.base, requests, connections, duration);
  const cpuPerRequest = result.requests.total ? (serverCpuMs(b.pid) - cpuBefore) / result.requests.total : 0;
  return { result, cpuPerRequest };
}

const connections = Number(args.connections);
const duration = Number(args.duration);
for (const b of builds) await load(b.base, shopper(b.base), 10, 3); // warm up
if (args.trace) {
  for (let round = 1; round <= Number(args.rounds); round++) {
    for (const b of builds) {
      const cpuBefore = serverCpuMs(b.pid);
      const samples = await traceShoppers(b.base, skus, connections, duration, itemsPerCart, args["random-sizes"]);
      const cpu = (serverCpuMs(b.pid) - cpuBefore) / Math.max(1, samples.length);
      console.log(`\n${b.name}, round ${round}, ${connections} connections, load average ${os.loadavg()[0]?.toFixed(1)}, server CPU ${cpu.toFixed(2)} ms/add`);
      console.log(describeTrace(samples, duration));
    }
  }
  stop();
  process.exit(0);
}
const rows: string[] = [];
const row = (build: string, round: number, name: string, { result: r, cpuPerRequest }: Awaited<ReturnType<typeof measure>>) =>
  `| ${build} | ${round} | ${name} | ${connections} | ${Math.round(r.requests.average)} | ${r.latency.p50} | ${r.latency.p99} | ${r.errors + r.timeouts} | ${r.non2xx} | ${cpuPerRequest.toFixed(2)} |`;
for (let round = 1; round <= Number(args.rounds); round++) {
  for (const b of builds) {
    if (args.floor) rows.push(row(b.name, round, "GET /api/health/live (no I/O)", await measure(b, [{ method: "GET", path: "/api/health/live" }])));
    rows.push(
      row(
        b.name,
        round,
        `POST /api/cart/items (${args["random-sizes"] ? `1–${2 * itemsPerCart - 1}, mean ${itemsPerCart}` : itemsPerCart} adds per cart)`,
        await measure(b, shopper(b.base)),
      ),
    );
    console.error(rows.at(-1));
  }
}

console.log(
  `\n${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC · ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"} · ${duration} s per run · load average ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")}\n`,
);
console.log(
  "| build | round | route | connections | req/s | p50 ms | p99 ms | errors | non-2xx | server CPU ms/req |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
);
console.log(rows.join("\n"));
stop();
process.exit(0);
