import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { catalogChanged } from "../../worker/catalog";
import { cacheVersion } from "../../worker/lib/cache-version";
import { purgeResponseCache, responseCacheKey } from "../../worker/lib/response-cache";
import { insertCategory, insertProduct } from "../support/factories";

const get = (path: string, headers: Record<string, string> = {}) => exports.default.fetch(`http://store.test${path}`, { headers });

beforeAll(async () => {
  const shirts = await insertCategory(env.DB, { slug: "shirts" });
  await insertProduct(env.DB, {
    slug: "linen-shirt",
    name: "Linen Shirt",
    category: shirts,
    variants: [{ sku: "LIN-1", title: "One size", options: {}, price: 3900, stockAvailable: 9 }],
  });
  await catalogChanged(env.DB);
});

describe("catalog API answers through the edge cache", () => {
  it("serves a repeat from cache, a fresh isolate from caches.default, and never an Authorization request", async () => {
    expect((await get("/api/products/linen-shirt")).headers.get("x-cache")).toBe("miss");
    expect((await get("/api/products/linen-shirt")).headers.get("x-cache")).toBe("hit");
    purgeResponseCache();
    const edge = await get("/api/products/linen-shirt");
    expect(edge.headers.get("x-cache-layer")).toBe("edge");
    expect(edge.headers.get("cache-control")).toContain("public");
    expect((await get("/api/products/linen-shirt", { Authorization: "Bearer nope" })).headers.get("x-cache")).not.toBe("hit");
    expect((await get("/api/categories")).headers.get("x-cache")).toBe("miss");
    expect((await get("/api/categories")).headers.get("x-cache")).toBe("hit");
  });

  it("answers the new data right after a catalog write", async () => {
    await get("/api/products/linen-shirt");
    await env.DB.prepare("UPDATE products SET name = 'Linen Shirt II' WHERE slug = 'linen-shirt'").run();
    await catalogChanged(env.DB);
    const res = await get("/api/products/linen-shirt");
    expect(res.headers.get("x-cache")).toBe("miss");
    expect(((await res.json()) as { name: string }).name).toBe("Linen Shirt II");
  });

  it("never serves a copy another build stored (its pages name that build's assets), and serves this build's", async () => {
    const path = "/api/products?q=linen";
    const url = `http://store.test${path}`;
    const edge = (caches as unknown as { default: Cache }).default;
    const stored = (name: string) =>
      new Response(JSON.stringify({ items: [], total: 0, note: name }), {
        headers: { "content-type": "application/json", "cache-control": "public, s-maxage=60" },
      });
    const version = await cacheVersion(env.DB);
    await edge.put(responseCacheKey(url, version, "", "the-previous-deploy"), stored("From the previous deploy"));
    const fresh = await get(path);
    expect(fresh.headers.get("x-cache")).toBe("miss");
    const answer = (await fresh.json()) as { total: number; note?: string };
    expect(answer.note).toBeUndefined();
    expect(answer.total).toBe(1);
    // A copy this build stored is what a fresh isolate serves (after the miss's own store, kept alive by waitUntil).
    await vi.waitFor(async () => expect(await edge.match(responseCacheKey(url, version, ""))).toBeTruthy());
    await edge.put(responseCacheKey(url, version, ""), stored("This build's copy"));
    purgeResponseCache();
    const hit = await get(path);
    expect(hit.headers.get("x-cache-layer")).toBe("edge");
    expect(((await hit.json()) as { note: string }).note).toBe("This build's copy");
  });
});
