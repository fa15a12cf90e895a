// Serves the built Worker (dist/server) on the local runtime the fastest faithful way:
// one workerd through Miniflare's API with the exact bindings wrangler derives from
// dist/server/wrangler.json, state persisted in the same folder `wrangler dev` and
// `wrangler d1 --local` use. `wrangler dev` adds a development proxy in front (about
// 3x slower, see BENCHMARKS.md); `npm run dev` keeps hot reload for page work.
//
// On a loopback host (the default) the socket on --port goes straight to scripts/lib/local-front-line.mjs, which does
// in the Worker's isolate what Miniflare's entry worker and assets router would do in two hops between isolates,
// ~0.4 ms of the runtime's one JavaScript thread per request (docs/operations.md, "The local front line"). Miniflare's
// entry worker then listens on --entry-port (any free port by default, printed) for cron triggers
// (/cdn-cgi/local/scheduled). With a non-loopback --host it stays on --port, since only it knows each client's
// address.
//
//   node scripts/serve.mjs [--port 8787] [--host 127.0.0.1] [--entry-port 0] [--persist-to .wrangler/state] [--quiet] [--var KEY=VALUE ...]
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { parseArgs, parseEnv } from "node:util";
import { placeEdgeCache } from "./lib/edge-cache.mjs";

const { values: args } = parseArgs({
  options: {
    port: { type: "string", default: process.env.PORT ?? "8787" },
    host: { type: "string", default: "127.0.0.1" },
    // Miniflare's entry worker (cron triggers); 0 = any free port. Unused for a non-loopback --host.
    "entry-port": { type: "string", default: "0" },
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

// The local front line (lib/local-front-line.mjs) becomes the main module, beside entry.mjs, with its settings.
const direct = ["127.0.0.1", "localhost", "::1", "[::1]"].includes(args.host);
if (direct) {
  const wrangler = JSON.parse(readFileSync(path.join(serverDir, "wrangler.json"), "utf8"));
  const settings = {
    clientIp: args.host === "::1" || args.host === "[::1]" ? "::1" : "127.0.0.1",
    runWorkerFirst: wrangler.assets?.run_worker_first ?? false,
    // Miniflare's placeholder location for `cf: false` (below), with the fields the store reads.
    cf: {
      asn: 395747,
      asOrganization: "",
      colo: "DFW",
      city: "Austin",
      region: "Texas",
      regionCode: "TX",
      metroCode: "635",
      postalCode: "78701",
      country: "US",
      continent: "NA",
      timezone: "America/Chicago",
      latitude: "30.27130",
      longitude: "-97.74260",
      clientTcpRtt: 0,
      httpProtocol: "HTTP/1.1",
      tlsVersion: "TLSv1.3",
      tlsCipher: "AEAD-AES128-GCM-SHA256",
      clientTrustScore: 99,
      botManagement: { corporateProxy: false, verifiedBot: false, staticResource: false, detectionIds: [], score: 99 },
    },
  };
  modules.unshift(
    {
      type: "ESModule",
      path: path.join(serverDir, "local-front-line.mjs"),
      contents: readFileSync(path.join(import.meta.dirname, "lib/local-front-line.mjs"), "utf8"),
    },
    { type: "ESModule", path: path.join(serverDir, "local-front-line.config.mjs"), contents: `export default ${JSON.stringify(settings)};` },
  );
}

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
  port: direct ? Number(args["entry-port"]) : Number(args.port),
  ...(direct ? { unsafeDirectSockets: [{ host: args.host, port: Number(args.port), entrypoint: "LocalFrontLine" }] } : {}),
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
const entryUrl = (await mf.ready).href.replace(/\/$/, "");
edgeCache?.watch(mf);
const storeUrl = direct ? (await mf.unsafeGetDirectURL(undefined, "LocalFrontLine")).href.replace(/\/$/, "") : entryUrl;
console.log(`Store ready at ${storeUrl} (state: ${path.relative(root, path.resolve(root, args["persist-to"])) || "."})`);
if (direct) console.log(`Cron triggers: ${entryUrl}/cdn-cgi/local/scheduled?cron=…`);

const stop = async () => {
  await mf.dispose().catch(() => {});
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
process.on("SIGHUP", stop);
