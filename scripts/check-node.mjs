// Runs after `npm install` (on whatever Node started npm) to say which Node the scripts will use.
import { existsSync } from "node:fs";

if (!existsSync(new URL("../node_modules/.bin/node", import.meta.url))) {
  console.warn("[edge-commerce] node_modules/.bin/node is missing: npm scripts need Node >= 22.12 on PATH.");
}
