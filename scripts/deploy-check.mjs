// Proves the deploy path without an account: `wrangler deploy --dry-run` of the built Worker (npm run build
// first) must list every binding wrangler.toml declares and stay under the compressed-size budget, and the
// staging environment must declare the same bindings with resources of its own, and every built static file must
// be served as an asset before the Worker runs. CI runs it in `npm test`.
//
//   node scripts/deploy-check.mjs [--budget-kib 1100]
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";

/** The compressed upload the Worker may reach (docs/deploy.md says why this number). */
const BUDGET_KIB = 1300;

const { values: args } = parseArgs({ options: { "budget-kib": { type: "string", default: String(BUDGET_KIB) } } });
const budget = Number(args["budget-kib"]);
const root = path.resolve(import.meta.dirname, "..");
const { unstable_readConfig } = await import("wrangler");
const problems = [];

/** Binding name → the resource it points at, for every kind of binding the store uses. */
function bindings(config) {
  const out = new Map();
  for (const d of config.d1_databases ?? []) out.set(d.binding, `d1:${d.database_name}:${d.database_id}`);
  for (const k of config.kv_namespaces ?? []) out.set(k.binding, `kv:${k.id}`);
  for (const r of config.r2_buckets ?? []) out.set(r.binding, `r2:${r.bucket_name}`);
  for (const q of config.queues?.producers ?? []) out.set(q.binding, `queue:${q.queue}`);
  for (const o of config.durable_objects?.bindings ?? []) out.set(o.name, `do:${o.class_name}`);
  for (const e of config.send_email ?? []) out.set(e.name, "send_email");
  return out;
}

/** The queue handler routes by QUEUE_* vars: each must name a queue this environment consumes. */
function checkQueueVars(label, config) {
  const consumed = new Set((config.queues?.consumers ?? []).map((c) => c.queue));
  for (const key of ["QUEUE_EMAIL", "QUEUE_EMAIL_DLQ", "QUEUE_ANALYTICS", "QUEUE_PAYOUTS"]) {
    const name = config.vars?.[key];
    if (!name) problems.push(`${label}: var ${key} is missing`);
    else if (!consumed.has(name)) problems.push(`${label}: ${key}="${name}" is not a queue this environment consumes`);
  }
}

const configPath = path.join(root, "wrangler.toml");
const production = unstable_readConfig({ config: configPath });
const staging = unstable_readConfig({ config: configPath, env: "staging" });
const prodBindings = bindings(production);
const stagingBindings = bindings(staging);
checkQueueVars("production", production);
checkQueueVars("staging", staging);
if (staging.name === production.name) problems.push("staging: the Worker name must differ from production's");
for (const [name, resource] of prodBindings) {
  const other = stagingBindings.get(name);
  if (!other) problems.push(`staging: binding ${name} is not declared`);
  else if (other === resource && !/^(do:|send_email$)/.test(resource)) problems.push(`staging: ${name} points at production's ${resource}`);
}
for (const key of Object.keys(production.vars ?? {})) if (!(key in (staging.vars ?? {}))) problems.push(`staging: var ${key} is not declared`);

// Pages and the API run the Worker first (no asset lookup that would miss); every built file is still looked up
// as an asset first, so each top-level entry of dist/client must be excluded from run_worker_first by name.
const first = production.assets?.run_worker_first;
const clientDir = path.join(root, "dist/client");
if (!Array.isArray(first) || first[0] !== "/*") problems.push('assets: run_worker_first must start with "/*" and list the built files to exclude');
else if (existsSync(clientDir)) {
  for (const entry of readdirSync(clientDir, { withFileTypes: true })) {
    // _headers, _redirects (read by the asset server) and .assetsignore (read by wrangler) are never served.
    if (/^[_.]/.test(entry.name) && entry.isFile()) continue;
    const pattern = entry.isDirectory() ? `!/${entry.name}/*` : `!/${entry.name}`;
    if (!first.includes(pattern)) problems.push(`assets: dist/client/${entry.name} is not excluded from run_worker_first (add "${pattern}")`);
  }
}

// The dry run reads the built Worker's own config (dist/server/wrangler.json, through .wrangler/deploy).
const outdir = mkdtempSync(path.join(tmpdir(), "edge-commerce-deploy-"));
const run = spawnSync(process.execPath, [path.join(root, "node_modules/wrangler/bin/wrangler.js"), "deploy", "--dry-run", "--outdir", outdir], {
  cwd: root,
  encoding: "utf8",
  env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_ENV: "" },
});
rmSync(outdir, { recursive: true, force: true });
const output = `${run.stdout}\n${run.stderr}`;
if (run.status !== 0) {
  console.error(output);
  problems.push(`wrangler deploy --dry-run exited with ${run.status}`);
}
const listed = new Set([...output.matchAll(/^env\.([A-Z0-9_]+)\b/gm)].map((m) => m[1]));
for (const name of prodBindings.keys()) if (!listed.has(name)) problems.push(`dry run: binding ${name} is missing from the bundle's bindings`);
const size = /Total Upload: ([\d.]+) KiB \/ gzip: ([\d.]+) KiB/.exec(output);
if (!size) problems.push("dry run: no upload size in wrangler's output");
else if (Number(size[2]) > budget) problems.push(`bundle: ${size[2]} KiB gzipped is over the ${budget} KiB budget`);

if (size) console.log(`deploy check: ${size[1]} KiB, ${size[2]} KiB gzipped (budget ${budget} KiB); ${listed.size} bindings listed`);
if (problems.length) {
  for (const p of problems) console.error(`deploy check: ${p}`);
  process.exit(1);
}
console.log("deploy check: production and staging configurations are complete");
