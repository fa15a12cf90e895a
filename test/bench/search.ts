// Search benchmark of the built store on the local runtime (not a timed test).
//
//   npm run build && npm run bench:search -- [--persist-to .wrangler/state] [--requests 200]
//        [--connections 100] [--duration 10] [--types one-word,prefix,...] [--no-load] [--no-plans]
//        [--settle 0] [--fresh 0] [--cpu 0] [--slowest 0]
//
// The store must hold a seeded catalog (`npm run seed -- --products 100000 --reset` for the
// 100,000-product one). For each typical query type this:
//   1. sends --requests requests one at a time and reports p50/p95/p99/max latency;
//   2. drives it at --connections connections for --duration seconds with autocannon;
//   3. prints EXPLAIN QUERY PLAN of every SQL statement one such request runs, flagging any
//      full scan of the search documents or products (read from the database file itself).
//   4. with --fresh N: restarts the store N times and times each fresh isolate's first text search
//      (a broad word, then a narrower one, then a filtered one: each sample its own URL);
//   5. with --cpu N: runs N queries of each type in this process on the database file (the
//      service's own code through a D1 stand-in over node:sqlite, one at a time) and reports the
//      CPU milliseconds each took: a figure that does not depend on what else the machine runs,
//      unlike the wall-clock latencies above.
// --slowest N prints each type's N slowest URLs of the one-at-a-time phase.
// Every request has a URL of its own (other words, filters, page sizes or pages), so the 30 s
// per-isolate memo never answers one: the numbers are D1 work plus the Worker around it. The
// few URLs that come round again (different words can share a prefix) are counted and shown.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { registerHooks } from "node:module";
import os from "node:os";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { serveStore } from "../support/store.ts";

const { values: args } = parseArgs({
  options: {
    "persist-to": { type: "string", default: ".wrangler/state" },
    port: { type: "string", default: "8834" },
    requests: { type: "string", default: "200" },
    connections: { type: "string", default: "100" },
    duration: { type: "string", default: "10" },
    types: { type: "string", default: "" },
    "no-load": { type: "boolean", default: false },
    "no-plans": { type: "boolean", default: false },
    // Seconds to wait after the isolate's first text search, so that the measured runs see the
    // document snapshot loaded (a large catalog's copy loads in the background).
    settle: { type: "string", default: "0" },
    fresh: { type: "string", default: "0" },
    cpu: { type: "string", default: "0" },
    slowest: { type: "string", default: "0" },
  },
});

const root = path.resolve(import.meta.dirname, "../..");
const persistTo = path.resolve(args["persist-to"]);
// Catalog answers also go through the Cache API (worker/lib/response-cache.ts). scripts/serve.mjs
// gives each run a fresh one in memory on Linux; with EDGE_CACHE_ON_DISK=1 the local runtime keeps it
// in this folder across restarts, where a rerun would be answered from an earlier run's copies. It
// holds nothing else, so each server starts without it either way.
const dropEdgeCache = () => rmSync(path.join(persistTo, "v3/cache"), { recursive: true, force: true });
dropEdgeCache();
let store = await serveStore({ port: Number(args.port), persist: persistTo, output: "ignore" });
const base = store.baseUrl;

interface Facet {
  value: string;
  count: number;
}
interface Answer {
  total: number;
  items: Array<{ name: string }>;
  facets: {
    brand: Facet[];
    category: Array<Facet & { depth: number }>;
    price: Array<Facet & { min: number; max: number | null }>;
    attributes: Record<string, Facet[]>;
  };
}
const getJson = async (p: string) => (await (await fetch(`${base}${p}`)).json()) as Answer;

// ---------------------------------------------------------------------------------------------
// Query material from the catalog itself.

const catalog = await getJson("/api/products?perPage=100&sort=bestselling");
if (catalog.total < 1) throw new Error(`no products in ${persistTo}: seed it first`);
// The isolate's first text search (worker/search/service/snapshot.ts): a small catalog's copy is
// loaded by it, a large one's is loaded in the background while D1 answers. Time it, and the same
// kind of search right after (the catalog's browse above does not touch the copy).
const timed = async (p: string) => {
  const started = performance.now();
  await (await fetch(`${base}${p}`)).arrayBuffer();
  return performance.now() - started;
};
const firstWord = (catalog.items[0]?.name ?? "a").split(" ")[0] ?? "a";
const coldIsolate = {
  firstTextSearch: await timed(`/api/products?q=${encodeURIComponent(firstWord)}&perPage=21`),
  next: await timed(`/api/products?q=${encodeURIComponent(firstWord)}&perPage=22`),
};
console.log(`first text search of the isolate: ${coldIsolate.firstTextSearch.toFixed(0)} ms; the same search right after: ${coldIsolate.next.toFixed(1)} ms`);
if (Number(args.settle) > 0) await new Promise((r) => setTimeout(r, Number(args.settle) * 1000));
const names = [
  ...catalog.items,
  ...(await getJson("/api/products?perPage=100&sort=newest")).items,
  ...(await getJson("/api/products?perPage=100&sort=price_asc")).items,
].map((p) => p.name);
const nameWords = names.map((n) =>
  n
    .toLowerCase()
    .split(/[^a-z]+/)
    .filter((w) => w.length >= 4),
);
const words = [...new Set(nameWords.flat())];
const pairs = [...new Set(nameWords.flatMap((w) => w.slice(0, -1).map((x, i) => `${x} ${w[i + 1]}`)))];
// Distinct prefixes (different words share them): four to six letters for searches, like "head"
// for "headphones"; two to six for autocomplete.
const prefixes = [...new Set(words.flatMap((w) => [4, 5, 6].filter((n) => n < w.length).map((n) => w.slice(0, n))))];
const typed = [...new Set(words.flatMap((w) => [2, 3, 4, 5, 6].filter((n) => n <= w.length).map((n) => w.slice(0, n))))];
const leafCategories = catalog.facets.category.filter((c) => c.depth > 0).map((c) => c.value);
const departments = catalog.facets.category.filter((c) => c.depth === 0).map((c) => c.value);
const sorts = ["relevance", "price_asc", "price_desc", "newest", "rating", "bestselling"];
const pick = <T>(list: T[], i: number): T => list[i % list.length] as T;
// Filters that go with a word: its own top brand and colour and a price bucket.
const withFilters: string[] = [];
for (const word of words.slice(0, 60)) {
  const a = await getJson(`/api/products?q=${encodeURIComponent(word)}&perPage=1`);
  const brand = a.facets.brand[0];
  const color = a.facets.attributes.color?.[0] ?? Object.values(a.facets.attributes)[0]?.[0];
  const attr = a.facets.attributes.color?.[0] ? "color" : Object.keys(a.facets.attributes)[0];
  const price = a.facets.price[Math.min(1, a.facets.price.length - 1)];
  if (brand && color && attr && price) {
    withFilters.push(
      `q=${encodeURIComponent(word)}&brand=${brand.value}&attr.${attr}=${encodeURIComponent(color.value)}&minPrice=${price.min}${price.max === null ? "" : `&maxPrice=${price.max}`}`,
    );
  }
}

/** Splits n into digits of the given radixes (the last varies slowest), so URL parts combine without repeats. */
function digits(n: number, radixes: number[]): number[] {
  return radixes.map((r) => {
    const d = n % r;
    n = Math.floor(n / r);
    return d;
  });
}
const PAGE_SIZES = 80; // perPage 20..99
/** Page size and page for the n-th URL: perPage 20–99, page 1 or 2 (one in three). */
const variant = (v: number) => `&perPage=${20 + (v % PAGE_SIZES)}${Math.floor(v / PAGE_SIZES) % 3 === 2 ? "&page=2" : ""}`;
const TYPES: Record<string, (i: number) => string> = {
  "one word": (i) => {
    const [w, v] = digits(i, [words.length, PAGE_SIZES * 3]) as [number, number];
    return `/api/products?q=${encodeURIComponent(pick(words, w))}${variant(v)}`;
  },
  "two words": (i) => {
    const [w, v] = digits(i, [pairs.length, PAGE_SIZES * 3]) as [number, number];
    return `/api/products?q=${encodeURIComponent(pick(pairs, w))}${variant(v)}`;
  },
  prefix: (i) => {
    const [w, v] = digits(i, [prefixes.length, PAGE_SIZES * 3]) as [number, number];
    return `/api/products?q=${pick(prefixes, w)}${variant(v)}`;
  },
  "filter-only browse": (i) => {
    // Three in four a subcategory, one in four a department; every sort order.
    const [c, sort, v] = digits(i, [leafCategories.length + departments.length, sorts.length, PAGE_SIZES * 3]) as [number, number, number];
    const category = c < leafCategories.length ? pick(leafCategories, c) : pick(departments, c - leafCategories.length);
    return `/api/products?category=${category}&sort=${pick(sorts, sort)}${variant(v)}`;
  },
  "q + 3 filters + facets": (i) => {
    const [f, v] = digits(i, [withFilters.length, PAGE_SIZES * 3]) as [number, number];
    return `/api/products?${pick(withFilters, f)}${variant(v)}`;
  },
  suggest: (i) => {
    const [w, limit] = digits(i, [typed.length, 10]) as [number, number];
    return `/api/search/suggest?q=${encodeURIComponent(pick(typed, w))}&limit=${1 + limit}`;
  },
};
const selected = args.types
  ? Object.fromEntries(Object.entries(TYPES).filter(([k]) => args.types.split(",").some((t) => t === k || t === k.replaceAll(" ", "-"))))
  : TYPES;

// ---------------------------------------------------------------------------------------------

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
const used = new Set<string>();
let offset = 0;

async function oneAtATime(make: (i: number) => string, n: number) {
  const times: number[] = [];
  const byUrl: Array<{ url: string; ms: number }> = [];
  let errors = 0;
  for (let i = 0; i < n; i++) {
    const url = make(offset + i);
    used.add(url);
    const started = performance.now();
    const res = await fetch(`${base}${url}`);
    await res.arrayBuffer();
    times.push(performance.now() - started);
    byUrl.push({ url, ms: times.at(-1) ?? 0 });
    if (res.status !== 200) errors++;
  }
  offset += n;
  times.sort((a, b) => a - b);
  // The slowest URLs, to look into (each can be rerun in the --cpu harness or against the database file).
  const slowest = byUrl.sort((a, b) => b.ms - a.ms).slice(0, Number(args.slowest));
  return { p50: pct(times, 50), p95: pct(times, 95), p99: pct(times, 99), max: times.at(-1) ?? 0, errors, slowest };
}

function underLoad(make: (i: number) => string, connections: number, duration: number): Promise<autocannon.Result & { repeats: number }> {
  let i = offset;
  let repeats = 0;
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: base,
        connections,
        duration,
        timeout: 10,
        requests: [
          {
            method: "GET",
            setupRequest: (req) => {
              const url = make(i++);
              if (used.has(url)) repeats++;
              used.add(url);
              return { ...req, path: url };
            },
          },
        ],
      },
      (err, result) => {
        offset = i + 1;
        return err ? reject(err) : resolve(Object.assign(result, { repeats }));
      },
    );
  });
}

// Warm the isolate (JIT, D1 connection) on URLs that are not measured.
for (let i = 0; i < 30; i++) for (const make of Object.values(selected)) await fetch(`${base}${make(100_000 + i)}`).then((r) => r.arrayBuffer());

/** Waits until the store answers a trivial request quickly again (a load run leaves queued D1 work behind). */
async function drain() {
  await new Promise((r) => setTimeout(r, 2_000));
  for (let tries = 0; tries < 100; tries++) {
    const started = performance.now();
    await fetch(`${base}/api/health/live`).then((r) => r.arrayBuffer());
    if (performance.now() - started < 20) return;
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** The same URLs again (answered by the catalog's 30 s per-isolate memo): the warm numbers. */
async function repeated(urls: string[]) {
  const times: number[] = [];
  for (const url of urls) {
    const started = performance.now();
    await (await fetch(`${base}${url}`)).arrayBuffer();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { p50: pct(times, 50), p95: pct(times, 95) };
}

// One at a time first, for every type, so no load run's backlog skews them; then the load runs.
const rows: Array<Record<string, string | number>> = [];
for (const [name, make] of Object.entries(selected)) {
  const first = offset;
  const seq = await oneAtATime(make, Number(args.requests));
  const warm = await repeated(Array.from({ length: Math.min(50, Number(args.requests)) }, (_, i) => make(first + i)));
  rows.push({
    query: name,
    "1-at-a-time p50": seq.p50.toFixed(1),
    p95: seq.p95.toFixed(1),
    p99: seq.p99.toFixed(1),
    max: seq.max.toFixed(1),
    "seq errors": seq.errors,
    "warm p50": warm.p50.toFixed(1),
    "warm p95": warm.p95.toFixed(1),
  });
  console.log(JSON.stringify(rows.at(-1)));
  for (const s of seq.slowest) console.log(`  ${s.ms.toFixed(1)} ms  ${s.url}`);
}
if (!args["no-load"]) {
  for (const [i, [name, make]] of Object.entries(selected).entries()) {
    await drain();
    const load = await underLoad(make, Number(args.connections), Number(args.duration));
    Object.assign(rows[i] ?? {}, {
      [`${args.connections} conn req/s`]: Math.round(load.requests.average),
      "p50 ms": load.latency.p50,
      "p99 ms": load.latency.p99,
      "errors/non-2xx": `${load.errors + load.timeouts}/${load.non2xx}`,
      "repeated URLs": load.repeats,
    });
    console.log(name, JSON.stringify(rows[i]));
  }
}
store.stop();
await store.exited;

// First searches of fresh isolates: a new server each time, so nothing is loaded or memoized.
const freshRuns: Array<{ url: string; first: number; next: number; load: number }> = [];
for (let i = 0; i < Number(args.fresh); i++) {
  dropEdgeCache();
  store = await serveStore({ port: Number(args.port), persist: persistTo, output: "ignore" });
  const word = pick(words, i);
  const url =
    [`/api/products?q=${encodeURIComponent(word)}`, `/api/products?q=${encodeURIComponent(pick(pairs, i))}`, `/api/products?${pick(withFilters, i)}`][i % 3] ??
    "";
  const load = os.loadavg()[0] ?? 0;
  const sample = `${base}${url}&perPage=${30 + i}`;
  const t0 = performance.now();
  const res = await fetch(sample);
  await res.arrayBuffer();
  const first = performance.now() - t0;
  const t1 = performance.now();
  await (await fetch(`${sample}&page=2`)).arrayBuffer();
  freshRuns.push({ url, first, next: performance.now() - t1, load });
  console.log(
    `fresh isolate ${i + 1}: ${url} first ${first.toFixed(1)} ms (status ${res.status}), next ${(performance.now() - t1).toFixed(1)} ms, load ${load.toFixed(1)}`,
  );
  store.stop();
  await store.exited;
}
if (freshRuns.length) {
  const firsts = freshRuns.map((r) => r.first).sort((a, b) => a - b);
  console.log(`fresh isolates: first text search p50 ${pct(firsts, 50).toFixed(1)} ms, max ${firsts.at(-1)?.toFixed(1)} ms over ${firsts.length}`);
}
// The plans below open the database file itself: the server has let go of it.

const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, load average ${os
  .loadavg()
  .map((l) => l.toFixed(1))
  .join(" ")}`;
const columns = Object.keys(rows[0] ?? {});
const table = [
  `| ${columns.join(" | ")} |`,
  `| ${columns.map(() => "---").join(" | ")} |`,
  ...rows.map((r) => `| ${columns.map((c) => r[c]).join(" | ")} |`),
].join("\n");
console.log(`\n${new Date().toISOString().slice(0, 10)} · ${machine} · ${catalog.total.toLocaleString("en-US")} active products\n\n${table}`);
console.log(`\nfirst text search of the isolate: ${coldIsolate.firstTextSearch.toFixed(0)} ms, then ${coldIsolate.next.toFixed(1)} ms`);

// ---------------------------------------------------------------------------------------------
// EXPLAIN QUERY PLAN of the statements one request of each type runs, on the database file.

const plans: Record<string, string[]> = {};
const cpu: Array<Record<string, string | number>> = [];
if (!args["no-plans"] || Number(args.cpu) > 0) {
  // The service's modules import each other without extensions, as bundlers resolve them.
  registerHooks({
    resolve(specifier, context, next) {
      // Outside workerd there is no request to extend: the listing's waitUntil does nothing.
      if (specifier === "cloudflare:workers") return { url: "data:text/javascript,export const waitUntil = () => {};", shortCircuit: true };
      try {
        return next(specifier, context);
      } catch (error) {
        if (specifier.startsWith(".") && !/\.[cm]?[jt]sx?$/.test(specifier)) return next(`${specifier}.ts`, context);
        throw error;
      }
    },
  });
  const { searchProducts } = await import("../../worker/search/service/listing.ts");
  const { suggestFor } = await import("../../worker/search/service/suggest.ts");
  // The parsed query the API's schema would produce (the schema module itself needs a bundler).
  const listQuery = (p: Record<string, string>) => {
    const { page, perPage, brand, vendor, minPrice, maxPrice, rating, inStock, sort, ...rest } = p;
    return {
      ...rest,
      sort: sort ?? "relevance",
      page: Number(page ?? 1),
      perPage: Number(perPage ?? 24),
      ...(brand ? { brand: brand.split(",") } : {}),
      ...(vendor ? { vendor: vendor.split(",") } : {}),
      ...(minPrice ? { minPrice: Number(minPrice) } : {}),
      ...(maxPrice ? { maxPrice: Number(maxPrice) } : {}),
      ...(rating ? { rating: Number(rating) } : {}),
      ...(inStock ? { inStock: inStock === "true" || inStock === "1" } : {}),
    };
  };
  const dir = path.join(persistTo, "v3/d1/miniflare-D1DatabaseObject");
  const file = readdirSync(dir).find((f) => f.endsWith(".sqlite") && f !== "metadata.sqlite");
  if (!file) throw new Error(`no D1 database in ${dir}`);
  const db = new DatabaseSync(path.join(dir, file), { readOnly: true });
  let current: string[] = [];
  let explain = true;
  // A D1 stand-in over the file that records each statement's plan as it runs it (if `explain`).
  const stmt = (sql: string, params: unknown[] = []) => ({
    bind: (...p: unknown[]) => stmt(sql, p),
    async first() {
      return (await this.all()).results[0] ?? null;
    },
    async all() {
      if (!explain) return { results: db.prepare(sql).all(...(params as never[])), success: true, meta: {} };
      const plan = db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...(params as never[])) as Array<{ detail: string }>;
      const fullScans = plan.filter((r) => /^SCAN (d|p|search_documents|products)\b(?!.*USING)/.test(r.detail)).map((r) => r.detail);
      current.push(
        `${sql.replace(/\s+/g, " ").slice(0, 110)}…\n      ${plan.map((r) => r.detail).join(" | ")}${fullScans.length ? `\n      FULL SCAN: ${fullScans.join(", ")}` : ""}`,
      );
      return { results: db.prepare(sql).all(...(params as never[])), success: true, meta: {} };
    },
  });
  const d1 = { prepare: (sql: string) => stmt(sql), batch: async (list: Array<ReturnType<typeof stmt>>) => Promise.all(list.map((s) => s.all())) };
  // Nothing in this process loads the copy behind the measurements' backs: every text search
  // below takes the D1-alone path (a fresh isolate's) until the CPU phase loads it on purpose.
  const { snapshotLimits, snapshotForSearch } = await import("../../worker/search/service/snapshot.ts");
  const budget = snapshotLimits.budgetBytes;
  snapshotLimits.budgetBytes = 0;
  const run = async (make: (i: number) => string, i: number) => {
    const url = new URL(make(i), base);
    const params = Object.fromEntries(url.searchParams);
    if (url.pathname === "/api/search/suggest") await suggestFor(d1 as never, params.q ?? "", Number(params.limit ?? 6));
    else await searchProducts(d1 as never, listQuery(params) as never, "USD");
    return url;
  };
  if (!args["no-plans"]) {
    for (const [name, make] of Object.entries(selected)) {
      current = [];
      const url = await run(make, 7);
      plans[`${name}: ${url.pathname}${url.search}`] = current;
    }
    for (const [name, list] of Object.entries(plans)) console.log(`\n${name}\n${list.map((p) => `  - ${p}`).join("\n")}`);
  }
  // CPU time of the search's own work (SQLite and the Worker's code), one query at a time: first
  // through D1 alone (what a fresh isolate does), then with the document copy loaded (what an
  // isolate does once its background load is done). Suggestions reuse the category and brand
  // dictionaries the first one read, as a warm isolate does (suggest.ts).
  explain = false;
  for (const path of ["D1 alone", "with the copy"]) {
    if (Number(args.cpu) === 0) break;
    snapshotLimits.budgetBytes = path === "D1 alone" ? 0 : budget;
    if (path === "with the copy") {
      // Loaded here whatever the catalog size, to show what the copy would save per search.
      snapshotLimits.inlineDocs = Number.MAX_SAFE_INTEGER;
      snapshotLimits.backgroundDocs = Number.MAX_SAFE_INTEGER;
      const t = performance.now();
      const copy = await snapshotForSearch(d1 as never);
      console.log(
        `copy loaded in this process: ${copy ? `${(copy.bytes / 2 ** 20).toFixed(1)} MB` : "does not fit"} in ${((performance.now() - t) / 1000).toFixed(1)} s`,
      );
    }
    for (const [name, make] of Object.entries(selected)) {
      for (let i = 0; i < 5; i++) await run(make, 200_000 + i);
      const ms: number[] = [];
      for (let i = 0; i < Number(args.cpu); i++) {
        const before = process.cpuUsage();
        await run(make, 300_000 + i);
        const used = process.cpuUsage(before);
        ms.push((used.user + used.system) / 1000);
      }
      ms.sort((a, b) => a - b);
      cpu.push({ path, query: name, "cpu p50 ms": pct(ms, 50).toFixed(1), "cpu p95 ms": pct(ms, 95).toFixed(1), "cpu max ms": (ms.at(-1) ?? 0).toFixed(1) });
    }
  }
  if (cpu.length)
    console.log(
      `\nCPU ms per query (in-process, D1 stand-in, ${args.cpu} each, load ${os.loadavg()[0]?.toFixed(1)}):\n${cpu.map((r) => JSON.stringify(r)).join("\n")}`,
    );
}

mkdirSync(path.join(root, "test/bench/results"), { recursive: true });
writeFileSync(
  path.join(root, `test/bench/results/search-${Date.now()}.json`),
  JSON.stringify({ machine, date: new Date().toISOString(), coldIsolate, rows, freshRuns, cpu, plans }, null, 2),
);
process.exit(0);
