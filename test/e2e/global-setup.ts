import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { generateSecrets } from "../../scripts/secrets.mjs";
import { E2E_OAUTH_CLIENT, startFakeOAuthProvider } from "./fake-oauth-provider";

const root = path.resolve(import.meta.dirname, "../..");
const PORT = Number(process.env.E2E_PORT ?? 8790);
const OAUTH_PORT = Number(process.env.E2E_OAUTH_PORT ?? 8791);

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
 * applied, a small demo catalog seeded, fresh secrets, and GitHub sign-in
 * pointed at the fake provider.
 */
export default async function setup(project: TestProject) {
  const persist = mkdtempSync(path.join(tmpdir(), "edge-commerce-e2e-"));
  run([path.join(root, "node_modules/wrangler/bin/wrangler.js"), "d1", "migrations", "apply", "DB", "--local", "--persist-to", persist]);
  run([path.join(root, "scripts/seed/run.ts"), "--persist-to", persist, "--products", "300"]);
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
  const server: ChildProcess = spawn(
    process.execPath,
    [
      path.join(root, "scripts/serve.mjs"),
      "--port",
      String(PORT),
      "--persist-to",
      persist,
      "--quiet",
      ...Object.entries(vars).flatMap(([key, value]) => ["--var", `${key}=${value}`]),
    ],
    {
      cwd: root,
      detached: true,
      stdio: ["ignore", "inherit", "inherit"],
      env: { ...process.env, LOG_REQUESTS: "off" },
    },
  );
  const teardown = async () => {
    // The server and its workerd child share a process group.
    if (server.pid) {
      try {
        process.kill(-server.pid, "SIGTERM");
      } catch {}
    }
    await oauth.close();
    rmSync(persist, { recursive: true, force: true });
  };
  const baseUrl = `http://127.0.0.1:${PORT}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await fetch(`${baseUrl}/api/health`)).ok) break;
    } catch {}
    if (Date.now() > deadline) {
      await teardown();
      throw new Error(`store did not answer on ${baseUrl}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  project.provide("baseUrl", baseUrl);
  project.provide("oauthOrigin", oauth.origin);
  project.provide("persistDir", persist);
  return teardown;
}
