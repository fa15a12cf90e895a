// Memory and load time of the search document snapshot (worker/search/service/snapshot.ts),
// measured in Node on a seeded database file (not a test).
//
//   npm exec -- node --expose-gc test/bench/search-snapshot.ts --persist-to /tmp/state [--module path] [--runs 3]
//
// The snapshot module's own loader runs against the D1 database file through a small D1
// stand-in (node:sqlite), so the time is SQLite plus JSON parsing plus building the columns,
// without workerd's D1 hop. Memory is the growth of the V8 heap plus ArrayBuffer backing
// stores (typed arrays live outside the heap) between two full garbage collections, with the
// loaded copy still referenced. `--module` measures another version of the module (e.g. one
// written out with `git show main:worker/search/service/snapshot.ts > …/snapshot-main.ts` next
// to the current one, so its relative imports resolve); it must export `loadSnapshot(d1)` or
// `reloadSnapshot(d1)`.
import { readdirSync } from "node:fs";
import { registerHooks } from "node:module";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

const { values: args } = parseArgs({
  options: {
    "persist-to": { type: "string", default: ".wrangler/state" },
    module: { type: "string", default: "worker/search/service/snapshot.ts" },
    runs: { type: "string", default: "1" },
    // Serve every document R times (doc id d becomes d·R … d·R+R−1): a catalog R times larger
    // with the same value distributions, without seeding one.
    scale: { type: "string", default: "1" },
  },
});
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with node --expose-gc");

registerHooks({
  resolve(specifier, context, next) {
    try {
      return next(specifier, context);
    } catch (error) {
      if (specifier.startsWith(".") && !/\.[cm]?[jt]sx?$/.test(specifier)) return next(`${specifier}.ts`, context);
      throw error;
    }
  },
});

const dir = path.join(path.resolve(args["persist-to"]), "v3/d1/miniflare-D1DatabaseObject");
const file = readdirSync(dir).find((f) => f.endsWith(".sqlite") && f !== "metadata.sqlite");
if (!file) throw new Error(`no D1 database in ${dir}`);
const db = new DatabaseSync(path.join(dir, file), { readOnly: true });
// `limit`: chunk reads stop at this doc id (the warm-up load below reads one chunk).
let limit = Number.MAX_SAFE_INTEGER;
const R = Number(args.scale);
const isChunk = (sql: string) => sql.includes("doc_id >= ? AND doc_id < ?");
const scaled = (sql: string, rows: Array<Record<string, unknown>>) => {
  if (R === 1) return rows;
  if (isChunk(sql)) {
    return rows.map((row) => {
      const out: Record<string, unknown> = {};
      const ids = JSON.parse(String(row.doc_id ?? "[]")) as number[];
      for (const [key, value] of Object.entries(row)) {
        const list = JSON.parse(String(value ?? "[]")) as unknown[];
        out[key] = JSON.stringify(list.flatMap((v, i) => Array.from({ length: R }, (_, k) => (key === "doc_id" ? (ids[i] as number) * R + k : v))));
      }
      return out;
    });
  }
  // The largest doc id.
  return rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, k === "n" || k === "top" ? Number(v) * R + R - 1 : v])));
};
const stmt = (sql: string, params: unknown[] = []) => ({
  bind: (...p: unknown[]) =>
    stmt(sql, isChunk(sql) ? p.map((v) => Math.min(Number(v), limit)).map((v) => (v >= Number.MAX_SAFE_INTEGER / 2 ? v : Math.ceil(v / R))) : p),
  async first() {
    return (await this.all()).results[0] ?? null;
  },
  async all() {
    return { results: scaled(sql, db.prepare(sql).all(...(params as never[])) as Array<Record<string, unknown>>), success: true, meta: {} };
  },
});
const d1 = { prepare: (sql: string) => stmt(sql), batch: async (list: Array<ReturnType<typeof stmt>>) => Promise.all(list.map((s) => s.all())) };
const docs = (db.prepare("SELECT count(*) AS n, max(doc_id) AS top FROM search_documents").get() ?? {}) as { n: number; top: number };

const mod = (await import(pathToFileURL(path.resolve(args.module)).href)) as {
  loadSnapshot?: (d1: unknown) => Promise<unknown>;
  reloadSnapshot?: (d1: unknown) => Promise<unknown>;
  snapshotLimits?: { budgetBytes: number };
};
// Measure the copy whatever its budget says (the budget is what decides whether it is used).
if (mod.snapshotLimits) mod.snapshotLimits.budgetBytes = Number.MAX_SAFE_INTEGER;
const load = mod.loadSnapshot ?? mod.reloadSnapshot;
if (!load) throw new Error(`${args.module} exports neither loadSnapshot nor reloadSnapshot`);

// ArrayBuffer backing stores are swept after a collection, not during it: let that finish.
const used = async () => {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 300));
  }
  const m = process.memoryUsage();
  return { heap: m.heapUsed, buffers: m.arrayBuffers };
};
const mb = (n: number) => (n / 2 ** 20).toFixed(1);
// Compile and warm the loader on its first 10,000 documents, so code is not counted as data.
limit = 10_000;
await load(d1);
limit = Number.MAX_SAFE_INTEGER;
const results: Array<{ ms: number; heapMB: string; buffersMB: string; totalMB: string }> = [];
let keep: unknown = null;
for (let run = 0; run < Number(args.runs); run++) {
  keep = null;
  const before = await used();
  const t = performance.now();
  keep = await load(d1);
  const ms = performance.now() - t;
  const after = await used();
  if (!keep) throw new Error("the module declined to load a copy");
  const heap = after.heap - before.heap;
  const buffers = after.buffers - before.buffers;
  results.push({ ms: Math.round(ms), heapMB: mb(heap), buffersMB: mb(buffers), totalMB: mb(heap + buffers) });
}
console.log(JSON.stringify({ module: args.module, documents: docs.n * R, maxDocId: docs.top * R + R - 1, runs: results }));
