// Writes, or checks, worker-configuration.d.ts: the Env and runtime types `wrangler types` derives from
// wrangler.toml (secrets are declared by hand in worker/env.d.ts, since wrangler cannot see them).
//
//   node scripts/types.mjs           regenerate the committed file (npm run types)
//   node scripts/types.mjs --check   regenerate into a temporary file and fail when it differs (npm run types:check)
//
// The flags live here only, so the committed file and the check are always made the same way. `--env-file=/dev/null`
// keeps a developer's .dev.vars out of the types: with it, a fresh clone and a machine with local secrets generate the
// same file. Nothing here needs the network (runtime types come from the installed workerd).
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";

const TARGET = "worker-configuration.d.ts";
const FLAGS = ["--include-runtime=true", "--strict-vars=false", "--env-file=/dev/null"];

const root = path.resolve(import.meta.dirname, "..");
const { values: args } = parseArgs({ options: { check: { type: "boolean", default: false } } });

/** Runs `wrangler types` into `file` (relative to the repository root) on the Node running this script. */
function generate(file) {
  const result = spawnSync(process.execPath, [path.join(root, "node_modules/wrangler/bin/wrangler.js"), "types", file, ...FLAGS], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
  });
  if (result.status !== 0) {
    process.stderr.write(result.stdout + result.stderr);
    throw new Error(`wrangler types exited with ${result.status}`);
  }
}

if (!args.check) {
  generate(TARGET);
  console.log(`${TARGET} regenerated`);
  process.exit(0);
}

// Generated beside the real file so the relative import paths inside it come out the same; a dot file, so neither
// tsc's `*.ts` include nor git picks it up while it exists.
const scratch = `.${path.basename(TARGET, ".d.ts")}.check.d.ts`;
try {
  generate(scratch);
  // wrangler records a non-default output path in the header's command line; that is the one expected difference.
  const fresh = readFileSync(path.join(root, scratch), "utf8").replace(` ${scratch}`, "").split("\n");
  const committed = readFileSync(path.join(root, TARGET), "utf8").split("\n");
  const at = fresh.findIndex((line, i) => line !== committed[i]);
  if (at === -1 && fresh.length === committed.length) {
    console.log(`${TARGET} is current`);
  } else {
    const line = at === -1 ? Math.min(fresh.length, committed.length) : at;
    console.error(`${TARGET} is out of date (first difference at line ${line + 1}):`);
    console.error(`  committed: ${committed[line] ?? "(end of file)"}`);
    console.error(`  generated: ${fresh[line] ?? "(end of file)"}`);
    console.error("Run `npm run types` and commit the result.");
    process.exitCode = 1;
  }
} finally {
  rmSync(path.join(root, scratch), { force: true });
}
