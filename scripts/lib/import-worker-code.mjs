// Loads Worker code into Node for a script (the SDK generator, the demo payouts): bundled with esbuild for Node,
// with the `cloudflare:*` modules stubbed (the scripts never serve requests through them), imported, and the
// bundle's temporary folder removed.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";

/** Bundles `entry` (a path) and answers its module's exports. */
export async function importWorkerCode(entry) {
  const { build } = await import("esbuild");
  const dir = mkdtempSync(path.join(tmpdir(), "edge-commerce-bundle-"));
  try {
    const outfile = path.join(dir, "bundle.mjs");
    await build({
      entryPoints: [entry],
      outfile,
      bundle: true,
      format: "esm",
      platform: "node",
      logLevel: "error",
      plugins: [
        {
          name: "workers-stubs",
          setup(b) {
            b.onResolve({ filter: /^cloudflare:/ }, (args) => ({ path: args.path, namespace: "stub" }));
            b.onLoad({ filter: /.*/, namespace: "stub" }, () => ({
              contents: "export const env = {}; export function waitUntil() {} export class DurableObject {} export class WorkerEntrypoint {}",
              loader: "js",
            }));
          },
        },
      ],
    });
    return await import(pathToFileURL(outfile).href);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
