// Shoppers benchmark (not a timed test): open-loop virtual shoppers walking the store
// (home → category → search → product page → add to cart → cart → shipping quote) with
// exponential think time, latency from the intended send time (see shoppers-lib.ts).
//
//   npm run build && npm run bench:shoppers -- [--shoppers 200,1000] [--duration 30] [--think 2000]
//       [--warmup 12] [--timeout 10000] [--burst 0] [--cold] [--products 200] [--url http://127.0.0.1:8787]
//
// With the state on disk, every new cart creates files. On a disk whose ext4 has no journal (this project's
// standard machine) that is slower for ~5 minutes after files were removed, such as another run's state folder:
// leave that long between runs on disk, or compare in memory (BENCHMARKS.md, "Serving without Miniflare's entry
// worker and assets router").
//
// Without --url it starts the built Worker itself (scripts/serve.mjs, one workerd) on its
// own port with a private state folder: seeded with --products products and every variant
// stocked with 1,000,000 units so carts never run out. With --url it drives that store
// (127.0.0.1 only), which must have a seeded catalog.
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import os, { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { processesInGroup } from "../support/process-group.ts";
import { seedState, serveStore } from "../support/store.ts";
import { findBrokenPages, formatShoppersTable, loadShopCatalog, runShoppers } from "./shoppers-lib.ts";

const { values: args } = parseArgs({
  options: {
    shoppers: { type: "string", default: "200,1000" },
    duration: { type: "string", default: "30" },
    think: { type: "string", default: "2000" },
    // Default: one mean walk (6 think times), so the measured time sees the steady population.
    warmup: { type: "string" },
    timeout: { type: "string", default: "10000" },
    products: { type: "string", default: "200" },
    port: { type: "string", default: "8797" },
    url: { type: "string" },
    // Shoppers arriving together at the start of each run (a flash crowd).
    burst: { type: "string", default: "0" },
    // Skip the warm-up walk, so the first run meets cold caches.
    cold: { type: "boolean", default: false },
  },
});
const thinkMs = Number(args.think);
const durationMs = Number(args.duration) * 1000;
const warmupMs = args.warmup === undefined ? 6 * thinkMs : Number(args.warmup) * 1000;

let base = args.url?.replace(/\/$/, "");
let stop = () => {};
let serverGroup = 0;
if (!base) {
  const persist = mkdtempSync(path.join(tmpdir(), "edge-commerce-shoppers-"));
  await seedState(persist, { products: Number(args.products), stockEveryVariant: 1_000_000, output: "ignore" });
  const store = await serveStore({ port: Number(args.port), persist, removeStateOnStop: true, output: "ignore" });
  stop = () => store.stop();
  base = store.baseUrl;
  serverGroup = store.pid;
}

/**
 * For every process in the store's process group (Linux /proc; zeros elsewhere): CPU
 * seconds used so far, of them in the kernel (creating files for new Durable Objects is
 * most of it: BENCHMARKS.md, "The cart page without drizzle's per-call SQL building"), and
 * seconds spent runnable but waiting for a CPU (schedstat).
 */
function storeCpuSeconds(): { used: number; kernel: number; waiting: number } {
  const total = { used: 0, kernel: 0, waiting: 0 };
  for (const { pid, kernelTicks } of processesInGroup(serverGroup)) {
    try {
      total.kernel += kernelTicks / 100; // USER_HZ is 100 on Linux
      for (const task of readdirSync(`/proc/${pid}/task`)) {
        const stat = readFileSync(`/proc/${pid}/task/${task}/schedstat`, "utf8").split(" ");
        total.used += Number(stat[0]) / 1e9;
        total.waiting += Number(stat[1]) / 1e9;
      }
    } catch {}
  }
  return total;
}
// A store given by --url must already answer; one started here answered before serveStore returned.
if (!(await fetch(`${base}/api/health`)).ok) throw new Error(`the store at ${base} did not answer`);
const catalog = await loadShopCatalog(base);
// Warm every route once (first render, first search) so the runs measure steady serving.
if (!args.cold) await runShoppers({ baseUrl: base, catalog, shoppers: 10, thinkMs: 50, durationMs: 3000 });

const cpus = os.cpus();
console.log(
  `\n${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC · ${cpus.length} × ${cpus[0]?.model ?? "cpu"} · ${catalog.products.length} products browsed · think ${thinkMs} ms (exponential) · warm-up ${warmupMs / 1000} s + ${durationMs / 1000} s measured · timeout ${args.timeout} ms`,
);
for (const shoppers of args.shoppers.split(",").map(Number)) {
  const loadBefore = os.loadavg()[0]?.toFixed(2);
  const storeCpuBefore = storeCpuSeconds();
  const clientCpuBefore = process.cpuUsage();
  const wallBefore = performance.now();
  const result = await runShoppers({
    baseUrl: base,
    catalog,
    shoppers,
    thinkMs,
    durationMs,
    warmupMs,
    burst: Number(args.burst),
    timeoutMs: Number(args.timeout),
    onError: (message) => console.error(`  ${message}`),
  });
  const wallSeconds = (performance.now() - wallBefore) / 1000;
  const storeCpuAfter = storeCpuSeconds();
  const storeCpu = storeCpuAfter.used - storeCpuBefore.used;
  const storeWaiting = storeCpuAfter.waiting - storeCpuBefore.waiting;
  const storeKernel = storeCpuAfter.kernel - storeCpuBefore.kernel;
  const clientCpu = process.cpuUsage(clientCpuBefore);
  const clientCpuSeconds = (clientCpu.user + clientCpu.system) / 1e6;
  // Every request sent, warm-up included, is what the CPU time paid for.
  const sent = result.sent;
  console.log(
    `\n${shoppers} shoppers (${result.arrivalRate} arrivals/s; ${result.arrived} arrived, ${result.completed} finished the walk) · load average ${loadBefore} → ${os.loadavg()[0]?.toFixed(2)} · client event-loop delay p99 ${result.clientLoopDelayP99} ms, max ${result.clientLoopDelayMax} ms\n`,
  );
  console.log(formatShoppersTable(result));
  const { tail } = result;
  console.log(
    `\nThe slowest 1 % (${tail.requests} requests, ≥ ${tail.atLeastMs} ms) were meant to go in ${tail.quarters} of the ${tail.ofQuarters} quarter-seconds measured; the most at ${tail.busiest.map((b) => `${b.atSeconds} s (${b.requests})`).join(", ")}.`,
  );
  if (serverGroup)
    console.log(
      `\nStore CPU: ${storeCpu.toFixed(1)} s over ${wallSeconds.toFixed(1)} s (${Math.round((storeCpu / wallSeconds) * 100)} % of one core), ${((storeCpu * 1000) / sent).toFixed(1)} ms per request (${((storeKernel * 1000) / sent).toFixed(2)} ms of it in the kernel); its threads waited ${storeWaiting.toFixed(1)} s for a CPU (runnable, not running) · client CPU ${((clientCpuSeconds * 1000) / sent).toFixed(2)} ms per request (${sent} requests sent).`,
    );
  const broken = await findBrokenPages(base, result.visitedPages, Number(args.timeout));
  console.log(
    `\nAfterwards, one request each: ${result.visitedPages.length - broken.length} of ${result.visitedPages.length} pages the shoppers opened answer 200.`,
  );
  for (const line of broken.slice(0, 10)) console.log(`  broken: ${line}`);
}
stop();
process.exit(0);
