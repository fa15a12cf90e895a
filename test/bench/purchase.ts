// Purchase-path benchmark (not a timed test): add to cart, checkout and pay with the
// built-in test provider, many shoppers at once, against the built Worker on its own
// port and a private state folder (seeded; every variant stocked with 1,000,000 units
// so the run measures the path, not running out of stock).
//
//   npm run build && npm run bench:purchase -- [--concurrency 10,50] [--duration 10]
import { mkdtempSync } from "node:fs";
import os, { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { seedState, serveStore } from "../support/store.ts";

const { values: args } = parseArgs({
  options: { concurrency: { type: "string", default: "10,50" }, duration: { type: "string", default: "10" }, port: { type: "string", default: "8796" } },
});
const persist = mkdtempSync(path.join(tmpdir(), "edge-commerce-bench-"));
await seedState(persist, { products: 200, stockEveryVariant: 1_000_000, output: "ignore" });
// Every simulated shopper comes from 127.0.0.1: the per-address cap on open orders (docs/limits.md) is off here.
const store = await serveStore({
  port: Number(args.port),
  persist,
  vars: { CHECKOUT_HOLDS_PER_IP: "0" },
  removeStateOnStop: true,
  output: "ignore",
});
const base = store.baseUrl;

const products = (await (await fetch(`${base}/api/products?perPage=100&sort=bestselling`)).json()) as { items: { slug: string }[] };
const skus: string[] = [];
for (const { slug } of products.items.slice(0, 40)) {
  const detail = (await (await fetch(`${base}/api/products/${slug}`)).json()) as { variants: { sku: string }[] };
  if (detail.variants[0]) skus.push(detail.variants[0].sku);
}
const ADDRESS = { fullName: "Bench Buyer", line1: "1 Market St", city: "San Francisco", region: "CA", postalCode: "94105", country: "US" };

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? Math.round((sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number) * 10) / 10 : 0;
}

async function timed(step: string, times: Record<string, number[]>, fn: () => Promise<Response>, expected: number): Promise<Response> {
  const t = performance.now();
  const res = await fn();
  const list = times[step] ?? [];
  list.push(performance.now() - t);
  times[step] = list;
  if (res.status !== expected) throw new Error(`${step}: ${res.status} ${await res.text()}`);
  return res;
}

/** One shopper buying one item: a new cart each time. */
async function purchase(times: Record<string, number[]>, n: number): Promise<void> {
  const sku = skus[n % skus.length];
  const add = await timed(
    "add to cart",
    times,
    () => fetch(`${base}/api/cart/items`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ sku, quantity: 1 }) }),
    200,
  );
  const cookie = add.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
  const checkout = await timed(
    "checkout",
    times,
    () =>
      fetch(`${base}/api/checkout`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Cookie: cookie, Origin: base },
        body: JSON.stringify({ email: "bench@example.test", shippingAddress: ADDRESS, shippingOption: "standard" }),
      }),
    201,
  );
  const placed = (await checkout.json()) as { payment: { redirectUrl: string } };
  const paymentId = placed.payment.redirectUrl.split("/").pop();
  await timed(
    "pay (test provider)",
    times,
    () =>
      fetch(`${base}/api/checkout/test-payments/${paymentId}`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ outcome: "succeeded" }),
      }),
    200,
  );
}

for (let i = 0; i < 20; i++) await purchase({}, i); // warm up
const rows: string[] = [];
for (const concurrency of args.concurrency.split(",").map(Number)) {
  const times: Record<string, number[]> = {};
  const deadline = Date.now() + Number(args.duration) * 1000;
  let done = 0;
  let errors = 0;
  let n = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < deadline) {
        try {
          await purchase(times, n++);
          done++;
        } catch (err) {
          errors++;
          if (errors < 3) console.error(String(err));
        }
      }
    }),
  );
  const perSecond = Math.round((done / Number(args.duration)) * 10) / 10;
  for (const [step, values] of Object.entries(times)) {
    const row = `| ${step} | ${concurrency} | ${Math.round(values.length / Number(args.duration))} | ${percentile(values, 50)} | ${percentile(values, 99)} |`;
    rows.push(row);
  }
  rows.push(`| **whole purchase** | ${concurrency} | ${perSecond} purchases/s | | | errors: ${errors} |`);
}
console.log(`\n${new Date().toISOString().slice(0, 10)} · ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"} · ${args.duration} s per run\n`);
console.log("| step | concurrent shoppers | req/s | p50 ms | p99 ms |\n| --- | --- | --- | --- | --- |");
console.log(rows.join("\n"));
store.stop();
process.exit(0);
