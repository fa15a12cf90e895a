// `npm test`: every check and every test, as CI runs them (.ci/run).
//
// 1. `npm run build` (the browser tests serve the build) and `npm run deploy:check` (a dry-run deploy in budget);
// 2. then `npm run check` (format, lint, import rules, generated types and SDK current, astro check + tsc) and
//    `vitest run` (every project) side by side. The checks spend ~1.5 min mostly on one core; run first, they
//    were pure waiting time before the first test. Their output is printed as one block when they end.
// Fails (exit 1) when any step fails; a failed check stops the tests at once.
import { spawn, spawnSync } from "node:child_process";

const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const env = { ...process.env, WRANGLER_SEND_METRICS: "false", ASTRO_TELEMETRY_DISABLED: "1" };

for (const script of ["build", "deploy:check"]) {
  const step = spawnSync(npm, ["run", script], { stdio: "inherit", env });
  if (step.status !== 0) process.exit(step.status ?? 1);
}

const started = Date.now();
// At a lower CPU priority (`nice`, where there is one): the tests keep the cores, the checks take what they leave.
const niceable = process.platform !== "win32" && spawnSync("nice", ["true"]).status === 0;
const check = niceable
  ? spawn("nice", ["-n", "10", npm, "run", "check"], { env, stdio: ["ignore", "pipe", "pipe"] })
  : spawn(npm, ["run", "check"], { env, stdio: ["ignore", "pipe", "pipe"] });
let checkOutput = "";
check.stdout.on("data", (d) => (checkOutput += d));
check.stderr.on("data", (d) => (checkOutput += d));
// Its own process group, so a failed check can stop every test process at once.
const tests = spawn(npm, ["exec", "--", "vitest", "run", ...process.argv.slice(2)], { env, stdio: "inherit", detached: true });
const stopTests = () => {
  try {
    process.kill(-tests.pid, "SIGTERM");
  } catch {}
};
process.on("SIGINT", () => (stopTests(), process.exit(130)));
process.on("SIGTERM", () => (stopTests(), process.exit(143)));

const checkDone = new Promise((resolve) =>
  check.on("exit", (code) => {
    const seconds = Math.round((Date.now() - started) / 1000);
    process.stdout.write(
      `\n── npm run check (beside the tests, ${seconds} s) ──\n${checkOutput}── npm run check: ${code === 0 ? "passed" : `FAILED (exit ${code})`} ──\n\n`,
    );
    if (code !== 0) stopTests();
    resolve(code);
  }),
);
const testsDone = new Promise((resolve) => tests.on("exit", (code, signal) => resolve(signal ? 1 : code)));
const [checkCode, testsCode] = await Promise.all([checkDone, testsDone]);
if (checkCode !== 0) console.error("npm test: the checks failed (see the block above).");
process.exit(checkCode !== 0 ? 1 : (testsCode ?? 1));
