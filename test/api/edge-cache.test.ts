import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { catalogChanged } from "../../worker/catalog";
import { purgeResponseCache } from "../../worker/lib/response-cache";
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
});
