// Virtual shoppers for load runs: test/bench/shoppers.ts (the benchmark) and
// test/e2e/load.test.ts (the smaller correctness run in CI) share this walker.
//
// Open loop: shoppers arrive as a Poisson process whatever the store answers, so a
// slow store gets more concurrent shoppers, not fewer requests. Each shopper walks
// home → category → search → product page → add to cart → cart → shipping quote with
// exponential think time between steps, keeping its own cookies (the cart). Latency
// is measured from the INTENDED send time of each request (arrival time, or the end
// of the previous answer plus the think time), so neither a stalled store nor a busy
// client event loop can hide a stall (coordinated omission).
import { monitorEventLoopDelay } from "node:perf_hooks";
import { Agent, request } from "undici";

export const STEPS = ["home", "category", "search", "product page", "add to cart", "cart", "shipping quote"] as const;
export type Step = (typeof STEPS)[number];

/** What the shoppers browse: read from the store before the run. */
export interface ShopCatalog {
  categories: string[];
  /** In-stock products with the SKU a shopper adds and a word of the name to search for. */
  products: { slug: string; sku: string; term: string }[];
  /** Countries the store ships to. */
  countries: string[];
}

export interface ShoppersOptions {
  baseUrl: string;
  catalog: ShopCatalog;
  /** Shoppers in the store at once on average (Little's law sets the arrival rate from it). */
  shoppers: number;
  /** Mean think time between two steps of one shopper, ms (exponentially distributed). */
  thinkMs: number;
  /** Measured time, ms; arrivals stop at its end and walks still under way stop there. */
  durationMs: number;
  /** Arrivals before the measured time starts (not recorded), ms, so the store is at its steady population. */
  warmupMs?: number;
  /** A request not answered (headers and body) within this is counted as hung and abandoned. */
  timeoutMs?: number;
  /**
   * Shoppers who arrive together at the very start (a flash crowd, e.g. after a sale email),
   * before the steady arrivals: on a cold store they all miss the same caches at once.
   */
  burst?: number;
  /** Arrival rate in shoppers per second; defaults to shoppers / mean walk length. */
  arrivalRate?: number;
  /** Connections the client may open to the store (one undici Agent). */
  connections?: number;
  /** Called for the first few failed requests, to show why. */
  onError?: (message: string) => void;
}

export interface StepStats {
  step: Step | "total";
  requests: number;
  perSecond: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  /** Answers with status ≥ 500. */
  status5xx: number;
  /** Answers with status 400–499. */
  status4xx: number;
  /** Connection refused/reset and other transport failures. */
  network: number;
  /** Not answered within timeoutMs. */
  hung: number;
}

export interface ShoppersResult {
  steps: StepStats[];
  total: StepStats;
  /** Shoppers that arrived in the measured time, and those that finished the whole walk. */
  arrived: number;
  completed: number;
  /** Requests sent in all, warm-up included. */
  sent: number;
  /** Arrival rate used, shoppers per second. */
  arrivalRate: number;
  /** Every page (home, category, product) a shopper opened, warm-up included. */
  visitedPages: string[];
  /** The client's own event-loop delay: high values mean the client, not the store, was late. */
  clientLoopDelayP99: number;
  clientLoopDelayMax: number;
  /**
   * When the slowest 1 % of measured requests were meant to be sent, in quarter-seconds of the measured time: few
   * quarters holding most of them means the store stalled now and then for everyone (a garbage collection, a
   * burst of disk writes), rather than some requests being slow.
   */
  tail: { requests: number; atLeastMs: number; quarters: number; ofQuarters: number; busiest: { atSeconds: number; requests: number }[] };
}

/** Groups the slowest 1 % of `(intended send time, latency)` samples by the quarter-second they were meant to go. */
export function tailQuarters(samples: [at: number, latency: number][], durationMs: number): ShoppersResult["tail"] {
  const sorted = samples.map(([, l]) => l).sort((a, b) => a - b);
  const atLeastMs = sorted[Math.floor(sorted.length * 0.99)] ?? 0;
  const slow = samples.filter(([, l]) => l >= atLeastMs);
  const counts = new Map<number, number>();
  for (const [at] of slow) counts.set(Math.floor(at / 250), (counts.get(Math.floor(at / 250)) ?? 0) + 1);
  const busiest = [...counts]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 6)
    .map(([q, requests]) => ({ atSeconds: q / 4, requests }))
    .sort((a, b) => a.atSeconds - b.atSeconds);
  return { requests: slow.length, atLeastMs: Math.round(atLeastMs * 10) / 10, quarters: counts.size, ofQuarters: Math.ceil(durationMs / 250), busiest };
}

const GAPS = STEPS.length - 1;

function exponential(mean: number): number {
  return -mean * Math.log(1 - Math.random());
}

function pick<T>(items: T[]): T {
  return items[Math.floor(Math.random() * items.length)] as T;
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: ${res.status}`);
  return (await res.json()) as T;
}

/**
 * Reads what shoppers will browse from the store's own API: the category tree, up to
 * `maxProducts` in-stock products (each with an in-stock SKU and a search word from
 * its name) and the countries it ships to.
 */
export async function loadShopCatalog(baseUrl: string, maxProducts = 100): Promise<ShopCatalog> {
  interface CategoryNode {
    slug: string;
    children?: CategoryNode[];
  }
  const tree = await getJson<{ items: CategoryNode[] }>(`${baseUrl}/api/categories`);
  const categories: string[] = [];
  const walk = (nodes: CategoryNode[]) => {
    for (const node of nodes) {
      categories.push(node.slug);
      walk(node.children ?? []);
    }
  };
  walk(tree.items);

  const list = await getJson<{ items: { slug: string; name: string }[] }>(`${baseUrl}/api/products?inStock=true&perPage=${Math.min(100, maxProducts)}`);
  const products: ShopCatalog["products"] = [];
  for (const { slug, name } of list.items.slice(0, maxProducts)) {
    const detail = await getJson<{ variants: { sku: string; stockStatus: string }[] }>(`${baseUrl}/api/products/${slug}`);
    const variant = detail.variants.find((v) => v.stockStatus !== "out_of_stock") ?? detail.variants[0];
    const words = name.split(/\s+/).filter((w) => /^[\p{L}]{3,}$/u.test(w));
    if (variant) products.push({ slug, sku: variant.sku, term: (words.length ? pick(words) : name).toLowerCase() });
  }

  const countries = (await getJson<{ items: { code: string; ships: boolean }[] }>(`${baseUrl}/api/shipping/countries`)).items
    .filter((c) => c.ships)
    .map((c) => c.code);
  if (!categories.length || !products.length || !countries.length) throw new Error(`the store at ${baseUrl} has no catalog to browse: seed it first`);
  return { categories, products, countries };
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  return Math.round((sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number) * 10) / 10;
}

interface Recorder {
  latencies: number[];
  status5xx: number;
  status4xx: number;
  network: number;
  hung: number;
}

function summarize(step: Step | "total", r: Recorder, seconds: number): StepStats {
  const sorted = [...r.latencies].sort((a, b) => a - b);
  const requests = sorted.length;
  return {
    step,
    requests,
    perSecond: Math.round((requests / seconds) * 10) / 10,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: Math.round((sorted.at(-1) ?? 0) * 10) / 10,
    status5xx: r.status5xx,
    status4xx: r.status4xx,
    network: r.network,
    hung: r.hung,
  };
}

/**
 * Drives shoppers against `baseUrl` for warm-up plus duration and returns, per step
 * and in total, requests, req/s, latency percentiles (from the intended send time)
 * and errors: 5xx, 4xx, transport failures and hung requests. Only 127.0.0.1 (or
 * localhost) is accepted as a target.
 */
export async function runShoppers(options: ShoppersOptions): Promise<ShoppersResult> {
  const base = new URL(options.baseUrl);
  if (base.hostname !== "127.0.0.1" && base.hostname !== "localhost") throw new Error("shoppers only drive a store on 127.0.0.1");
  const origin = base.origin;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const warmupMs = options.warmupMs ?? 0;
  const arrivalRate = options.arrivalRate ?? options.shoppers / ((GAPS * options.thinkMs) / 1000);
  const { catalog } = options;
  // One pool, big enough that the client never queues requests behind its own connection limit.
  const dispatcher = new Agent({ connections: options.connections ?? 4096, keepAliveTimeout: 30_000, headersTimeout: 0, bodyTimeout: 0 });
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();

  const recorders = new Map<Step, Recorder>(STEPS.map((s) => [s, { latencies: [], status5xx: 0, status4xx: 0, network: 0, hung: 0 }]));
  const visitedPages = new Set<string>();
  let errorsShown = 0;
  const start = performance.now();
  const measureFrom = start + warmupMs;
  const end = measureFrom + options.durationMs;
  let arrived = 0;
  let completed = 0;
  let sent = 0;
  const walks = new Set<Promise<void>>();
  /** (intended send time from the start of the measured time, latency) of every measured answer. */
  const timeline: [number, number][] = [];

  const sleepUntil = (t: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, t - performance.now())));

  /** One request; false when it failed (the shopper then leaves). */
  async function send(
    step: Step,
    intended: number,
    path: string,
    cookies: Map<string, string>,
    init: { method?: "POST"; body?: string } = {},
  ): Promise<boolean> {
    const headers: Record<string, string> = { accept: path.startsWith("/api/") ? "application/json" : "text/html" };
    if (cookies.size) headers.cookie = [...cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    // A JSON body and the store's own Origin: what the API's CSRF guard asks of a cookie-carrying write.
    if (init.method === "POST") Object.assign(headers, { "content-type": "application/json", origin });
    const recorded = intended >= measureFrom && intended < end;
    sent++;
    const rec = recorders.get(step) as Recorder;
    const fail = (kind: "status5xx" | "status4xx" | "network" | "hung", message: string) => {
      if (recorded) {
        rec[kind]++;
        rec.latencies.push(performance.now() - intended);
        timeline.push([intended - measureFrom, performance.now() - intended]);
      }
      if (errorsShown++ < 5) options.onError?.(`${step} ${path}: ${message}`);
      return false;
    };
    try {
      const res = await request(`${origin}${path}`, {
        dispatcher,
        method: init.method ?? "GET",
        headers,
        body: init.body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await res.body.text();
      const setCookie = res.headers["set-cookie"];
      for (const line of Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : []) {
        const pair = line.split(";")[0] ?? "";
        const eq = pair.indexOf("=");
        if (eq > 0) cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
      }
      if (res.statusCode >= 500) return fail("status5xx", `${res.statusCode} ${text.slice(0, 200)}`);
      if (res.statusCode >= 400) return fail("status4xx", `${res.statusCode} ${text.slice(0, 200)}`);
      if (recorded) {
        rec.latencies.push(performance.now() - intended);
        timeline.push([intended - measureFrom, performance.now() - intended]);
      }
      return true;
    } catch (err) {
      const name = (err as Error).name;
      if (name === "TimeoutError" || name === "AbortError" || (err as { code?: string }).code === "UND_ERR_ABORTED")
        return fail("hung", `no answer within ${timeoutMs} ms`);
      return fail("network", String((err as Error).message ?? err));
    }
  }

  async function walk(arrival: number): Promise<void> {
    const cookies = new Map<string, string>();
    const product = pick(catalog.products);
    const plan: [Step, string, { method?: "POST"; body?: string }?][] = [
      ["home", "/"],
      ["category", `/c/${pick(catalog.categories)}`],
      ["search", `/api/products?q=${encodeURIComponent(product.term)}`],
      ["product page", `/p/${product.slug}`],
      ["add to cart", "/api/cart/items", { method: "POST", body: JSON.stringify({ sku: product.sku, quantity: 1 }) }],
      ["cart", "/cart"],
      ["shipping quote", `/api/shipping/quote?country=${pick(catalog.countries)}`],
    ];
    let intended = arrival;
    for (const [i, [step, path, init]] of plan.entries()) {
      if (intended >= end) return;
      await sleepUntil(intended);
      if (!path.startsWith("/api/") && step !== "cart") visitedPages.add(path);
      if (!(await send(step, intended, path, cookies, init))) return;
      if (i === plan.length - 1) {
        if (arrival >= measureFrom) completed++;
        return;
      }
      intended = performance.now() + exponential(options.thinkMs);
    }
  }

  for (let i = 0; i < (options.burst ?? 0); i++) {
    if (start >= measureFrom) arrived++;
    const w = walk(start).finally(() => walks.delete(w));
    walks.add(w);
  }
  // Arrival times are fixed in advance of the answers: a late timer still keeps the intended time.
  let next = start;
  while (next < end) {
    await sleepUntil(next);
    const now = performance.now();
    while (next <= now && next < end) {
      if (next >= measureFrom) arrived++;
      const w = walk(next).finally(() => walks.delete(w));
      walks.add(w);
      next += exponential(1000 / arrivalRate);
    }
  }
  await Promise.all(walks);
  loop.disable();
  await dispatcher.close();

  const seconds = options.durationMs / 1000;
  const total: Recorder = { latencies: [], status5xx: 0, status4xx: 0, network: 0, hung: 0 };
  for (const r of recorders.values()) {
    total.latencies.push(...r.latencies);
    total.status5xx += r.status5xx;
    total.status4xx += r.status4xx;
    total.network += r.network;
    total.hung += r.hung;
  }
  return {
    steps: STEPS.map((s) => summarize(s, recorders.get(s) as Recorder, seconds)),
    total: summarize("total", total, seconds),
    arrived,
    completed,
    sent,
    arrivalRate: Math.round(arrivalRate * 10) / 10,
    visitedPages: [...visitedPages],
    clientLoopDelayP99: Math.round(loop.percentile(99) / 1e5) / 10,
    clientLoopDelayMax: Math.round(loop.max / 1e5) / 10,
    tail: tailQuarters(timeline, options.durationMs),
  };
}

/** The result as a Markdown table: one row per step, then the total. */
export function formatShoppersTable(result: ShoppersResult): string {
  const rows = [...result.steps, result.total].map(
    (s) =>
      `| ${s.step === "total" ? "**total**" : s.step} | ${s.requests} | ${s.perSecond} | ${s.p50} | ${s.p95} | ${s.p99} | ${s.max} | ${s.status5xx} | ${s.status4xx} | ${s.network} | ${s.hung} |`,
  );
  return [
    "| step | requests | req/s | p50 ms | p95 ms | p99 ms | max ms | 5xx | 4xx | network | hung |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ...rows,
  ].join("\n");
}

/**
 * Requests each page once, one at a time, and returns those that do not answer 200
 * within `timeoutMs` (with the status or the error): a crowd must leave no page broken.
 */
export async function findBrokenPages(baseUrl: string, paths: string[], timeoutMs = 10_000): Promise<string[]> {
  const broken: string[] = [];
  for (const path of paths) {
    try {
      const res = await fetch(`${baseUrl}${path}`, { signal: AbortSignal.timeout(timeoutMs) });
      await res.arrayBuffer();
      if (res.status !== 200) broken.push(`${path}: ${res.status}`);
    } catch (err) {
      broken.push(`${path}: ${(err as Error).name === "TimeoutError" ? `no answer within ${timeoutMs} ms` : String(err)}`);
    }
  }
  return broken;
}

/**
 * How many shoppers (at most `maxShoppers`, at least 10) offer the store no more than
 * `share` of the throughput it shows on this machine right now, measured with 100 cached
 * catalog API requests, 50 at a time (pages cost more than that, hence a small share).
 * Correctness runs use it so a slow or shared machine gets a smaller crowd instead of
 * queueing that looks like hung requests.
 */
export async function shoppersForMachine(baseUrl: string, maxShoppers: number, thinkMs: number, share = 0.25): Promise<number> {
  const started = performance.now();
  for (let round = 0; round < 2; round++) {
    await Promise.all(Array.from({ length: 50 }, async () => (await fetch(`${baseUrl}/api/categories`)).arrayBuffer()));
  }
  const perSecond = 100 / ((performance.now() - started) / 1000);
  // In steady state each shopper sends STEPS.length requests per GAPS think times.
  const perShopper = STEPS.length / ((GAPS * thinkMs) / 1000);
  return Math.max(10, Math.min(maxShoppers, Math.floor((share * perSecond) / perShopper)));
}
