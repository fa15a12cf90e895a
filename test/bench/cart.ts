// Cart-write benchmark (not a timed test): `POST /api/cart/items` from many shoppers at once,
// against the built Worker on its own port and a private, seeded state folder (every variant
// stocked with 1,000,000 units, so the run measures the path, not running out of stock).
//
//   npm run build && npm run bench:cart -- [--connections 100] [--duration 10] [--items 6] [--serve-root DIR]
//
// Each autocannon connection is one shopper at a time: its first add has no cookie and starts a
// guest cart (the answer's Set-Cookie is kept), the next `--items - 1` adds go to that cart (a
// random best-selling SKU, 1 or 2 units, so a SKU already in the cart is sometimes added again);
// then the connection starts over as a new shopper with a new cart. Every request is an add; the
// answer is the whole priced cart, as the store's islands use it.
//
// `--serve-root` serves another checkout's build (its scripts/serve.mjs and dist/) against the same
// seeded data, to compare two builds in one window: run old, new, old, new.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os, { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import autocannon from "autocannon";

const { values: args } = parseArgs({
  options: {
    connections: { type: "string", default: "100" },
    duration: { type: "string", default: "10" },
    items: { type: "string", default: "6" },
    port: { type: "string", default: "8797" },
    "serve-root": { type: "string", default: "" },
    // Also measure the no-I/O route in the same window, as the floor of what this machine serves.
    floor: { type: "boolean", default: false },
  },
});
const root = path.resolve(import.meta.dirname, "../..");
const serveRoot = args["serve-root"] ? path.resolve(args["serve-root"]) : root;
const persist = mkdtempSync(path.join(tmpdir(), "edge-commerce-bench-cart-"));
const run = (cmd: string[]) => {
  const r = spawnSync(process.execPath, cmd, { cwd: root, stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, WRANGLER_SEND_METRICS: "false" } });
  if (r.status !== 0) throw new Error(`${cmd.join(" ")} failed`);
};
run([path.join(root, "scripts/seed/run.ts"), "--persist-to", persist, "--products", "200"]);
run([
  path.join(root, "node_modules/wrangler/bin/wrangler.js"),
  "d1",
  "execute",
  "DB",
  "--local",
  "--persist-to",
  persist,
  "--command",
  "update product_variants set stock_available = 1000000",
]);
const server = spawn(process.execPath, [path.join(serveRoot, "scripts/serve.mjs"), "--port", args.port, "--persist-to", persist, "--quiet"], {
  cwd: serveRoot,
  detached: true,
  stdio: ["ignore", "ignore", "inherit"],
  env: { ...process.env, LOG_REQUESTS: "off" },
});
const stop = () => {
  try {
    if (server.pid) process.kill(-server.pid, "SIGTERM");
  } catch {}
  rmSync(persist, { recursive: true, force: true });
};
process.on("exit", stop);
process.on("SIGINT", () => process.exit(130));

const base = `http://127.0.0.1:${args.port}`;
for (let i = 0; ; i++) {
  try {
    if ((await fetch(`${base}/api/health`)).ok) break;
  } catch {}
  if (i > 300) throw new Error("store did not start");
  await new Promise((r) => setTimeout(r, 200));
}

const list = (await (await fetch(`${base}/api/products?perPage=40&sort=bestselling`)).json()) as { items: { slug: string }[] };
const skus: string[] = [];
for (const { slug } of list.items) {
  const detail = (await (await fetch(`${base}/api/products/${slug}`)).json()) as { variants: { sku: string }[] };
  for (const v of detail.variants.slice(0, 2)) skus.push(v.sku);
}
if (!skus.length) throw new Error("no SKUs in the seeded catalog");

type Shopper = { cookie?: string };
const itemsPerCart = Math.max(1, Number(args.items));
const add: autocannon.Request = {
  method: "POST",
  path: "/api/cart/items",
  setupRequest: (req, context: Shopper) => ({
    ...req,
    headers: {
      "content-type": "application/json",
      origin: base,
      ...(context.cookie ? { cookie: context.cookie } : {}),
    },
    body: JSON.stringify({ sku: skus[Math.floor(Math.random() * skus.length)], quantity: 1 + Math.floor(Math.random() * 2) }),
  }),
  onResponse: (_status, _body, context: Shopper, headers) => {
    const set = headers?.["set-cookie"];
    const first = Array.isArray(set) ? set[0] : set;
    if (first && !context.cookie) context.cookie = String(first).split(";")[0];
  },
};

function load(requests: autocannon.Request[], connections: number, duration: number): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon({ url: base, connections, duration, timeout: 10, requests }, (err, result) => (err ? reject(err) : resolve(result)));
  });
}

const connections = Number(args.connections);
const duration = Number(args.duration);
await load(Array(itemsPerCart).fill(add), 10, 2); // warm up
const rows: string[] = [];
const row = (name: string, r: autocannon.Result) =>
  `| ${name} | ${connections} | ${Math.round(r.requests.average)} | ${r.latency.p50} | ${r.latency.p99} | ${r.errors + r.timeouts} | ${r.non2xx} |`;
if (args.floor) rows.push(row("GET /api/health/live (no I/O)", await load([{ method: "GET", path: "/api/health/live" }], connections, duration)));
rows.push(row(`POST /api/cart/items (${itemsPerCart} adds per cart)`, await load(Array(itemsPerCart).fill(add), connections, duration)));

console.log(
  `\n${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC · ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"} · ${duration} s · served from ${path.relative(root, serveRoot) || "."}\n`,
);
console.log("| route | connections | req/s | p50 ms | p99 ms | errors | non-2xx |\n| --- | --- | --- | --- | --- | --- | --- |");
console.log(rows.join("\n"));
stop();
process.exit(0);
