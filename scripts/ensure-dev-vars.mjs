// Creates .dev.vars from .dev.vars.example on a fresh checkout and adds freshly
// generated local secrets that are missing. Never overwrites a value.
import { appendFileSync, copyFileSync, existsSync, readFileSync } from "node:fs";
import { parseEnv } from "node:util";
import { generateSecrets } from "./secrets.mjs";

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
