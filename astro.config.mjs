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
  server: { host: "127.0.0.1", port: 8787 },
  vite: {
    // Cold Vite cache under `astro dev` otherwise fails the first SSR request (STACK.md).
    ssr: { optimizeDeps: { include: ["preact/devtools"] } },
    // Scripts stay external files (never inlined), ready for a CSP without 'unsafe-inline'.
    build: { assetsInlineLimit: 0 },
  },
});
