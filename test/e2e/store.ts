import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { generateSecrets } from "../../scripts/secrets.mjs";

const root = path.resolve(import.meta.dirname, "../..");

function run(args: string[]) {
  const result = spawnSync(process.execPath, args, { cwd: root, stdio: "inherit", env: { ...process.env, WRANGLER_SEND_METRICS: "false" } });
  if (result.status !== 0) throw new Error(`${args.join(" ")} exited with ${result.status}`);
}

/**
 * A second, private store for tests that need other settings than the shared
 * e2e store (e.g. Stripe keys pointing at a fake Stripe): the built Worker on
 * its own port and fresh state folder, migrated and seeded.
 */
export async function startStore(options: {
  port: number;
  vars?: Record<string, string>;
  products?: number;
  admin?: { email: string; password: string };
  /** Units every variant gets, for load runs whose carts must never run out. */
  stockEveryVariant?: number;
}) {
  const persist = mkdtempSync(path.join(tmpdir(), "edge-commerce-store-"));
  run([path.join(root, "scripts/seed/run.ts"), "--persist-to", persist, "--products", String(options.products ?? 40)]);
  if (options.stockEveryVariant !== undefined) {
    const units = Math.trunc(options.stockEveryVariant);
    run([
      path.join(root, "node_modules/wrangler/bin/wrangler.js"),
      "d1",
      "execute",
      "DB",
      "--local",
      "--persist-to",
      persist,
      "--command",
      `update product_variants set stock_available = ${units}`,
    ]);
  }
  if (options.admin) {
    run([
      path.join(root, "scripts/users.ts"),
      "create",
      "--email",
      options.admin.email,
      "--password",
      options.admin.password,
      "--role",
      "admin",
      "--persist-to",
      persist,
    ]);
  }
  // Fresh keys: a clean checkout (CI) has no .dev.vars.
  const vars = Object.entries({ ...generateSecrets(), ENVIRONMENT: "test", ...options.vars }).flatMap(([k, v]) => ["--var", `${k}=${v}`]);
  const server = spawn(process.execPath, [path.join(root, "scripts/serve.mjs"), "--port", String(options.port), "--persist-to", persist, "--quiet", ...vars], {
    cwd: root,
    detached: true,
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, LOG_REQUESTS: "off" },
  });
  const baseUrl = `http://127.0.0.1:${options.port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await fetch(`${baseUrl}/api/health`)).ok) break;
    } catch {}
    if (Date.now() > deadline) throw new Error(`store did not answer on ${baseUrl}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    baseUrl,
    stop() {
      try {
        if (server.pid) process.kill(-server.pid, "SIGTERM");
      } catch {}
      rmSync(persist, { recursive: true, force: true });
    },
  };
}
