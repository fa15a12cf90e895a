import { existsSync, lstatSync, readdirSync, readlinkSync } from "node:fs";
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

describe.runIf(process.platform === "linux" && existsSync("/dev/shm"))("the local edge cache", () => {
  it("is stored in memory for the run and served from there, and a stopped or killed store leaves none behind", async () => {
    const store = await startStore({ port: PORT, products: 6 });
    stores.push(store);
    const link = path.join(store.persist, "v3", "cache");
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    const dir = readlinkSync(link);
    expect(dir.startsWith("/dev/shm/edge-commerce-cache-")).toBe(true);
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

    // Stopped: the folder in memory is gone.
    store.stop();
    await store.exited;
    await until(() => !existsSync(dir));
  });

  it("removes the folder of a killed run when the store starts again over the same state", async () => {
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
