// Serves the built Worker (dist/server) on the local runtime the fastest faithful way:
// one workerd through Miniflare's API with the exact bindings wrangler derives from
// dist/server/wrangler.json, state persisted in the same folder `wrangler dev` and
// `wrangler d1 --local` use. `wrangler dev` adds a development proxy in front (about
// 3x slower, see BENCHMARKS.md); `npm run dev` keeps hot reload for page work.
//
//   node scripts/serve.mjs [--port 8787] [--host 127.0.0.1] [--persist-to .wrangler/state] [--quiet] [--var KEY=VALUE ...]
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { parseArgs, parseEnv } from "node:util";
import { placeEdgeCache } from "./lib/edge-cache.mjs";

const { values: args } = parseArgs({
  options: {
    port: { type: "string", default: process.env.PORT ?? "8787" },
    host: { type: "string", default: "127.0.0.1" },
    "persist-to": { type: "string", default: ".wrangler/state" },
    quiet: { type: "boolean", default: false },
    // --var KEY=VALUE (repeatable): overrides a var or secret, e.g. to point OAuth at a local fake provider in tests.
    var: { type: "string", multiple: true, default: [] },
  },
});

const root = path.resolve(import.meta.dirname, "..");
const serverDir = path.join(root, "dist/server");
if (!existsSync(path.join(serverDir, "wrangler.json"))) {
  console.error("dist/server/wrangler.json is missing: run `npm run build` first.");
  process.exit(1);
}

// Use the miniflare that ships with our wrangler, so options match its converter.
const require = createRequire(import.meta.url);
const wranglerRequire = createRequire(require.resolve("wrangler/package.json"));
const { unstable_getMiniflareWorkerOptions } = await import("wrangler");
const { Miniflare, Log, LogLevel, convertV4MiniflareOptions } = await import(wranglerRequire.resolve("miniflare"));

const { workerOptions } = unstable_getMiniflareWorkerOptions(path.join(serverDir, "wrangler.json"));

function listModules(dir) {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.m?js$/.test(e.name))
    .map((e) => ({ type: "ESModule", path: path.join(e.parentPath, e.name) }));
}
const entry = path.join(serverDir, "entry.mjs");
const modules = [{ type: "ESModule", path: entry }, ...listModules(serverDir).filter((m) => m.path !== entry)];

// Secrets for local runs come from .dev.vars, as with `wrangler dev`.
const devVarsFile = path.join(root, ".dev.vars");
const secrets = existsSync(devVarsFile) ? parseEnv(readFileSync(devVarsFile, "utf8")) : {};
const overrides = {};
for (const key of ["LOG_REQUESTS", "ENVIRONMENT"]) if (process.env[key]) overrides[key] = process.env[key];
for (const pair of args.var) {
  const eq = pair.indexOf("=");
  if (eq > 0) overrides[pair.slice(0, eq)] = pair.slice(eq + 1);
}

const persistRoot = path.join(path.resolve(root, args["persist-to"]), "v3");

// The Cache API's copies go to a folder in memory for this run (lib/edge-cache.mjs, docs/caching.md).
const edgeCache = placeEdgeCache(persistRoot);

const options = {
  ...workerOptions,
  name: "edge-commerce",
  modules,
  modulesRoot: serverDir,
  bindings: { ...workerOptions.bindings, ...secrets, ...overrides },
  host: args.host,
  port: Number(args.port),
  resourcePersistencePath: persistRoot,
  unsafeTriggerHandlers: true,
  // No network for the Request.cf lookup; a placeholder object is used.
  cf: false,
  logRequests: false,
  // INSPECTOR_PORT=9229 opens the runtime's DevTools inspector (CPU profiles: `npm run profile`).
  ...(process.env.INSPECTOR_PORT ? { inspectorPort: Number(process.env.INSPECTOR_PORT) } : {}),
  log: new Log(args.quiet ? LogLevel.WARN : LogLevel.INFO),
};
delete options.rootPath;

const mf = new Miniflare(convertV4MiniflareOptions(options));
const url = await mf.ready;
edgeCache?.watch(mf);
console.log(`Store ready at ${url.href.replace(/\/$/, "")} (state: ${path.relative(root, path.resolve(root, args["persist-to"])) || "."})`);

const stop = async () => {
  await mf.dispose().catch(() => {});
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
process.on("SIGHUP", stop);
