// What one request of each storefront route costs the store (not a timed test): CPU milliseconds of the serving
// processes (workerd and its Node parent, from /proc) per request, for the steps a shopper walks, cached and
// rendered. CPU per request moves far less with other load on the machine than latency does, and on the local
// runtime's one JavaScript thread it is what decides how many shoppers one process serves (BENCHMARKS.md,
// "Shoppers").
//
//   npm run build && npm run bench:routes -- [--requests 600] [--rounds 2] [--builds base=../main,new=.] [--seeded DIR]
//       [--accept-encoding "gzip, deflate"]
//
// Each build (its scripts/serve.mjs and dist/) serves a copy of the same seeded state (200 products, every
// variant stocked with 1,000,000 units); the builds take turns route by route, round by round, so other load hits
// them alike. Requests go 8 at a time with `Accept-Encoding: gzip, deflate`, as the shopper benchmark's client (Node's
// fetch) sends it, so compressing the answers is counted; `--accept-encoding identity` leaves it out (the
// measurements in BENCHMARKS.md before "Compressed once" were made that way).
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import os, { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { type RunningStore, seedState, serveStore } from "../support/store.ts";
import { serverCpuMs } from "./server-cpu.ts";

const { values: args } = parseArgs({
  options: {
    requests: { type: "string", default: "600" },
    rounds: { type: "string", default: "2" },
    builds: { type: "string", default: "this=." },
    seeded: { type: "string", default: "" },
    port: { type: "string", default: "8817" },
    "accept-encoding": { type: "string", default: "gzip, deflate" },
  },
});
const root = path.resolve(import.meta.dirname, "../..");
const work = mkdtempSync(path.join(tmpdir(), "edge-commerce-bench-routes-"));
const seeded = args.seeded ? path.resolve(args.seeded) : path.join(work, "seeded");
if (!args.seeded) await seedState(seeded, { products: 200, stockEveryVariant: 1_000_000, output: "ignore" });

interface Build {
  name: string;
  store: RunningStore;
  cookie: string;
}
const builds: Build[] = [];
const stop = () => {
  for (const b of builds) b.store.stop();
  rmSync(work, { recursive: true, force: true });
};
process.on("SIGINT", () => {
  stop();
  process.exit(130);
});

const ENCODING = { "accept-encoding": args["accept-encoding"] };
let slug = "";
let sku = "";
for (const [i, pair] of args.builds.split(",").entries()) {
  const [name = `build${i}`, dir = "."] = pair.split("=");
  const persist = path.join(work, `state-${i}`);
  cpSync(seeded, persist, { recursive: true });
  const store = await serveStore({ port: Number(args.port) + i, persist, checkout: path.resolve(root, dir), timeoutMs: 120_000, output: "ignore" });
  if (!slug) {
    const list = (await (await fetch(`${store.baseUrl}/api/products?perPage=1&sort=bestselling`)).json()) as { items: { slug: string }[] };
    slug = list.items[0]?.slug ?? "";
    const detail = (await (await fetch(`${store.baseUrl}/api/products/${slug}`)).json()) as { variants: { sku: string }[] };
    sku = detail.variants[0]?.sku ?? "";
  }
  // A shopper with one line in the cart, for the rendered steps.
  const added = await fetch(`${store.baseUrl}/api/cart/items`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: store.baseUrl },
    body: JSON.stringify({ sku, quantity: 1 }),
  });
  const cookie = (added.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
  builds.push({ name, store, cookie });
}

interface Route {
  name: string;
  path: string;
  init: (b: Build) => RequestInit;
}
const plain = () => ({ headers: ENCODING });
const withCart = (b: Build) => ({ headers: { ...ENCODING, cookie: b.cookie } });
const routes: Route[] = [
  { name: "GET /api/health/live (no I/O)", path: "/api/health/live", init: plain },
  { name: "home page (cached)", path: "/", init: plain },
  { name: "category page (cached)", path: "/c/__category__", init: plain },
  { name: "search API (cached)", path: "/api/products?q=cotton", init: plain },
  { name: "product page (cached)", path: "/p/__slug__", init: plain },
  { name: "product page with a cart (rendered)", path: "/p/__slug__", init: withCart },
  { name: "cart page, 1 line (rendered)", path: "/cart", init: withCart },
  { name: "shipping quote, 1 line", path: "/api/shipping/quote?country=DE", init: withCart },
];
const category = ((await (await fetch(`${builds[0]?.store.baseUrl}/api/products/${slug}`)).json()) as { category: { slug: string } }).category.slug;

async function measure(b: Build, route: Route, n: number): Promise<{ cpu: number; bad: number }> {
  const url = b.store.baseUrl + route.path.replace("__slug__", slug).replace("__category__", category);
  for (let i = 0; i < 20; i++) await (await fetch(url, route.init(b))).arrayBuffer();
  const before = serverCpuMs(b.store.pid);
  let sent = 0;
  let bad = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (sent < n) {
        sent++;
        const res = await fetch(url, route.init(b));
        await res.arrayBuffer();
        if (res.status >= 400) bad++;
      }
    }),
  );
  return { cpu: (serverCpuMs(b.store.pid) - before) / n, bad };
}

const results = new Map<string, number[]>();
let errors = 0;
try {
  for (let round = 1; round <= Number(args.rounds); round++) {
    for (const route of routes) {
      for (const b of builds) {
        const { cpu, bad } = await measure(b, route, Number(args.requests));
        errors += bad;
        const key = `${route.name}\u0000${b.name}`;
        results.set(key, [...(results.get(key) ?? []), cpu]);
      }
    }
  }
} finally {
  stop();
}

const cpus = os.cpus();
console.log(
  `\n${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC · ${cpus.length} × ${cpus[0]?.model.trim() ?? "CPU"} · ${args.requests} requests per route and round, 8 at a time · load average ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")} · ${errors} answers ≥ 400\n`,
);
console.log(`| route | ${builds.map((b) => `${b.name} CPU ms/req (each round)`).join(" | ")} |`);
console.log(`| --- | ${builds.map(() => "---").join(" | ")} |`);
for (const route of routes) {
  const cells = builds.map((b) => (results.get(`${route.name}\u0000${b.name}`) ?? []).map((v) => v.toFixed(2)).join(" / "));
  console.log(`| ${route.name} | ${cells.join(" | ")} |`);
}
