// @ts-check
import cloudflare from "@astrojs/cloudflare";
import preact from "@astrojs/preact";
import { randomBytes } from "node:crypto";
import { defineConfig } from "astro/config";

// A new id for every build: cached pages carry it in their key (worker/lib/build-id.ts).
const buildId = randomBytes(6).toString("hex");

export default defineConfig({
  output: "server",
  srcDir: "./site",
  publicDir: "./site/public",
  adapter: cloudflare({ imageService: "passthrough" }),
  integrations: [preact()],
  // A Content-Security-Policy <meta> with hashes of every script and style Astro emits
  // (islands' hydration included): no 'unsafe-inline'. The front door adds, as a header,
  // what a <meta> cannot carry (frame-ancestors).
  security: { csp: true },
  server: { host: "127.0.0.1", port: 8787 },
  vite: {
    define: { __BUILD_ID__: JSON.stringify(buildId) },
    // Cold Vite cache under `astro dev` otherwise fails the first SSR request.
    ssr: { optimizeDeps: { include: ["preact/devtools"] } },
    // Scripts stay external files (never inlined), ready for a CSP without 'unsafe-inline'.
    build: { assetsInlineLimit: 0 },
  },
});
