// Creates .dev.vars from .dev.vars.example on a fresh checkout and adds freshly
// generated local secrets that are missing. Never overwrites a value.
import { appendFileSync, copyFileSync, existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseEnv } from "node:util";
import { dropDanglingEdgeCacheLink } from "./lib/edge-cache.mjs";
import { generateSecrets } from "./secrets.mjs";

// The first step of `npm start` and `npm run dev`: a link to the edge cache's folder in memory left by a killed
// run, once that folder is gone, would stop the migration and the seed from opening the state (lib/edge-cache.mjs).
dropDanglingEdgeCacheLink(fileURLToPath(new URL("../.wrangler/state/v3", import.meta.url)));

const target = new URL("../.dev.vars", import.meta.url);
if (!existsSync(target)) {
  copyFileSync(new URL("../.dev.vars.example", import.meta.url), target);
  console.log("Created .dev.vars from .dev.vars.example");
}
const present = parseEnv(readFileSync(target, "utf8"));
const missing = Object.entries(generateSecrets()).filter(([name]) => !present[name]);
if (missing.length) {
  appendFileSync(target, `\n${missing.map(([name, value]) => `${name}='${value}'`).join("\n")}\n`);
  console.log(`Generated local ${missing.map(([n]) => n).join(", ")} in .dev.vars`);
}
