// @ts-check
import cloudflare from "@astrojs/cloudflare";
import preact from "@astrojs/preact";
import { defineConfig } from "astro/config";

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
    // Cold Vite cache under `astro dev` otherwise fails the first SSR request.
    ssr: { optimizeDeps: { include: ["preact/devtools"] } },
    // Scripts stay external files (never inlined), ready for a CSP without 'unsafe-inline'.
    build: { assetsInlineLimit: 0 },
  },
});
