import { execFileSync } from "node:child_process";
import { existsSync, lstatSync, readdirSync, readlinkSync, rmSync, statfsSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { generateSecrets } from "../../scripts/secrets.mjs";
import { type RunningStore, serveStore, startStore } from "../support/store";

// The local runtime keeps the Cache API's copies in memory for each run of the store (scripts/lib/edge-cache.mjs):
// they are disposable, and on disk every stored answer cost fsyncs on the runtime's only thread. What a store owner
// relies on: cached answers are still stored and served, carts and the catalog stay on disk, a stopped store (even
// a killed one) leaves no memory behind, and nothing a killed run leaves stops the next start. docs/caching.md,
// "The local runtime".
const PORT = Number(process.env.E2E_PORT ?? 8790) + 71;

const stores: RunningStore[] = [];
afterAll(() => {
  for (const store of stores) store.stop();
});

async function until(condition: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 50));
  }
}

const files = (dir: string) => readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());

/** What scripts/serve.mjs checks before it puts the copies in memory: Linux, /dev/shm with 512 MB free, not opted out. */
function inMemory(): boolean {
  if (process.platform !== "linux" || !existsSync("/dev/shm") || process.env.EDGE_CACHE_ON_DISK === "1") return false;
  const { bavail, bsize } = statfsSync("/dev/shm");
  return bavail * bsize >= 512 * 2 ** 20;
}

/** The run's folder in memory: the name carries the pid of scripts/serve.mjs, which leads the store's process group. */
function runFolder(store: RunningStore): string | undefined {
  const name = readdirSync("/dev/shm").find((n) => n.startsWith(`edge-commerce-cache-${store.pid}-`));
  return name ? path.join("/dev/shm", name) : undefined;
}

describe("the local edge cache", () => {
  it("is stored and served, in memory for the run where there is room, and a stopped store leaves none behind", async () => {
    const store = await startStore({ port: PORT, products: 6 });
    stores.push(store);
    const memory = inMemory();
    const link = path.join(store.persist, "v3", "cache");
    const dir = memory ? runFolder(store) : link;
    expect(dir).toBeDefined();
    if (!dir) return;
    // In memory, the state's cache folder is a link to the run's folder; on disk, a plain folder of the state.
    if (memory) expect(readlinkSync(link)).toBe(dir);
    else expect(lstatSync(link).isDirectory()).toBe(true);
    // The database and the Durable Objects are real folders on disk.
    expect(lstatSync(path.join(store.persist, "v3", "d1")).isDirectory()).toBe(true);

    // An anonymous catalog answer is stored (the put runs after the answer) and, once this isolate's own 10 s copy
    // has expired, served from the Cache API's copy in that folder.
    const first = await fetch(`${store.baseUrl}/api/products?perPage=4&sort=newest`);
    expect(first.status).toBe(200);
    expect(first.headers.get("x-cache")).toBe("miss");
    const body = await first.text();
    await until(() => files(dir).length > 0);
    await new Promise((r) => setTimeout(r, 10_500));
    const again = await fetch(`${store.baseUrl}/api/products?perPage=4&sort=newest`);
    expect([again.headers.get("x-cache"), again.headers.get("x-cache-layer")]).toEqual(["hit", "edge"]);
    expect(await again.text()).toBe(body);

    // Stopped: the folder in memory is gone (on disk it goes with the state folder, as every test store's does).
    store.stop();
    await store.exited;
    await until(() => !existsSync(dir));
  });

  it.runIf(inMemory())("starts over the state of a killed run: its folder is removed, and a link left pointing at nothing is replaced", async () => {
    const vars = { ...generateSecrets(), ENVIRONMENT: "test" };
    const first = await startStore({ port: PORT + 1, products: 2 });
    stores.push(first);
    const link = path.join(first.persist, "v3", "cache");
    const firstDir = runFolder(first);
    expect((await fetch(`${first.baseUrl}/api/products?perPage=2`)).status).toBe(200);
    // SIGKILL to the whole group: nothing runs on the way out, so the folder and the link stay.
    process.kill(-first.pid, "SIGKILL");
    await first.exited;

    const second = await serveStore({ port: PORT + 2, persist: first.persist, output: "ignore", vars });
    stores.push(second);
    expect(firstDir && existsSync(firstDir)).toBe(false);
    const secondDir = runFolder(second);
    expect(secondDir && readlinkSync(link)).toBe(secondDir);
    // Killed too, and its folder gone as a restart of the machine would clear /dev/shm: the link points at nothing.
    process.kill(-second.pid, "SIGKILL");
    await second.exited;
    if (secondDir) rmSync(secondDir, { recursive: true, force: true });
    expect(lstatSync(link).isSymbolicLink() && !existsSync(link)).toBe(true);
    // What `npm start` runs before the store: the migration opens the state through Miniflare, which would fail to
    // create the cache folder through that link; it drops the link first.
    execFileSync(process.execPath, [path.resolve(import.meta.dirname, "../../scripts/migrate.ts"), "--persist-to", first.persist], { stdio: "ignore" });
    expect(lstatSync(link, { throwIfNoEntry: false })?.isSymbolicLink() ?? false).toBe(false);

    const third = await serveStore({ port: PORT + 3, persist: first.persist, output: "ignore", vars, removeStateOnStop: true });
    stores.push(third);
    const thirdDir = runFolder(third);
    expect(thirdDir && readlinkSync(link)).toBe(thirdDir);
    // The catalog outlived both kills: it is on disk.
    const listing = (await (await fetch(`${third.baseUrl}/api/products?perPage=2`)).json()) as { items: unknown[] };
    expect(listing.items.length).toBe(2);
    third.stop();
    await third.exited;
    await until(() => !thirdDir || !existsSync(thirdDir));
  });
});
