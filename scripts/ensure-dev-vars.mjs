// Creates .dev.vars from .dev.vars.example on a fresh checkout (never overwrites it).
import { copyFileSync, existsSync } from "node:fs";

const target = new URL("../.dev.vars", import.meta.url);
if (!existsSync(target)) {
  copyFileSync(new URL("../.dev.vars.example", import.meta.url), target);
  console.log("Created .dev.vars from .dev.vars.example");
}
