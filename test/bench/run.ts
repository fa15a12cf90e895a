// Load benchmark of the built store on the local runtime (not a timed test).
//
//   npm run build && npm run bench -- [--connections 10,100,1000] [--duration 10] [--persist-to .wrangler/state]
//
// Starts scripts/serve.mjs (one workerd, the same bindings and state as `npm start`)
// on its own port, warms it up, then drives each route with autocannon on 127.0.0.1
// for a bounded time per connection count and prints req/s, p50, p99 and errors.
// The store must have a seeded catalog in --persist-to (npm start or npm run seed).
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { serveStore } from "../support/store.ts";

const { values: args } = parseArgs({
  options: {
    connections: { type: "string", default: "10,100,1000" },
    duration: { type: "string", default: "10" },
    port: { type: "string", default: "8795" },
    "persist-to": { type: "string", default: ".wrangler/state" },
    routes: { type: "string", default: "" },
  },
});

const root = path.resolve(import.meta.dirname, "../..");
const store = await serveStore({ port: Number(args.port), persist: args["persist-to"], output: "ignore" });
const base = store.baseUrl;
const list = (await (await fetch(`${base}/api/products?perPage=50&sort=bestselling`)).json()) as { items: { slug: string }[] };
const slugs = list.items.map((p) => p.slug);
if (!slugs.length) throw new Error(`no products in ${args["persist-to"]}: run npm run seed first`);
let turn = 0;
const nextSlug = () => slugs[turn++ % slugs.length];

interface Route {
  name: string;
  path: () => string;
}
const allRoutes: Route[] = [
  { name: "GET /api/health/live (no I/O)", path: () => "/api/health/live" },
  { name: "GET /api/products", path: () => "/api/products" },
  { name: "GET /api/products/:slug", path: () => `/api/products/${nextSlug()}` },
  { name: "GET /p/:slug (product page)", path: () => `/p/${nextSlug()}` },
];
const routes = args.routes ? allRoutes.filter((r) => args.routes.split(",").some((k) => r.name.includes(k))) : allRoutes;

function load(route: Route, connections: number, duration: number): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: base,
        connections,
        duration,
        timeout: 10,
        requests: [{ method: "GET", setupRequest: (req) => ({ ...req, path: route.path() }) }],
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
  });
}

const rows: Record<string, string | number>[] = [];
for (const route of routes) {
  await load(route, 10, 2); // warm the isolate's caches and JIT
  for (const connections of args.connections.split(",").map(Number)) {
    const r = await load(route, connections, Number(args.duration));
    const row = {
      route: route.name,
      connections,
      "req/s": Math.round(r.requests.average),
      "p50 ms": r.latency.p50,
      "p99 ms": r.latency.p99,
      errors: r.errors + r.timeouts,
      non2xx: r.non2xx,
    };
    rows.push(row);
    console.log(JSON.stringify(row));
  }
}

const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
const header = "| route | connections | req/s | p50 ms | p99 ms | errors | non-2xx |\n| --- | --- | --- | --- | --- | --- | --- |";
const table = rows.map((r) => `| ${r.route} | ${r.connections} | ${r["req/s"]} | ${r["p50 ms"]} | ${r["p99 ms"]} | ${r.errors} | ${r.non2xx} |`).join("\n");
console.log(`\n${new Date().toISOString().slice(0, 10)} · ${machine} · ${args.duration} s per run\n\n${header}\n${table}`);
mkdirSync(path.join(root, "test/bench/results"), { recursive: true });
writeFileSync(path.join(root, `test/bench/results/catalog-${Date.now()}.json`), JSON.stringify({ machine, date: new Date().toISOString(), rows }, null, 2));
store.stop();
process.exit(0);
