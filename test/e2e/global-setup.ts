import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";

const root = path.resolve(import.meta.dirname, "../..");
const PORT = Number(process.env.E2E_PORT ?? 8790);

declare module "vitest" {
  export interface ProvidedContext {
    baseUrl: string;
  }
}

function run(args: string[]) {
  // process.execPath is the Node 24 that runs vitest (from the `node` devDependency).
  const result = spawnSync(process.execPath, args, { cwd: root, stdio: "inherit", env: { ...process.env, WRANGLER_SEND_METRICS: "false" } });
  if (result.status !== 0) throw new Error(`${args.join(" ")} exited with ${result.status}`);
}

/**
 * Serves the built store (npm test builds it first) on its own port with a
 * fresh state folder: migrations applied, a small demo catalog seeded.
 */
export default async function setup(project: TestProject) {
  const persist = mkdtempSync(path.join(tmpdir(), "edge-commerce-e2e-"));
  run([path.join(root, "node_modules/wrangler/bin/wrangler.js"), "d1", "migrations", "apply", "DB", "--local", "--persist-to", persist]);
  run([path.join(root, "scripts/seed/run.ts"), "--persist-to", persist, "--products", "300"]);
  const server: ChildProcess = spawn(process.execPath, [path.join(root, "scripts/serve.mjs"), "--port", String(PORT), "--persist-to", persist, "--quiet"], {
    cwd: root,
    detached: true,
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, LOG_REQUESTS: "off" },
  });
  const baseUrl = `http://127.0.0.1:${PORT}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await fetch(`${baseUrl}/api/health`)).ok) break;
    } catch {}
    if (Date.now() > deadline) throw new Error(`store did not answer on ${baseUrl}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  project.provide("baseUrl", baseUrl);
  return () => {
    // The server and its workerd child share a process group.
    if (server.pid) {
      try {
        process.kill(-server.pid, "SIGTERM");
      } catch {}
    }
    rmSync(persist, { recursive: true, force: true });
  };
}
