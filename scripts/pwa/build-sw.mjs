// After `astro build`: bundles the service worker (site/sw/sw.ts) into dist/client/sw.js with the list of
// files to precache: every build file (CSS, island and page scripts, named by content hash), the icons
// and the offline page. Each entry carries its content's hash; the service worker's version
// is the hash of that list plus its own source, so any change to the shell installs a new worker and the
// open pages show the "new version" prompt.
//
//   node scripts/pwa/build-sw.mjs        (part of `npm run build`)
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { build } from "esbuild";

const root = path.resolve(import.meta.dirname, "../..");
const client = path.join(root, "dist/client");
if (!existsSync(client)) {
  console.error("dist/client is missing: run `astro build` first.");
  process.exit(1);
}

const hash = (data) => createHash("sha256").update(data).digest("hex").slice(0, 16);

const files = [];
for (const dir of ["_astro", "icons"]) {
  const full = path.join(client, dir);
  if (!existsSync(full)) continue;
  for (const name of readdirSync(full).sort()) {
    if (!/\.(?:js|css|png|svg|woff2)$/.test(name)) continue;
    files.push({ url: `/${dir}/${name}`, revision: hash(readFileSync(path.join(full, name))) });
  }
}
if (existsSync(path.join(client, "favicon.svg"))) files.push({ url: "/favicon.svg", revision: hash(readFileSync(path.join(client, "favicon.svg"))) });
// Rendered by the Worker: fetched again by every new service worker version.
const precache = [...files, { url: "/offline", revision: null }];

const swDir = path.join(root, "site/sw");
const source = readdirSync(swDir)
  .sort()
  .map((name) => readFileSync(path.join(swDir, name), "utf8"))
  .join("\n");
const version = hash(JSON.stringify(precache) + source);

await build({
  entryPoints: [path.join(swDir, "sw.ts")],
  outfile: path.join(client, "sw.js"),
  bundle: true,
  format: "iife",
  target: "es2022",
  minify: true,
  legalComments: "none",
  define: { __PRECACHE__: JSON.stringify(precache), __SW_VERSION__: JSON.stringify(version) },
  logLevel: "warning",
});
console.log(`Service worker ${version}: ${precache.length} files to precache → dist/client/sw.js`);
