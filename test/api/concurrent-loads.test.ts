import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { purgeCatalogCache } from "../../worker/catalog";
import { MemoCache } from "../../worker/lib/memo-cache";
import { insertCategory, insertProduct } from "../support/factories";

const BASE = "http://store.test";

beforeAll(async () => {
  const shirts = await insertCategory(env.DB, { slug: "shirts" });
  for (let i = 0; i < 4; i++) {
    await insertProduct(env.DB, {
      slug: `shirt-${i}`,
      name: `Shirt ${i}`,
      category: shirts,
      variants: [{ sku: `SH-${i}`, title: "One size", options: {}, price: 2000 + i, stockAvailable: 5 }],
    });
  }
});

/** Settles with the value, or rejects if it takes longer than `ms` (a hung wait fails fast instead of timing out the test). */
function within<T>(promise: Promise<T>, ms = 2_000): Promise<T> {
  return Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`still waiting after ${ms} ms`)), ms))]);
}

/** What a load started by a request that the runtime then cancelled looks like to everyone else: it never settles. */
const cancelledLoad = () => new Promise<never>(() => {});

describe("an isolate cache never makes a request wait on another request's load", () => {
  it("loads a cold key itself when another request's load for it never finishes, and keeps serving it", async () => {
    const cache = new MemoCache();
    void cache.get("product:a", 30_000, cancelledLoad);
    const answers = await within(Promise.all(Array.from({ length: 20 }, (_, i) => cache.get("product:a", 30_000, async () => `loaded by ${i}`))));
    expect(answers.every((a) => a.startsWith("loaded by"))).toBe(true);
    expect(await within(cache.get("product:a", 30_000, async () => "reloaded"))).toMatch(/^loaded by/);
  });

  it("serves the stale value while another request refreshes an expired key, and loads itself once the grace is over", async () => {
    const cache = new MemoCache();
    await cache.get("categories", 1, async () => "old", { staleMs: 100 });
    await new Promise((r) => setTimeout(r, 5));
    void cache.get("categories", 1, cancelledLoad);
    expect(await within(cache.get("categories", 1, async () => "new"))).toBe("old");
    await new Promise((r) => setTimeout(r, 120));
    expect(await within(cache.get("categories", 1, async () => "new"))).toBe("new");
  });

  it("does not keep a value loaded before a purge", async () => {
    const cache = new MemoCache();
    let finish: (v: string) => void = () => {};
    const slow = cache.get("k", 30_000, () => new Promise<string>((r) => (finish = r)));
    cache.purge();
    finish("from before the purge");
    await slow;
    expect(await cache.get("k", 30_000, async () => "fresh")).toBe("fresh");
  });
});

/**
 * `n` concurrent requests for `path` while the first one is dropped by its client right after it started.
 * The vitest pool's in-process fetch does not cancel the dropped handler (test/e2e/concurrent-loads.test.ts
 * does that over real HTTP); this checks that a dropped leader costs the others nothing.
 */
async function stampedeWithDroppedLeader(path: string, n: number): Promise<number[]> {
  const leader = new AbortController();
  const first = exports.default.fetch(`${BASE}${path}`, { signal: leader.signal }).catch(() => null);
  await new Promise((r) => setTimeout(r, 1));
  const rest = Array.from({ length: n }, () =>
    exports.default.fetch(`${BASE}${path}`).then(async (res) => {
      await res.arrayBuffer();
      return res.status;
    }),
  );
  leader.abort();
  await first;
  return within(Promise.all(rest), 10_000);
}

describe("many concurrent requests for a cold key while the first is dropped", () => {
  for (const path of ["/api/products/shirt-1", "/api/categories", "/api/products?category=shirts", "/api/search/suggest?q=shi"]) {
    it(`answers every request for ${path} and the next one`, async () => {
      purgeCatalogCache();
      const statuses = await stampedeWithDroppedLeader(path, 30);
      expect(statuses).toEqual(statuses.map(() => 200));
      expect((await within(exports.default.fetch(`${BASE}${path}`), 5_000)).status).toBe(200);
    });
  }
});
