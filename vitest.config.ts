import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { generateSecrets } from "./scripts/secrets.mjs";
import { outboundWithFakeEmail } from "./test/support/fake-email-provider.ts";
import { outboundWithFakeGithub } from "./test/support/fake-github-service.ts";
import { FAKE_STRIPE_BASE, FAKE_STRIPE_LIVE_KEY, FAKE_STRIPE_WEBHOOK_SECRET, outboundWithFakes } from "./test/support/fake-stripe-service.ts";

/** The shared browser-test store listens here (and its fake OAuth provider on the next port); files get blocks above it. */
const E2E_BASE_PORT = Number(process.env.E2E_PORT ?? 8790);
/**
 * Test files that run at once, across all projects. vitest's default is one less than the cores, which is ONE file at a
 * time on a 2-core CI machine. A browser file waits on its store and Chromium most of its time, so three run at once.
 * Four were slower, not faster (2026-12-03): each browser file took ~40 % longer, more than the fourth slot gave back.
 * `TEST_WORKERS=1` runs one file at a time.
 */
const TEST_WORKERS = Number(process.env.TEST_WORKERS ?? 3);

/**
 * Packages the workerd test pool loads natively instead of through Vite's module runner. The pool starts a fresh runtime
 * for every test file and loads the Worker's whole module graph into it; through the runner (the plugin inlines every
 * dependency) zod alone took ~0.9 s per file and stripe ~0.65 s; loaded natively, 0.13 s and 0.19 s. Only plain ESM
 * packages belong here (workerd's module fallback loads them from node_modules as they are).
 */
const NATIVE_PACKAGES = ["zod", "stripe", "drizzle-orm", "jose", "hono", "@hono/zod-openapi", "@asteasolutions/zod-to-openapi", "otpauth", "postal-mime"];
const nativePackage = new RegExp(`/node_modules/(${NATIVE_PACKAGES.join("|")})/`);
/** Runs after the pool's own plugin, which sets `server.deps.inline = true` (every dependency through the runner). */
const loadPackagesNatively = {
  name: "load-packages-natively",
  enforce: "post" as const,
  config(config: { test?: { server?: { deps?: { inline?: unknown; external?: unknown } } } }) {
    if (process.env.TEST_INLINE_ALL === "1") return;
    const deps = config.test?.server?.deps;
    if (!deps) return;
    deps.inline = [new RegExp(`^(?!.*${nativePackage.source})`)];
    deps.external = [nativePackage];
  },
};

export default defineConfig(async () => {
  // An empty migration (a placeholder being written) is a no-op; D1 refuses to run it.
  const migrations = (await readD1Migrations("./migrations")).filter((m) => m.queries.some((q) => q.replace(/--.*$/gm, "").trim()));
  /** The workerd test pool over the Astro-free entry; `vars` are what differs between the workers projects. */
  const workersPlugin = (vars: Record<string, string>) => [
    cloudflareTest({
      main: "./worker/test-entry.ts",
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        // Outbound fetches pass through, except to the fake email provider, the fake Stripe and the fake GitHub (test/support/).
        outboundService: outboundWithFakes(outboundWithFakeGithub(outboundWithFakeEmail)),
        bindings: {
          TEST_MIGRATIONS: migrations,
          LOG_REQUESTS: "off",
          ...generateSecrets(),
          // OAuth is configured so its routes run; GitHub is the fake of test/support/fake-github-service.ts.
          OAUTH_GITHUB_CLIENT_ID: "test-client",
          OAUTH_GITHUB_CLIENT_SECRET: "test-secret",
          OAUTH_GITHUB_BASE_URL: "http://oauth.invalid/github",
          // Help-desk emails carry a signed reply address on this domain (worker/support/access.ts).
          SUPPORT_EMAIL_DOMAIN: "help.store.test",
          ...vars,
        },
      },
    }),
    loadPackagesNatively,
  ];
  return {
    test: {
      maxWorkers: TEST_WORKERS,
      projects: [
        {
          // Inside workerd against real local D1, KV, Queues (and Durable Objects as they arrive).
          plugins: workersPlugin({ ENVIRONMENT: "test" }),
          test: {
            name: "workers",
            // Sign-ins hash with scrypt (deliberately slow): on a 2-core CI machine running files in parallel a
            // test that signs in three users can pass 5 s without being wrong, and a set-up that signs in staff 10 s.
            testTimeout: 20_000,
            hookTimeout: 60_000,
            include: ["test/api/**/*.test.ts", "test/queues/**/*.test.ts", "test/durable-objects/**/*.test.ts"],
            setupFiles: ["./test/setup/apply-migrations.ts"],
          },
        },
        {
          // The guardrails of a deployed store: ENVIRONMENT=production with nothing configured (no payment provider,
          // the outbox email provider), as a store looks right after its first `wrangler deploy`.
          plugins: workersPlugin({ ENVIRONMENT: "production" }),
          test: {
            name: "production",
            testTimeout: 20_000,
            hookTimeout: 60_000,
            include: ["test/production/**/*.test.ts"],
            setupFiles: ["./test/setup/apply-migrations.ts"],
          },
        },
        {
          // A production store with Stripe configured (a live-mode key), the SDK pointed at the in-process fake Stripe.
          plugins: workersPlugin({
            ENVIRONMENT: "production",
            STRIPE_SECRET_KEY: FAKE_STRIPE_LIVE_KEY,
            STRIPE_WEBHOOK_SECRET: FAKE_STRIPE_WEBHOOK_SECRET,
            STRIPE_API_BASE: FAKE_STRIPE_BASE,
            PUBLIC_ORIGIN: "http://store.test",
          }),
          test: {
            name: "production-stripe",
            testTimeout: 20_000,
            hookTimeout: 60_000,
            include: ["test/production-stripe/**/*.test.ts"],
            setupFiles: ["./test/setup/apply-migrations.ts"],
          },
        },
        {
          test: { name: "unit", include: ["test/unit/**/*.test.ts"], environment: "node" },
        },
        // Real headless Chromium against the built store, served by each file on its own port and state folder (or the
        // project's shared store from the global setup). Files run side by side with the other projects' files; each
        // running file gets a block of 100 ports of its own (test/e2e/port-block.ts), so their stores never collide.
        {
          test: {
            name: "e2e",
            include: ["test/e2e/**/*.test.ts"],
            environment: "node" as const,
            globalSetup: ["./test/e2e/global-setup.ts"],
            setupFiles: ["./test/e2e/port-block.ts"],
            // A guard against hangs, not a speed check. The suite is CPU-bound on a 2-core CI machine, and a browser test
            // that takes 17 s alone took over 60 s in the first minutes of a full run (three files, their stores, the
            // shared store's seed and `npm run check` at once).
            testTimeout: 120_000,
            hookTimeout: 180_000,
            env: {
              E2E_PORT: String(E2E_BASE_PORT),
              E2E_OAUTH_PORT: String(E2E_BASE_PORT + 1),
              E2E_FILE_PORTS: String(E2E_BASE_PORT + 100),
            },
          },
        },
      ],
    },
  };
});
