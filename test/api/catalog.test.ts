import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { purgeCatalogCache } from "../../worker/catalog";
import { insertBrand, insertCategory, insertProduct } from "../support/factories";
import { json } from "../support/http";

const get = (path: string) => exports.default.fetch(`http://store.test${path}`);

// A small fixed catalog: Apparel > Shirts, Apparel > Shoes, Home (empty).
beforeAll(async () => {
  const apparel = await insertCategory(env.DB, { slug: "apparel", position: 0 });
  const shirts = await insertCategory(env.DB, { slug: "shirts", position: 0 }, apparel);
  const shoes = await insertCategory(env.DB, { slug: "shoes", position: 1 }, apparel);
  await insertCategory(env.DB, { slug: "home", position: 1 });
  const acme = await insertBrand(env.DB, "acme", "Acme");
  const zen = await insertBrand(env.DB, "zen", "Zen Works");
  await insertProduct(env.DB, {
    slug: "linen-shirt",
    name: "Linen Shirt",
    category: shirts,
    brandId: acme.id,
    featured: 1,
    soldCount: 50,
    ratingAvg: 450,
    ratingCount: 12,
    createdAt: "2026-03-01T00:00:00.000Z",
    attributes: { material: "linen", color: "white" },
    images: 3,
    variants: [
      { sku: "LIN-S-WHT", title: "S / White", options: { size: "S", color: "White" }, price: 3900, compareAtPrice: 4900, stockAvailable: 3 },
      { sku: "LIN-M-WHT", title: "M / White", options: { size: "M", color: "White" }, price: 3900, stockAvailable: 20 },
      { sku: "LIN-L-BLU", title: "L / Blue", options: { size: "L", color: "Blue" }, price: 4200, stockAvailable: 0 },
    ],
  });
  await insertProduct(env.DB, {
    slug: "oxford-shirt",
    name: "Oxford Shirt",
    category: shirts,
    brandId: zen.id,
    soldCount: 200,
    ratingAvg: 380,
    ratingCount: 40,
    createdAt: "2026-05-01T00:00:00.000Z",
    attributes: { material: "cotton", color: "blue" },
    variants: [{ sku: "OXF-M", title: "M", options: { size: "M" }, price: 5500, stockAvailable: 8 }],
  });
  await insertProduct(env.DB, {
    slug: "trail-runner",
    name: "Trail Runner",
    category: shoes,
    brandId: acme.id,
    soldCount: 10,
    ratingAvg: 490,
    ratingCount: 3,
    createdAt: "2026-06-01T00:00:00.000Z",
    attributes: { material: "mesh", color: "red" },
    variants: [{ sku: "TRL-42", title: "42", options: { size: "42" }, price: 12000, stockAvailable: 0 }],
  });
  await insertProduct(env.DB, { slug: "secret-draft", name: "Secret Draft", category: shirts, status: "draft" });
  await insertProduct(env.DB, { slug: "old-archived", name: "Old Archived", category: shoes, status: "archived" });
  purgeCatalogCache();
});

const slugs = async (path: string) => ((await json(await get(path))) as { items: { slug: string }[] }).items.map((p) => p.slug);

describe("GET /api/categories", () => {
  it("answers the tree with active product counts per subtree", async () => {
    const res = await get("/api/categories");
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toContain("max-age=");
    const { items } = (await json(res)) as { items: { slug: string; productCount: number; children: { slug: string; productCount: number }[] }[] };
    expect(items.map((c) => c.slug)).toEqual(["apparel", "home"]);
    expect(items[0]?.productCount).toBe(3);
    expect(items[0]?.children.map((c) => [c.slug, c.productCount])).toEqual([
      ["shirts", 2],
      ["shoes", 1],
    ]);
    expect(items[1]?.productCount).toBe(0);
  });
});

describe("GET /api/products", () => {
  it("lists only active products with the page envelope and money in minor units", async () => {
    const res = await get("/api/products?sort=newest");
    expect(res.status).toBe(200);
    const body = (await json(res)) as { items: Record<string, unknown>[]; total: number; page: number; perPage: number };
    expect(body.total).toBe(3);
    expect(body.page).toBe(1);
    expect(body.perPage).toBe(24);
    expect(body.items.map((p) => p.slug)).toEqual(["trail-runner", "oxford-shirt", "linen-shirt"]);
    const linen = body.items.find((p) => p.slug === "linen-shirt");
    expect(linen).toMatchObject({
      name: "Linen Shirt",
      brand: { slug: "acme", name: "Acme" },
      category: { slug: "shirts" },
      price: { amount: 3900, currency: "USD" },
      compareAtPrice: { amount: 4900, currency: "USD" },
      image: { url: "/media/products/linen-shirt/0.svg", alt: "Linen Shirt" },
      rating: { average: 4.5, count: 12 },
      inStock: true,
    });
  });

  it("includes subcategories when filtering by a parent category", async () => {
    expect((await slugs("/api/products?category=apparel&sort=price_asc")).sort()).toEqual(["linen-shirt", "oxford-shirt", "trail-runner"]);
    expect(await slugs("/api/products?category=shoes")).toEqual(["trail-runner"]);
    expect(await slugs("/api/products?category=home")).toEqual([]);
    expect(await slugs("/api/products?category=no-such-category")).toEqual([]);
  });

  it("filters by brand, price range, stock and attributes, combined", async () => {
    expect(await slugs("/api/products?brand=acme&sort=price_asc")).toEqual(["linen-shirt", "trail-runner"]);
    expect(await slugs("/api/products?brand=acme,zen&sort=price_asc")).toEqual(["linen-shirt", "oxford-shirt", "trail-runner"]);
    expect(await slugs("/api/products?minPrice=4000&maxPrice=6000")).toEqual(["oxford-shirt"]);
    expect(await slugs("/api/products?inStock=true&sort=price_asc")).toEqual(["linen-shirt", "oxford-shirt"]);
    expect(await slugs("/api/products?attr.material=linen,mesh&sort=price_asc")).toEqual(["linen-shirt", "trail-runner"]);
    expect(await slugs("/api/products?brand=acme&inStock=1&attr.color=white")).toEqual(["linen-shirt"]);
    expect(await slugs("/api/products?q=shirt&sort=price_desc")).toEqual(["oxford-shirt", "linen-shirt"]);
  });

  it.each([
    ["price_asc", ["linen-shirt", "oxford-shirt", "trail-runner"]],
    ["price_desc", ["trail-runner", "oxford-shirt", "linen-shirt"]],
    ["newest", ["trail-runner", "oxford-shirt", "linen-shirt"]],
    ["rating", ["trail-runner", "linen-shirt", "oxford-shirt"]],
    ["bestselling", ["oxford-shirt", "linen-shirt", "trail-runner"]],
    ["relevance", ["linen-shirt", "oxford-shirt", "trail-runner"]],
  ])("sorts by %s", async (sort, expected) => {
    expect(await slugs(`/api/products?sort=${sort}`)).toEqual(expected);
  });

  it("pages through results without repeating or skipping", async () => {
    const first = await json(await get("/api/products?sort=price_asc&perPage=2&page=1"));
    const second = await json(await get("/api/products?sort=price_asc&perPage=2&page=2"));
    expect(first).toMatchObject({ total: 3, page: 1, perPage: 2 });
    expect([...first.items, ...second.items].map((p: { slug: string }) => p.slug)).toEqual(["linen-shirt", "oxford-shirt", "trail-runner"]);
    expect((await json(await get("/api/products?page=9"))).items).toEqual([]);
  });

  it("answers 400 problem+json naming every invalid parameter", async () => {
    const res = await get("/api/products?perPage=500&sort=cheapest&minPrice=1.5&colour=red");
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    const body = await json(res);
    expect(body).toMatchObject({ status: 400, code: "request.invalid", title: "Bad Request" });
    expect(body.requestId).toBe(res.headers.get("x-request-id"));
    expect(body.errors.map((e: { path: string }) => e.path).sort()).toEqual(["colour", "minPrice", "perPage", "sort"]);
  });

  it("rejects a price range whose minimum is above its maximum, and malformed slugs", async () => {
    const range = await json(await get("/api/products?minPrice=5000&maxPrice=100"));
    expect(range.errors).toEqual([{ path: "maxPrice", message: expect.stringContaining("minPrice") }]);
    expect((await get("/api/products?category=Robert';DROP")).status).toBe(400);
    expect((await get("/api/products?brand=a,,b")).status).toBe(400);
    expect((await get("/api/products?page=0")).status).toBe(400);
  });

  it("searches q in names, brands, categories and descriptions, by word prefix", async () => {
    expect(await slugs("/api/products?q=zen")).toEqual(["oxford-shirt"]);
    expect((await slugs("/api/products?q=shoes")).sort()).toEqual(["trail-runner"]);
    expect((await slugs("/api/products?q=product%20made%20for%20tests")).sort()).toEqual(["linen-shirt", "oxford-shirt", "trail-runner"]);
    expect(await slugs("/api/products?q=oxf")).toEqual(["oxford-shirt"]);
  });

  it("filters by minimum rating and answers facet counts with every page", async () => {
    expect(await slugs("/api/products?rating=4&sort=rating")).toEqual(["trail-runner", "linen-shirt"]);
    const body = await json(await get("/api/products?brand=acme"));
    expect(body.didYouMean).toBeNull();
    expect(body.facets.brand).toEqual([
      { value: "acme", label: "Acme", count: 2, selected: true },
      { value: "zen", label: "Zen Works", count: 1, selected: false },
    ]);
    expect(body.facets.category.map((c: { value: string; count: number }) => [c.value, c.count])).toEqual([
      ["apparel", 2],
      ["shirts", 1],
      ["shoes", 1],
    ]);
    expect(body.facets.attributes.material.map((m: { value: string }) => m.value)).toEqual(["linen", "mesh"]);
  });

  it("treats SQL and LIKE wildcards in q as plain text", async () => {
    for (const q of ["%", "_", "' OR 1=1 --", '"']) {
      const res = await get(`/api/products?q=${encodeURIComponent(q)}`);
      expect(res.status).toBe(200);
      expect((await json(res)).items).toEqual([]);
    }
  });
});

describe("GET /api/products/:slug", () => {
  it("answers the product with variants, options, images, attributes and breadcrumbs", async () => {
    const res = await get("/api/products/linen-shirt");
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toContain("stale-while-revalidate");
    const p = await json(res);
    expect(p).toMatchObject({
      slug: "linen-shirt",
      name: "Linen Shirt",
      brand: { slug: "acme", name: "Acme" },
      category: { slug: "shirts", name: "Shirts", breadcrumbs: [{ slug: "apparel" }, { slug: "shirts" }] },
      priceRange: { min: { amount: 3900, currency: "USD" }, max: { amount: 4200, currency: "USD" } },
      options: [
        { name: "size", values: ["S", "M", "L"] },
        { name: "color", values: ["White", "Blue"] },
      ],
      attributes: [
        { name: "color", value: "white" },
        { name: "material", value: "linen" },
      ],
      rating: { average: 4.5, count: 12 },
    });
    expect(p.images).toHaveLength(3);
    expect(p.variants).toEqual([
      expect.objectContaining({
        sku: "LIN-S-WHT",
        price: { amount: 3900, currency: "USD" },
        compareAtPrice: { amount: 4900, currency: "USD" },
        stockStatus: "low_stock",
        available: 3,
      }),
      expect.objectContaining({ sku: "LIN-M-WHT", compareAtPrice: null, stockStatus: "in_stock", available: null }),
      expect.objectContaining({ sku: "LIN-L-BLU", stockStatus: "out_of_stock", available: null }),
    ]);
  });

  it("answers 404 for unknown, draft and archived products", async () => {
    for (const slug of ["no-such-product", "secret-draft", "old-archived"]) {
      const res = await get(`/api/products/${slug}`);
      expect(res.status).toBe(404);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      expect((await json(res)).code).toBe("catalog.product_not_found");
    }
  });

  it("answers 400 for a malformed slug", async () => {
    const res = await get("/api/products/NOT_A_SLUG");
    expect(res.status).toBe(400);
    expect((await json(res)).errors[0].path).toBe("slug");
  });
});
