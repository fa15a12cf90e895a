// What recommendations cost a product page, on the built store and the local runtime (not a timed test).
//
//   npm run build && npm run seed -- --reset && npm run bench:recs -- [--persist-to .wrangler/state] [--port 10760] [--products 100]
//
// Creates a bench admin (if missing), signs in (second factor included), recomputes the precomputed rows
// through the admin API (what the cron does), then for --products products, one request at a time:
//   - GET /api/health (the Worker with no I/O: the floor),
//   - GET /api/recommendations/products/{id} (the one D1 read a product page adds, plus the Worker around it),
//   - GET /p/{slug} (the whole product page, recommendations included).
// The recommendations' share of a page is estimated as p50(recommendations) − p50(health).
import { spawnSync } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { keyOf, nextCode, rememberKey } from "../support/second-factor.ts";
import { serveStore } from "../support/store.ts";

const { values: args } = parseArgs({
  options: {
    "persist-to": { type: "string", default: ".wrangler/state" },
    port: { type: "string", default: "10760" },
    products: { type: "string", default: "100" },
  },
});
const root = path.resolve(import.meta.dirname, "../..");
const persistTo = path.resolve(args["persist-to"] as string);
const ADMIN = { email: "recs-bench@example.test", password: "recs bench password 42" };

spawnSync(
  process.execPath,
  [path.join(root, "scripts/users.ts"), "create", "--email", ADMIN.email, "--password", ADMIN.password, "--role", "admin", "--persist-to", persistTo],
  { cwd: root, stdio: "ignore" },
);
const store = await serveStore({ port: Number(args.port), persist: persistTo, output: "ignore" });
const base = store.baseUrl;

async function signIn(): Promise<string> {
  const post = (p: string, body: unknown) =>
    fetch(`${base}${p}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  let res = await post("/api/auth/login", ADMIN);
  if (res.status === 401) {
    const problem = (await res.json()) as { challenge?: string; enroll?: { secret: string } };
    if (problem.enroll) rememberKey(ADMIN.email, problem.enroll.secret);
    const key = keyOf(ADMIN.email);
    if (!problem.challenge || !key) throw new Error("the bench admin has an authenticator this run did not enrol: use a fresh state (npm run seed -- --reset)");
    res = await post("/api/auth/login/second-factor", { challenge: problem.challenge, code: await nextCode(key) });
  }
  if (res.status !== 200) throw new Error(`sign-in: ${res.status} ${await res.text()}`);
  return res.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
async function timed(urls: string[]): Promise<{ p50: number; p95: number; max: number }> {
  const times: number[] = [];
  for (const url of urls) {
    const started = performance.now();
    const res = await fetch(`${base}${url}`);
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`${url}: ${res.status}`);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 0.5), p95: percentile(times, 0.95), max: times[times.length - 1] ?? 0 };
}

try {
  const cookie = await signIn();
  const refreshStarted = performance.now();
  const refreshed = await fetch(`${base}/api/admin/recommendations/refresh`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Origin: base, Cookie: cookie },
    body: "{}",
  });
  if (refreshed.status !== 200) throw new Error(`refresh: ${refreshed.status} ${await refreshed.text()}`);
  const refreshMs = performance.now() - refreshStarted;
  const rows = await refreshed.json();

  const wanted = Number(args.products);
  const list = (await (await fetch(`${base}/api/products?perPage=${Math.min(100, wanted)}&sort=newest`)).json()) as {
    items: Array<{ id: string; slug: string }>;
  };
  const products = list.items.slice(0, wanted);
  // Warm-up: the isolate, D1's page cache, the catalog memo.
  await timed(products.slice(0, 10).flatMap((p) => [`/api/recommendations/products/${p.id}`, `/p/${p.slug}`]));

  const health = await timed(products.map(() => "/api/health"));
  const recs = await timed(products.map((p) => `/api/recommendations/products/${p.id}`));
  const pages = await timed(products.map((p) => `/p/${p.slug}`));
  const f = (n: number) => n.toFixed(1);
  console.log(`${os.cpus().length} cores (${os.cpus()[0]?.model ?? "?"}), ${new Date().toISOString()}, ${products.length} products, one request at a time`);
  console.log(`refresh through the admin API: ${f(refreshMs)} ms, rows ${JSON.stringify(rows)}`);
  console.log("| request | p50 ms | p95 ms | max ms |");
  console.log("| --- | --- | --- | --- |");
  for (const [name, t] of [
    ["GET /api/health (floor)", health],
    ["GET /api/recommendations/products/{id}", recs],
    ["GET /p/{slug} (whole page)", pages],
  ] as const)
    console.log(`| ${name} | ${f(t.p50)} | ${f(t.p95)} | ${f(t.max)} |`);
  console.log(`\nrecommendations' share of a product page ≈ ${f(recs.p50 - health.p50)} ms at p50, ${f(recs.p95 - health.p95)} ms at p95`);
} finally {
  store.stop();
}
