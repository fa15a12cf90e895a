// Starting the built store for browser tests and benchmarks: a state folder seeded with the demo catalog, then
// scripts/serve.mjs (one workerd) on a port of 127.0.0.1 in a process group of its own. `npm run build` first.
//
// No server outlives what started it: every running store is in `running` until stopped, and the process stops
// them all when it exits or is told to stop (SIGINT, SIGTERM). That covers a `beforeAll` that times out while the
// store is still starting (vitest then runs `afterAll` with no store assigned and ends the worker process with
// SIGTERM; a start that finishes after that is stopped, never handed back) and a benchmark stopped with Ctrl-C.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { generateSecrets } from "../../scripts/secrets.mjs";
import { freePort } from "./free-port.ts";
import { processesInGroup } from "./process-group.ts";
import { hashPassword } from "../../worker/accounts/password.ts";

const root = path.resolve(import.meta.dirname, "../..");

/** A store being served; `stop()` ends its process group and, when it made the state folder, removes it. */
export interface RunningStore {
  baseUrl: string;
  port: number;
  /**
   * Miniflare's entry worker, beside the store's own socket (scripts/serve.mjs, --entry-port): cron triggers at
   * `/cdn-cgi/local/scheduled?cron=…&time=…`. The base URL for a checkout whose serve.mjs has no such option.
   */
  triggersUrl: string;
  /** The server's process id, which is also its process group id (benchmarks read the group's CPU time). */
  pid: number;
  persist: string;
  stop(): void;
  /** Settles once the server process has ended (after `stop()`, its state folder is no longer open). */
  exited: Promise<void>;
}

const running = new Set<RunningStore>();
/** The running stores that also stop on SIGINT/SIGTERM (see `ServeOptions.stopOnSignals`). */
const stopOnSignal = new Set<RunningStore>();

/** Stops every store this process started and has not stopped yet. */
export function stopAllStores(): void {
  for (const store of [...running]) store.stop();
}

const onSignal = (signal: NodeJS.Signals) => {
  stopAllStores();
  process.exit(signal === "SIGINT" ? 130 : 143);
};

function track(store: RunningStore, signals: boolean) {
  if (running.size === 0) process.on("exit", stopAllStores);
  running.add(store);
  // A signal handler replaces Node's default "end at once", so it is there only while such a store runs.
  if (signals && stopOnSignal.size === 0) {
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  }
  if (signals) stopOnSignal.add(store);
}

function untrack(store: RunningStore) {
  running.delete(store);
  if (running.size === 0) process.off("exit", stopAllStores);
  if (stopOnSignal.delete(store) && stopOnSignal.size === 0) {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

/** Runs a Node script of the repository on the Node running this one (the project's Node 24 under npm). */
function runScript(script: string, args: string[], output: "inherit" | "ignore") {
  const result = spawnSync(process.execPath, [path.join(root, script), ...args], {
    cwd: root,
    stdio: ["ignore", output, "inherit"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
  });
  if (result.status !== 0) throw new Error(`${script} ${args.join(" ")} exited with ${result.status}`);
}

export interface SeedOptions {
  /** Demo products to seed (default 40). */
  products?: number;
  /** Demo orders for the recommenders (default 0: other tests count orders and revenue). */
  orders?: number;
  /** Units every variant gets, for load runs whose carts must never run out. */
  stockEveryVariant?: number;
  /** An admin account to create. */
  admin?: { email: string; password: string };
  /** Create the admin with `scripts/users.ts create`, as a store owner does (default: the same row written directly). */
  adminThroughScript?: boolean;
  /** Where the seed and user scripts write their progress (default: inherited). */
  output?: "inherit" | "ignore";
}

/**
 * Names a folder (made by the e2e global setup for one test run) where seeded states are kept: a store asking
 * for the same seed again gets a copy of the state instead of running the seed and user scripts again, which
 * cost ~20 s per store. The seed is deterministic, so a copy is exactly what the scripts would write.
 */
export const SEED_CACHE_ENV = "E2E_SEED_CACHE";

/** Migrates and seeds a local state folder with the deterministic demo catalog (and optionally stock and an admin). */
export async function seedState(persist: string, options: SeedOptions = {}): Promise<void> {
  const cache = process.env[SEED_CACHE_ENV];
  if (cache && existsSync(cache)) copySeededCatalog(cache, persist, options);
  else seedCatalog(persist, options);
  if (options.admin && options.adminThroughScript) {
    const { email, password } = options.admin;
    runScript(
      "scripts/users.ts",
      ["create", "--email", email, "--password", password, "--role", "admin", "--persist-to", persist],
      options.output ?? "inherit",
    );
  } else if (options.admin) await insertAdmin(persist, options.admin);
}

/**
 * Writes an admin account straight into the stopped state's D1 file: the row `npm run user:create` writes (same
 * columns, the Worker's own password hash, the name from the email), without starting a second local runtime for
 * it, which cost ~2.5 s of CPU per
 * browser-test file. test/e2e/second-factor.test.ts creates its admin through the script itself.
 */
async function insertAdmin(persist: string, admin: { email: string; password: string }): Promise<void> {
  const dir = path.join(persist, "v3", "d1", "miniflare-D1DatabaseObject");
  const file = readdirSync(dir).find((f) => f.endsWith(".sqlite") && f !== "metadata.sqlite");
  if (!file) throw new Error(`no D1 database in ${dir}`);
  const { DatabaseSync } = await import("node:sqlite");
  const db = new DatabaseSync(path.join(dir, file));
  try {
    db.prepare("insert into users (id, email, name, role, password_hash, email_verified_at) values (?, ?, ?, 'admin', ?, ?)").run(
      `usr_${randomUUID().replace(/-/g, "").slice(0, 26)}`,
      admin.email.toLowerCase(),
      admin.email.split("@")[0] ?? "Staff",
      await hashPassword(admin.password),
      new Date().toISOString(),
    );
  } finally {
    db.close();
  }
}

/** The seeded catalog (and stock) of `options`, copied from the run's cache, which seeds it the first time. */
function copySeededCatalog(cache: string, persist: string, options: SeedOptions): void {
  const { products = 40, stockEveryVariant = null, orders = 0 } = options;
  const key = createHash("sha256")
    .update(JSON.stringify(orders ? { products, stockEveryVariant, orders } : { products, stockEveryVariant }))
    .digest("hex")
    .slice(0, 16);
  const template = path.join(cache, key);
  if (!existsSync(template)) {
    const building = mkdtempSync(path.join(cache, `${key}.building-`));
    seedCatalog(building, options);
    try {
      renameSync(building, template);
    } catch {
      // Another test file seeded the same state meanwhile; theirs is as good.
      rmSync(building, { recursive: true, force: true });
    }
  }
  cpSync(template, persist, { recursive: true });
}

function seedCatalog(persist: string, options: SeedOptions): void {
  const output = options.output ?? "inherit";
  runScript("scripts/seed/run.ts", ["--persist-to", persist, "--products", String(options.products ?? 40), "--orders", String(options.orders ?? 0)], output);
  if (options.stockEveryVariant !== undefined) {
    const units = Math.trunc(options.stockEveryVariant);
    const sql = `update product_variants set stock_available = ${units}`;
    runScript("node_modules/wrangler/bin/wrangler.js", ["d1", "execute", "DB", "--local", "--persist-to", persist, "--command", sql], output);
  }
}

export interface ServeOptions {
  port: number;
  /** The state folder to serve (already seeded). */
  persist: string;
  /** Variables for the Worker (`--var NAME=value`), over those of .dev.vars. */
  vars?: Record<string, string>;
  /** Another checkout whose build to serve (its scripts/serve.mjs and dist/); default this one. */
  checkout?: string;
  /** Remove `persist` when the store stops. */
  removeStateOnStop?: boolean;
  /** How long to wait for `/api/health` to answer 200 (default 60 s). */
  timeoutMs?: number;
  /** Where the server's own output goes (default: inherited); errors always show. */
  output?: "inherit" | "ignore";
  /**
   * Also stop on SIGINT/SIGTERM, then exit (default true): a benchmark stopped with Ctrl-C, or a vitest worker
   * process, which vitest ends with SIGTERM. Off for a process with its own signal handling and teardown (vitest's
   * main process running a global setup).
   */
  stopOnSignals?: boolean;
}

/** Serves the built Worker over `persist` and resolves once `/api/health` answers 200; throws (server stopped) if it never does. */
export async function serveStore(options: ServeOptions): Promise<RunningStore> {
  const checkout = options.checkout ?? root;
  const vars = Object.entries(options.vars ?? {}).flatMap(([k, v]) => ["--var", `${k}=${v}`]);
  const serveScript = path.join(checkout, "scripts/serve.mjs");
  // An older checkout served by a benchmark (--builds) may not know --entry-port.
  const entryPort = readFileSync(serveScript, "utf8").includes('"entry-port"') ? await freePort() : undefined;
  const server: ChildProcess = spawn(
    process.execPath,
    [
      serveScript,
      "--port",
      String(options.port),
      ...(entryPort ? ["--entry-port", String(entryPort)] : []),
      "--persist-to",
      options.persist,
      "--quiet",
      ...vars,
    ],
    {
      cwd: checkout,
      // Its own process group: workerd is a child of serve.mjs, and stopping the group stops both.
      detached: true,
      stdio: ["ignore", options.output ?? "inherit", "inherit"],
      env: { ...process.env, LOG_REQUESTS: "off" },
    },
  );
  let stopped = false;
  const exited = new Promise<void>((resolve) => server.once("exit", () => resolve()));
  const store: RunningStore = {
    baseUrl: `http://127.0.0.1:${options.port}`,
    port: options.port,
    triggersUrl: `http://127.0.0.1:${entryPort ?? options.port}`,
    pid: server.pid ?? 0,
    persist: options.persist,
    exited,
    stop() {
      if (stopped) return;
      stopped = true;
      untrack(store);
      try {
        if (server.pid) process.kill(-server.pid, "SIGTERM");
      } catch {}
      if (options.removeStateOnStop) {
        // The runtime writes its databases' last pages while it shuts down: removed before it had exited, the
        // folder came back half-removed (a D1 file or two) and stayed behind, one per store. Wait for it first.
        if (server.pid) waitForGroupExit(server.pid, 10_000);
        rmSync(options.persist, { recursive: true, force: true, maxRetries: 3 });
      }
    },
  };
  track(store, options.stopOnSignals ?? true);
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    // Stopped meanwhile (a caller that gave up, or the process ending): never hand back a dead store.
    if (stopped) throw new Error(`store on ${store.baseUrl} was stopped before it answered`);
    try {
      if ((await fetch(`${store.baseUrl}/api/health`)).ok) return store;
    } catch {}
    if (server.exitCode !== null || Date.now() > deadline) {
      store.stop();
      throw new Error(`store did not answer on ${store.baseUrl}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Blocks until no live process is left in process group `pgid` (Linux /proc; elsewhere it waits a second), at most
 * `ms`, then kills whatever is left. Synchronous, since `stop()` also runs in signal handlers and right before
 * `process.exit`. A zombie (our own exited child, not yet reaped while this blocks) does not count as live.
 */
function waitForGroupExit(pgid: number, ms: number): void {
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  const nap = (t: number) => Atomics.wait(sleeper, 0, 0, t);
  if (!existsSync("/proc")) {
    nap(1_000);
    return;
  }
  const live = () => processesInGroup(pgid).some((p) => p.state !== "Z");
  const deadline = Date.now() + ms;
  while (live()) {
    if (Date.now() > deadline) {
      try {
        process.kill(-pgid, "SIGKILL");
      } catch {}
      nap(200);
      return;
    }
    nap(25);
  }
}

/**
 * A private store for tests that need other settings than the shared e2e store (e.g. Stripe keys pointing at a
 * fake Stripe): the built Worker on its own port and a fresh state folder, migrated and seeded, with fresh keys (a
 * clean checkout has no .dev.vars) and `ENVIRONMENT=test` unless `vars` say otherwise. `stop()` removes the folder.
 */
export async function startStore(options: SeedOptions & { port: number; vars?: Record<string, string> }): Promise<RunningStore> {
  const persist = mkdtempSync(path.join(tmpdir(), "edge-commerce-store-"));
  try {
    await seedState(persist, options);
  } catch (error) {
    rmSync(persist, { recursive: true, force: true });
    throw error;
  }
  return serveStore({
    port: options.port,
    persist,
    vars: { ...generateSecrets(), ENVIRONMENT: "test", ...options.vars },
    removeStateOnStop: true,
  });
}
