import { existsSync, lstatSync, readdirSync, readlinkSync, statfsSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { generateSecrets } from "../../scripts/secrets.mjs";
import { type RunningStore, serveStore, startStore } from "../support/store";

// The local runtime keeps the Cache API's copies in memory for each run of the store (scripts/serve.mjs): they are
// disposable, and on disk every stored answer cost fsyncs on the runtime's only thread. What a store owner relies
// on: cached answers are still stored and served, carts and the catalog stay on disk, and a stopped store (even a
// killed one) leaves no memory behind. docs/caching.md, "The local runtime".
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

describe("the local edge cache", () => {
  it("is stored and served, in memory for the run where there is room, and a stopped store leaves none behind", async () => {
    const store = await startStore({ port: PORT, products: 6 });
    stores.push(store);
    const link = path.join(store.persist, "v3", "cache");
    // Without room in memory the copies stay on disk, in a plain folder of the state.
    const memory = inMemory();
    const dir = memory ? readlinkSync(link) : link;
    if (memory) expect(dir.startsWith("/dev/shm/edge-commerce-cache-")).toBe(true);
    else expect(lstatSync(link).isDirectory()).toBe(true);
    // The database and the Durable Objects are real folders on disk.
    expect(lstatSync(path.join(store.persist, "v3", "d1")).isDirectory()).toBe(true);

    // An anonymous catalog answer is stored (the put runs after the answer) and the next request is a hit.
    const first = await fetch(`${store.baseUrl}/api/products?perPage=4&sort=newest`);
    expect(first.status).toBe(200);
    expect(first.headers.get("x-cache")).toBe("miss");
    const body = await first.text();
    await until(() => files(dir).length > 0);
    const again = await fetch(`${store.baseUrl}/api/products?perPage=4&sort=newest`);
    expect(again.headers.get("x-cache")).toBe("hit");
    expect(await again.text()).toBe(body);

    // Stopped: the folder in memory is gone (on disk it goes with the state folder, as every test store's does).
    store.stop();
    await store.exited;
    await until(() => !existsSync(dir));
  });

  it.runIf(inMemory())("removes the folder of a killed run when the store starts again over the same state", async () => {
    const store = await startStore({ port: PORT + 1, products: 2 });
    stores.push(store);
    const dir = readlinkSync(path.join(store.persist, "v3", "cache"));
    expect((await fetch(`${store.baseUrl}/api/products?perPage=2`)).status).toBe(200);
    // SIGKILL to the whole group: nothing runs on the way out.
    process.kill(-store.pid, "SIGKILL");
    await store.exited;
    expect(existsSync(dir)).toBe(true);

    const again = await serveStore({
      port: PORT + 2,
      persist: store.persist,
      output: "ignore",
      vars: { ...generateSecrets(), ENVIRONMENT: "test" },
      removeStateOnStop: true,
    });
    stores.push(again);
    expect(existsSync(dir)).toBe(false);
    const fresh = readlinkSync(path.join(store.persist, "v3", "cache"));
    expect(fresh).not.toBe(dir);
    // The catalog outlived the kill: it is on disk.
    const listing = (await (await fetch(`${again.baseUrl}/api/products?perPage=2`)).json()) as { items: unknown[] };
    expect(listing.items.length).toBe(2);
    again.stop();
    await again.exited;
    await until(() => !existsSync(fresh));
  });
});
