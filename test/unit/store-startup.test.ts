import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../support/free-port";
import { isRunning as alive } from "../support/process-group";
import { serveStore, stopAllStores } from "../support/store";

// The start-up helper of the browser tests and benchmarks, against a stand-in for scripts/serve.mjs (a tiny HTTP
// server in its own checkout folder), so no build or workerd is needed. What matters is that no server outlives
// whoever started it, even when that caller gave up while the store was still starting (a timed-out beforeAll).
const STORE_MODULE = path.resolve(import.meta.dirname, "../support/store.ts");

let checkout: string;
beforeAll(() => {
  checkout = mkdtempSync(path.join(tmpdir(), "edge-commerce-fake-checkout-"));
  mkdirSync(path.join(checkout, "scripts"));
  // Answers /api/health with 503 until FAKE_READY_AFTER_MS has passed; writes its pid where FAKE_PID_FILE says.
  writeFileSync(
    path.join(checkout, "scripts/serve.mjs"),
    `import { createServer } from "node:http";
import { writeFileSync } from "node:fs";
const port = Number(process.argv[process.argv.indexOf("--port") + 1]);
const readyAt = Date.now() + Number(process.env.FAKE_READY_AFTER_MS ?? 0);
createServer((req, res) => {
  res.statusCode = req.url === "/api/health" && Date.now() >= readyAt ? 200 : 503;
  res.end();
}).listen(port, "127.0.0.1", () => writeFileSync(process.env.FAKE_PID_FILE, String(process.pid)));
`,
  );
});
/** Stand-in servers started by child processes: one a failing test left running kept its port taken for later runs. */
const servers: number[] = [];
afterAll(() => {
  stopAllStores();
  for (const pid of servers) {
    try {
      if (alive(pid)) process.kill(pid, "SIGKILL");
    } catch {}
  }
  delete process.env.FAKE_PID_FILE;
  delete process.env.FAKE_READY_AFTER_MS;
  rmSync(checkout, { recursive: true, force: true });
});

async function until(condition: () => boolean, ms = 10_000) {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 25));
  }
}

function pidFile(name: string) {
  const file = path.join(checkout, `${name}.pid`);
  rmSync(file, { force: true });
  return file;
}

/**
 * A Node process that imports the helper and starts a store (its stand-in server writes its pid to `file`), as a
 * vitest worker does; resolved once the server runs. A process that ends or hangs first fails the test with its
 * error output.
 */
async function startStoreInChild(file: string): Promise<{ child: ChildProcess; ended: Promise<number | null> }> {
  const script = `import { serveStore } from ${JSON.stringify(STORE_MODULE)};
await serveStore({ port: ${await freePort()}, persist: ${JSON.stringify(checkout)}, checkout: ${JSON.stringify(checkout)}, output: "ignore" });`;
  const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, FAKE_PID_FILE: file, FAKE_READY_AFTER_MS: "60000" },
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const ended = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  try {
    await until(() => existsSync(file) || child.exitCode !== null);
  } catch {
    child.kill("SIGKILL");
  }
  if (!existsSync(file)) throw new Error(`the process (exit ${child.exitCode}) started no store server; its error output: ${stderr}`);
  servers.push(Number(readFileSync(file, "utf8")));
  return { child, ended };
}

// Each test starts real processes (and one a whole Node process importing the helper); a busy CI machine needs
// more than vitest's default 5 s for that.
describe("serveStore", { timeout: 30_000 }, () => {
  it("hands back a store once it answers, and stop() ends its server", async () => {
    const file = pidFile("ready");
    process.env.FAKE_PID_FILE = file;
    process.env.FAKE_READY_AFTER_MS = "0";
    const persist = mkdtempSync(path.join(tmpdir(), "edge-commerce-fake-state-"));
    const store = await serveStore({ port: await freePort(), persist, checkout, removeStateOnStop: true, output: "ignore" });
    expect((await fetch(`${store.baseUrl}/api/health`)).status).toBe(200);
    const pid = Number(readFileSync(file, "utf8"));
    store.stop();
    await store.exited;
    await until(() => !alive(pid));
    expect(existsSync(persist)).toBe(false);
  });

  it("never hands back a store stopped while it was starting, and leaves no server", async () => {
    const file = pidFile("stopped");
    process.env.FAKE_PID_FILE = file;
    process.env.FAKE_READY_AFTER_MS = "60000";
    const starting = serveStore({ port: await freePort(), persist: checkout, checkout, output: "ignore" });
    await until(() => existsSync(file));
    const pid = Number(readFileSync(file, "utf8"));
    // What a test file's afterAll, or the process ending, does after a beforeAll gave up waiting.
    stopAllStores();
    await expect(starting).rejects.toThrow(/stopped before it answered/);
    await until(() => !alive(pid));
  });

  it("stops the server of a process ended by SIGTERM while its store was starting (vitest ending a timed-out worker)", async () => {
    const file = pidFile("sigterm");
    const { child, ended } = await startStoreInChild(file);
    const pid = Number(readFileSync(file, "utf8"));
    expect(alive(pid)).toBe(true);
    child.kill("SIGTERM");
    expect(await ended).toBe(143);
    await until(() => !alive(pid));
  });
});
