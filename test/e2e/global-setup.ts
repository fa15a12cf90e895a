import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { generateSecrets } from "../../scripts/secrets.mjs";
import { type RunningStore, SEED_CACHE_ENV, serveStore } from "../support/store";
import { E2E_OAUTH_CLIENT, startFakeOAuthProvider } from "./fake-oauth-provider";

const root = path.resolve(import.meta.dirname, "../..");

declare module "vitest" {
  export interface ProvidedContext {
    baseUrl: string;
    /** Origin of the fake OAuth provider (test/e2e/fake-oauth-provider.ts). */
    oauthOrigin: string;
    /** The store's state folder, for reading the email outbox from D1's SQLite file. */
    persistDir: string;
  }
}

function run(args: string[]) {
  // process.execPath is the Node 24 that runs vitest (from the `node` devDependency).
  const result = spawnSync(process.execPath, args, { cwd: root, stdio: "inherit", env: { ...process.env, WRANGLER_SEND_METRICS: "false" } });
  if (result.status !== 0) throw new Error(`${args.join(" ")} exited with ${result.status}`);
}

/**
 * Starts a fake GitHub (OAuth) first, then serves the built store (npm test
 * builds it first) on its own port with a fresh state folder: migrations
 * applied (by the seed script), a small demo catalog seeded, fresh secrets, and GitHub sign-in
 * pointed at the fake provider.
 */
export default async function setup(project: TestProject) {
  // Each e2e project (vitest.config.ts) has its own port range, so two run side by side.
  const env = { ...process.env, ...project.config.env };
  const PORT = Number(env.E2E_PORT ?? 8790);
  const OAUTH_PORT = Number(env.E2E_OAUTH_PORT ?? 8791);
  const persist = mkdtempSync(path.join(tmpdir(), "edge-commerce-e2e-"));
  // Seeded states the test files' own stores share (test/support/store.ts), for this run only; the files'
  // worker processes inherit the variable.
  const seedCache = process.env[SEED_CACHE_ENV] ?? mkdtempSync(path.join(tmpdir(), "edge-commerce-seeds-"));
  process.env[SEED_CACHE_ENV] = seedCache;
  run([path.join(root, "scripts/seed/run.ts"), "--persist-to", persist, "--products", "300", "--orders", "0"]);
  const oauth = await startFakeOAuthProvider({ port: OAUTH_PORT, ...E2E_OAUTH_CLIENT });
  const vars = {
    ...generateSecrets(),
    // Without .dev.vars (a clean checkout, CI) the store would run as production, which refuses the test payment provider.
    ENVIRONMENT: "test",
    OAUTH_GITHUB_CLIENT_ID: E2E_OAUTH_CLIENT.clientId,
    OAUTH_GITHUB_CLIENT_SECRET: E2E_OAUTH_CLIENT.clientSecret,
    OAUTH_GITHUB_BASE_URL: `${oauth.origin}/github`,
    // Every browser of every file comes from 127.0.0.1 and many leave orders unpaid: the per-address cap on open orders is off.
    CHECKOUT_HOLDS_PER_IP: "0",
  };
  let store: RunningStore;
  try {
    // vitest's main process: its own Ctrl-C handling runs the teardown below.
    store = await serveStore({ port: PORT, persist, vars, stopOnSignals: false });
  } catch (error) {
    await oauth.close();
    rmSync(persist, { recursive: true, force: true });
    rmSync(seedCache, { recursive: true, force: true });
    throw error;
  }
  const baseUrl = store.baseUrl;
  const teardown = async () => {
    store.stop();
    await oauth.close();
    rmSync(persist, { recursive: true, force: true });
    rmSync(seedCache, { recursive: true, force: true });
  };
  project.provide("baseUrl", baseUrl);
  project.provide("oauthOrigin", oauth.origin);
  project.provide("persistDir", persist);
  return teardown;
}
