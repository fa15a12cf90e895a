import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { lookupSkus, purgeCatalogCache } from "../../worker/catalog";
import { insertCategory, insertProduct } from "../support/factories";

// The real D1, with its queries counted: how many reads a burst of cart writes costs. A statement may be prepared
// once and run many times (db/client.ts, `preparedQuery`), each run binding its values: a bind is one query.
let queries = 0;
const countedStatement = (statement: D1PreparedStatement): D1PreparedStatement =>
  new Proxy(statement, {
    get(target, key) {
      const value = Reflect.get(target, key, target);
      if (key !== "bind") return typeof value === "function" ? value.bind(target) : value;
      return (...values: unknown[]) => {
        queries++;
        return target.bind(...values);
      };
    },
  });
const counted = {
  ...env,
  DB: new Proxy(env.DB, {
    get(target, key) {
      if (key === "prepare") return (query: string) => countedStatement(target.prepare(query));
      const value = Reflect.get(target, key, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  }),
} as Env;
const setPrice = (sku: string, price: number) => env.DB.prepare("update product_variants set price = ? where sku = ?").bind(price, sku).run();
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const priceOf = async (sku: string, maxAgeMs: number) => (await lookupSkus(counted, [sku], maxAgeMs)).get(sku)?.price;

beforeAll(async () => {
  const category = await insertCategory(env.DB, { slug: "sku-facts" });
  await insertProduct(env.DB, {
    slug: "sku-facts-mug",
    name: "Mug",
    category,
    variants: [
      { sku: "FACTS-HOT", title: "Hot", options: {}, price: 1000, stockAvailable: 50 },
      { sku: "FACTS-OLD", title: "Old", options: {}, price: 2000, stockAvailable: 50 },
    ],
  });
});

describe("SKU facts cached for cart writes", () => {
  it("lets one request refresh an answer near its max age while concurrent requests keep the cached one", async () => {
    purgeCatalogCache();
    const maxAge = 5_000;
    expect(await priceOf("FACTS-HOT", maxAge)).toBe(1000);
    // Changed in D1 without a purge, as another isolate's write looks from here.
    await setPrice("FACTS-HOT", 1100);
    // Past 60 % of the max age, not past the max age.
    await wait(3_200);
    queries = 0;
    const burst = await Promise.all(Array.from({ length: 10 }, () => priceOf("FACTS-HOT", maxAge)));
    // One read for the burst: the first request's; the others answered from memory at once, never waiting on it.
    expect(queries).toBe(1);
    expect(burst.filter((p) => p === 1100)).toHaveLength(1);
    expect(burst.filter((p) => p === 1000)).toHaveLength(9);
    // What the refresh read is what every later request sees, without reading again.
    expect(await priceOf("FACTS-HOT", maxAge)).toBe(1100);
    expect(queries).toBe(1);
  });

  it("never answers from memory past the max age, and fresh reads (max age 0) always read D1", async () => {
    purgeCatalogCache();
    expect(await priceOf("FACTS-OLD", 300)).toBe(2000);
    await setPrice("FACTS-OLD", 2100);
    queries = 0;
    expect(await priceOf("FACTS-OLD", 0)).toBe(2100);
    expect(queries).toBe(1);
    await wait(400);
    expect(await priceOf("FACTS-OLD", 300)).toBe(2100);
    expect(queries).toBe(2);
  });
});
