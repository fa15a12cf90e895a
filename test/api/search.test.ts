import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { purgeCatalogCache } from "../../worker/catalog";
import { insertBrand, insertCategory, insertProduct } from "../support/factories";
import { json } from "../support/http";

const get = (path: string) => exports.default.fetch(`http://store.test${path}`);

interface FacetValue {
  value: string;
  label: string;
  count: number;
  selected: boolean;
  min?: number;
  max?: number | null;
}
interface Page {
  items: Array<{
    slug: string;
    brand: { slug: string } | null;
    category: { slug: string };
    price: { amount: number };
    rating: { average: number };
    inStock: boolean;
  }>;
  total: number;
  page: number;
  perPage: number;
  didYouMean: string | null;
  facets: {
    category: Array<FacetValue & { parent: string | null; depth: number }>;
    brand: FacetValue[];
    vendor: FacetValue[];
    price: FacetValue[];
    rating: FacetValue[];
    inStock: FacetValue[];
    attributes: Record<string, FacetValue[]>;
  };
}

async function search(params: Record<string, string>): Promise<Page> {
  const res = await get(`/api/products?${new URLSearchParams(params)}`);
  expect(res.status).toBe(200);
  return (await json(res)) as Page;
}
const slugs = async (params: Record<string, string>) => (await search(params)).items.map((p) => p.slug);

let seq = 0;
const day = () => `2026-0${1 + (seq % 9)}-${String(10 + (seq++ % 18)).padStart(2, "0")}T00:00:00.000Z`;

// A small fixed catalog. Electronics > Audio, Wearables; Apparel > Shirts; Home > Lighting, Aurora Living.
beforeAll(async () => {
  const electronics = await insertCategory(env.DB, { slug: "electronics", position: 0 });
  const audio = await insertCategory(env.DB, { slug: "audio", name: "Audio & Sound", position: 0 }, electronics);
  const wearables = await insertCategory(env.DB, { slug: "wearables", position: 1 }, electronics);
  const apparel = await insertCategory(env.DB, { slug: "apparel", position: 1 });
  const shirts = await insertCategory(env.DB, { slug: "shirts", position: 0 }, apparel);
  const home = await insertCategory(env.DB, { slug: "home", position: 2 });
  const lighting = await insertCategory(env.DB, { slug: "lighting", position: 0 }, home);
  const auroraLiving = await insertCategory(env.DB, { slug: "aurora-living", name: "Aurora Living", position: 1 }, home);
  const aurora = await insertBrand(env.DB, "aurora-sound", "Aurora Sound");
  const acme = await insertBrand(env.DB, "acme", "Acme");
  const zen = await insertBrand(env.DB, "zen", "Zen Works");
  const nordic = await insertBrand(env.DB, "nordic", "Nördic");
  const variant = (sku: string, price: number, stockAvailable = 10) => [{ sku, title: "Default", options: {}, price, stockAvailable }];

  // "aurora" appears in exactly one field of each of these four: name, brand, category, description.
  await insertProduct(env.DB, {
    slug: "aurora-desk-lamp",
    name: "Aurora Desk Lamp",
    brandId: acme.id,
    category: lighting,
    variants: variant("L-1", 6900),
    createdAt: day(),
  });
  await insertProduct(env.DB, {
    slug: "studio-speaker",
    name: "Studio Speaker",
    brandId: aurora.id,
    category: audio,
    variants: variant("S-1", 24900),
    createdAt: day(),
  });
  await insertProduct(env.DB, {
    slug: "woven-basket",
    name: "Woven Basket",
    brandId: zen.id,
    category: auroraLiving,
    variants: variant("B-1", 3500),
    createdAt: day(),
  });
  await insertProduct(env.DB, {
    slug: "linen-throw",
    name: "Linen Throw",
    brandId: zen.id,
    category: home,
    description: "Soft as the northern aurora at dusk, woven from washed flax.",
    variants: variant("T-1", 8900),
    createdAt: day(),
  });

  await insertProduct(env.DB, {
    slug: "nimbus-headphones",
    name: "Nimbus Noise-Cancelling Headphones",
    brandId: nordic.id,
    vendorId: "ven_alpha",
    category: audio,
    ratingAvg: 460,
    ratingCount: 120,
    soldCount: 500,
    attributes: { color: "Black", connectivity: "Bluetooth" },
    variants: variant("H-1", 19900),
    createdAt: "2026-06-01T00:00:00.000Z",
  });
  await insertProduct(env.DB, {
    slug: "wireless-earbuds",
    name: "Wireless Earbuds",
    brandId: aurora.id,
    vendorId: "ven_beta",
    category: audio,
    ratingAvg: 410,
    ratingCount: 80,
    soldCount: 900,
    attributes: { color: "White", connectivity: "Bluetooth" },
    variants: variant("E-1", 7900),
    createdAt: "2026-05-01T00:00:00.000Z",
  });
  await insertProduct(env.DB, {
    slug: "studio-headphones",
    name: "Studio Headphones",
    brandId: acme.id,
    category: audio,
    ratingAvg: 380,
    ratingCount: 12,
    soldCount: 50,
    attributes: { color: "Black", connectivity: "Wired" },
    variants: variant("H-2", 12900, 0),
    createdAt: "2026-04-01T00:00:00.000Z",
  });
  await insertProduct(env.DB, {
    slug: "pulse-watch",
    name: "Pulse Fitness Watch",
    brandId: nordic.id,
    vendorId: "ven_alpha",
    category: wearables,
    ratingAvg: 430,
    ratingCount: 40,
    soldCount: 300,
    attributes: { color: "Black" },
    variants: variant("W-1", 14900),
    createdAt: "2026-03-01T00:00:00.000Z",
  });
  await insertProduct(env.DB, {
    slug: "creme-brulee-candle",
    name: "Crème Brûlée Candle",
    brandId: zen.id,
    category: auroraLiving,
    ratingAvg: 490,
    ratingCount: 30,
    soldCount: 120,
    attributes: { color: "White" },
    variants: variant("C-1", 2400),
    createdAt: "2026-02-01T00:00:00.000Z",
  });
  await insertProduct(env.DB, {
    slug: "oxford-shirt",
    name: "Oxford Shirt",
    brandId: acme.id,
    vendorId: "ven_beta",
    category: shirts,
    ratingAvg: 350,
    ratingCount: 9,
    soldCount: 200,
    attributes: { color: "Blue", material: "Cotton" },
    variants: variant("O-1", 5500),
    createdAt: "2026-01-15T00:00:00.000Z",
  });
  await insertProduct(env.DB, {
    slug: "linen-shirt",
    name: "Linen Shirt",
    brandId: zen.id,
    category: shirts,
    ratingAvg: 420,
    ratingCount: 15,
    soldCount: 75,
    attributes: { color: "White", material: "Linen" },
    variants: variant("LS-1", 3900, 3),
    createdAt: "2026-01-20T00:00:00.000Z",
  });
  await insertProduct(env.DB, { slug: "secret-headphones", name: "Secret Headphones", category: audio, status: "draft" });
  purgeCatalogCache();
});

describe("GET /api/products?q= (full text)", () => {
  it("ranks a name match above a brand match above a category match above a description match", async () => {
    // Name: the lamp. Brand "Aurora Sound": speaker, earbuds. Category "Aurora Living": basket, candle. Description: throw.
    const ranked = await slugs({ q: "aurora" });
    expect(ranked[0]).toBe("aurora-desk-lamp");
    expect(ranked.slice(1, 3).sort()).toEqual(["studio-speaker", "wireless-earbuds"]);
    expect(ranked.slice(3, 5).sort()).toEqual(["creme-brulee-candle", "woven-basket"]);
    expect(ranked[5]).toBe("linen-throw");
    expect(ranked).toHaveLength(6);
  });

  it("searches name, brand, category and description together, every word required", async () => {
    expect((await slugs({ q: "headphones" })).sort()).toEqual(["nimbus-headphones", "studio-headphones"]);
    // "audio" is only in the category name; "acme" only in the brand.
    expect((await slugs({ q: "audio acme" })).sort()).toEqual(["studio-headphones"]);
    expect(await slugs({ q: "flax" })).toEqual(["linen-throw"]);
    expect(await slugs({ q: "headphones flax" })).toEqual([]);
  });

  it("matches prefixes, and ignores case and accents both ways", async () => {
    expect((await slugs({ q: "head" })).sort()).toEqual(["nimbus-headphones", "studio-headphones"]);
    expect((await slugs({ q: "HEADPH" })).sort()).toEqual(["nimbus-headphones", "studio-headphones"]);
    expect(await slugs({ q: "creme brulee" })).toEqual(["creme-brulee-candle"]);
    expect(await slugs({ q: "CRÈME" })).toEqual(["creme-brulee-candle"]);
    expect((await slugs({ q: "nordic" })).sort()).toEqual(["nimbus-headphones", "pulse-watch"]);
  });

  it("never finds draft products", async () => {
    expect(await slugs({ q: "secret" })).toEqual([]);
  });

  it("answers a misspelling that matches nothing with the closest spelling's results", async () => {
    const page = await search({ q: "hedphones" });
    expect(page.didYouMean).toBe("headphones");
    expect(page.items.map((p) => p.slug).sort()).toEqual(["nimbus-headphones", "studio-headphones"]);
    expect(page.total).toBe(2);
    const two = await search({ q: "wirless erbuds" });
    expect(two.didYouMean).toBe("wireless earbuds");
    expect(two.items.map((p) => p.slug)).toEqual(["wireless-earbuds"]);
    // Nothing close: no suggestion, no results.
    const none = await search({ q: "xylophone" });
    expect(none).toMatchObject({ total: 0, items: [], didYouMean: null });
    // Words that exist but never together are not "corrected".
    expect(await search({ q: "headphones flax" })).toMatchObject({ total: 0, didYouMean: null });
    expect((await search({ q: "headphones" })).didYouMean).toBeNull();
    // Words that match, with filters that exclude every match: nothing to correct.
    expect(await search({ q: "headphones", brand: "zen" })).toMatchObject({ total: 0, didYouMean: null });
    expect(await search({ q: "hedphones", brand: "zen" })).toMatchObject({ total: 0, didYouMean: null });
  });

  it.each([
    ['"'],
    ["*"],
    ['"headphones'],
    ["headphones*"],
    ["NEAR(studio headphones)"],
    ["-headphones"],
    ["headphones OR 1=1"],
    ["studio AND NOT acme"],
    ["'; DROP TABLE products; --"],
    ["' OR '1'='1"],
    ["^studio"],
    ["name:studio"],
    ["{name brand}: studio"],
    ["studio + (headphones"],
    ["%"],
    ["_"],
    ["\\"],
    ["😀"],
  ])("treats %j as plain words, never an error", async (q) => {
    const res = await get(`/api/products?q=${encodeURIComponent(q)}`);
    expect(res.status).toBe(200);
    const body = (await json(res)) as Page;
    expect(Array.isArray(body.items)).toBe(true);
  });

  it("reads FTS operators as the words they are", async () => {
    expect((await slugs({ q: "-headphones" })).sort()).toEqual(["nimbus-headphones", "studio-headphones"]);
    expect((await slugs({ q: "headphones*" })).sort()).toEqual(["nimbus-headphones", "studio-headphones"]);
    expect(await slugs({ q: "NEAR(studio headphones)" })).toEqual([]);
    expect(await slugs({ q: "name:studio" })).toEqual([]);
    expect((await slugs({ q: "^studio" })).sort()).toEqual(["studio-headphones", "studio-speaker"]);
    expect(await slugs({ q: "%" })).toEqual([]);
    // The products table is still there.
    expect((await search({})).total).toBe(11);
  });

  it("limits the query to 200 characters and pages to 100 items", async () => {
    expect((await get(`/api/products?q=${"a".repeat(201)}`)).status).toBe(400);
    expect((await get(`/api/products?q=${"a".repeat(200)}`)).status).toBe(200);
    expect((await get("/api/products?q=a%20b%20c%20d%20e%20f%20g%20h%20i%20j%20k%20l")).status).toBe(200);
    const big = await get("/api/products?perPage=101");
    expect(big.status).toBe(400);
    expect((await json(big)).errors.map((e: { path: string }) => e.path)).toEqual(["perPage"]);
    expect((await get("/api/products?perPage=100")).status).toBe(200);
    expect((await get("/api/products?page=10001")).status).toBe(400);
    const many = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`attr.a${i}`, "x"]));
    expect((await get(`/api/products?${new URLSearchParams(many)}`)).status).toBe(400);
    expect((await get("/api/products?rating=6")).status).toBe(400);
    expect((await get("/api/products?vendor=a%20b")).status).toBe(400);
  });
});

describe("GET /api/products filters and sorts", () => {
  it.each([
    [{ category: "electronics" }, ["nimbus-headphones", "pulse-watch", "studio-headphones", "studio-speaker", "wireless-earbuds"]],
    [{ category: "audio" }, ["nimbus-headphones", "studio-headphones", "studio-speaker", "wireless-earbuds"]],
    [{ brand: "acme,zen", category: "home" }, ["aurora-desk-lamp", "creme-brulee-candle", "linen-throw", "woven-basket"]],
    [{ vendor: "ven_alpha" }, ["nimbus-headphones", "pulse-watch"]],
    [{ vendor: "ven_alpha,ven_beta" }, ["nimbus-headphones", "oxford-shirt", "pulse-watch", "wireless-earbuds"]],
    [{ minPrice: "5000", maxPrice: "15000" }, ["aurora-desk-lamp", "linen-throw", "oxford-shirt", "pulse-watch", "studio-headphones", "wireless-earbuds"]],
    [{ rating: "4.3" }, ["creme-brulee-candle", "nimbus-headphones", "pulse-watch"]],
    [{ rating: "4" }, ["creme-brulee-candle", "linen-shirt", "nimbus-headphones", "pulse-watch", "wireless-earbuds"]],
    [{ inStock: "true", category: "audio" }, ["nimbus-headphones", "studio-speaker", "wireless-earbuds"]],
    [{ "attr.color": "Black" }, ["nimbus-headphones", "pulse-watch", "studio-headphones"]],
    [{ "attr.color": "Black,White", "attr.connectivity": "Bluetooth" }, ["nimbus-headphones", "wireless-earbuds"]],
    [{ q: "headphones", inStock: "true", "attr.color": "Black", rating: "4", brand: "nordic", minPrice: "100" }, ["nimbus-headphones"]],
    [{ q: "shirt", "attr.material": "Linen" }, ["linen-shirt"]],
  ])("%j", async (params, expected) => {
    expect((await slugs({ ...params, perPage: "100" })).sort()).toEqual(expected);
  });

  it.each([
    ["price_asc", (a: Page["items"][0], b: Page["items"][0]) => a.price.amount - b.price.amount],
    ["price_desc", (a: Page["items"][0], b: Page["items"][0]) => b.price.amount - a.price.amount],
    ["rating", (a: Page["items"][0], b: Page["items"][0]) => b.rating.average - a.rating.average],
  ])("sorts by %s with and without a query", async (sort, compare) => {
    const variants: Array<Record<string, string>> = [{}, { q: "headphones" }, { category: "electronics" }, { "attr.color": "Black,White" }];
    for (const params of variants) {
      const { items } = await search({ ...params, sort, perPage: "100" });
      expect(items.length).toBeGreaterThan(1);
      expect([...items].sort(compare).map((p) => p.slug)).toEqual(items.map((p) => p.slug));
    }
  });

  it("sorts by newest and best selling, with and without a query", async () => {
    expect(await slugs({ q: "headphones", sort: "newest" })).toEqual(["nimbus-headphones", "studio-headphones"]);
    expect(await slugs({ category: "audio", sort: "bestselling" })).toEqual(["wireless-earbuds", "nimbus-headphones", "studio-headphones", "studio-speaker"]);
    expect(await slugs({ q: "audio", sort: "bestselling" })).toEqual(["wireless-earbuds", "nimbus-headphones", "studio-headphones", "studio-speaker"]);
    expect((await slugs({ sort: "newest" })).slice(0, 2)).toEqual(["nimbus-headphones", "wireless-earbuds"]);
  });

  it("pages search results without repeating or skipping", async () => {
    const all = await slugs({ q: "audio", sort: "price_asc", perPage: "100" });
    const first = await search({ q: "audio", sort: "price_asc", perPage: "3", page: "1" });
    const second = await search({ q: "audio", sort: "price_asc", perPage: "3", page: "2" });
    expect(first.total).toBe(4);
    expect([...first.items, ...second.items].map((p) => p.slug)).toEqual(all);
    expect((await search({ q: "audio", page: "5" })).items).toEqual([]);
  });
});

/** Selecting `value` of `dim` in place of that filter's current values. */
function select(params: Record<string, string>, dim: string, value: FacetValue): Record<string, string> {
  const next = { ...params };
  if (dim === "price") {
    delete next.minPrice;
    delete next.maxPrice;
    if (value.min) next.minPrice = String(value.min);
    if (value.max !== null && value.max !== undefined) next.maxPrice = String(value.max);
  } else if (dim.startsWith("attr.")) next[dim] = value.value;
  else next[dim] = value.value;
  return next;
}

/** Every facet count equals the total the same search answers once that value is selected. */
async function expectExactFacets(params: Record<string, string>) {
  const page = await search({ ...params, perPage: "100" });
  const groups: Array<[string, FacetValue[]]> = [
    ["category", page.facets.category],
    ["brand", page.facets.brand],
    ["vendor", page.facets.vendor],
    ["price", page.facets.price],
    ["rating", page.facets.rating],
    ["inStock", page.facets.inStock],
    ...Object.entries(page.facets.attributes).map(([name, values]): [string, FacetValue[]] => [`attr.${name}`, values]),
  ];
  let checked = 0;
  for (const [dim, values] of groups) {
    for (const value of values) {
      const selected = await search({ ...select(params, dim, value), perPage: "1" });
      expect(selected.total, `${JSON.stringify(params)} ${dim}=${value.value}`).toBe(value.count);
      checked++;
    }
  }
  // Dimensions nobody filters on are counted over exactly the listed items.
  if (!params.brand) {
    const byBrand = new Map<string, number>();
    for (const item of page.items) if (item.brand) byBrand.set(item.brand.slug, (byBrand.get(item.brand.slug) ?? 0) + 1);
    expect(Object.fromEntries(page.facets.brand.map((b) => [b.value, b.count]))).toEqual(Object.fromEntries(byBrand));
  }
  if (!params.inStock) expect(page.facets.inStock[0]?.count).toBe(page.items.filter((i) => i.inStock).length);
  expect(page.items.length).toBe(page.total);
  return checked;
}

describe("GET /api/products facets", () => {
  it("answers every facet with value, label, count and selected, plus price buckets and ratings", async () => {
    const page = await search({ q: "headphones" });
    expect(page.facets.brand).toEqual([
      { value: "acme", label: "Acme", count: 1, selected: false },
      { value: "nordic", label: "Nördic", count: 1, selected: false },
    ]);
    expect(page.facets.category).toEqual([
      { value: "electronics", label: "Electronics", count: 2, selected: false, parent: null, depth: 0 },
      { value: "audio", label: "Audio & Sound", count: 2, selected: false, parent: "electronics", depth: 1 },
    ]);
    expect(page.facets.price).toEqual([{ value: "10000-19999", label: "$100 to $200", count: 2, selected: false, min: 10000, max: 19999 }]);
    expect(page.facets.rating).toEqual([
      { value: "4", label: "4 stars & up", count: 1, selected: false },
      { value: "3", label: "3 stars & up", count: 2, selected: false },
      { value: "2", label: "2 stars & up", count: 2, selected: false },
      { value: "1", label: "1 stars & up", count: 2, selected: false },
    ]);
    expect(page.facets.inStock).toEqual([{ value: "true", label: "In stock", count: 1, selected: false }]);
    expect(page.facets.vendor).toEqual([{ value: "ven_alpha", label: "ven_alpha", count: 1, selected: false }]);
    expect(page.facets.attributes).toEqual({
      color: [{ value: "Black", label: "Black", count: 2, selected: false }],
      connectivity: [
        { value: "Bluetooth", label: "Bluetooth", count: 1, selected: false },
        { value: "Wired", label: "Wired", count: 1, selected: false },
      ],
    });
  });

  it("keeps counting the other values of a selected filter (selecting Black still counts White)", async () => {
    const page = await search({ "attr.color": "Black" });
    expect(page.total).toBe(3);
    expect(page.facets.attributes.color).toEqual([
      { value: "Black", label: "Black", count: 3, selected: true },
      { value: "White", label: "White", count: 3, selected: false },
      { value: "Blue", label: "Blue", count: 1, selected: false },
    ]);
    // Other dimensions are counted with the colour applied.
    expect(page.facets.brand.map((b) => [b.value, b.count])).toEqual([
      ["nordic", 2],
      ["acme", 1],
    ]);
  });

  it("keeps a selected value that nothing matches any more, with a zero count", async () => {
    const page = await search({ q: "shirt", brand: "nordic" });
    expect(page.total).toBe(0);
    expect(page.facets.brand).toContainEqual({ value: "nordic", label: "Nördic", count: 0, selected: true });
    expect(page.facets.brand).toContainEqual({ value: "zen", label: "Zen Works", count: 1, selected: false });
  });

  it.each([
    [{}],
    [{ q: "headphones" }],
    [{ q: "a" }],
    [{ category: "electronics" }],
    [{ category: "home", inStock: "true" }],
    [{ rating: "4" }],
    [{ minPrice: "5000", maxPrice: "9999" }],
    [{ minPrice: "6000" }],
    [{ brand: "acme,zen" }],
    [{ brand: "acme,zen", "attr.color": "White" }],
    [{ category: "electronics", brand: "nordic,acme", "attr.color": "Black", inStock: "true" }],
    [{ q: "audio", brand: "aurora-sound,acme", rating: "3", maxPrice: "19999" }],
    [{ vendor: "ven_alpha", category: "electronics" }],
  ])("counts match the filtered results exactly for %j", async (params) => {
    expect(await expectExactFacets(params)).toBeGreaterThan(3);
  });
});

describe("the index follows catalog writes", () => {
  const exec = (sql: string, ...params: unknown[]) =>
    env.DB.prepare(sql)
      .bind(...params)
      .run();
  const refresh = () => purgeCatalogCache();

  it("finds a new product at once and forgets it when it is deleted", async () => {
    const audio = (await env.DB.prepare("SELECT id, path FROM categories WHERE slug = 'audio'").first<{ id: string; path: string }>()) as {
      id: string;
      path: string;
    };
    const before = (await search({ category: "audio" })).facets.brand.find((b) => b.value === "acme")?.count ?? 0;
    await insertProduct(env.DB, { id: "prod_zephyr", slug: "zephyr-turntable", name: "Zephyr Turntable", brandId: "brand_acme", category: audio });
    refresh();
    expect(await slugs({ q: "zephyr" })).toEqual(["zephyr-turntable"]);
    expect((await search({ category: "audio" })).facets.brand.find((b) => b.value === "acme")?.count).toBe(before + 1);

    await exec("UPDATE products SET name = 'Mistral Turntable' WHERE id = 'prod_zephyr'");
    refresh();
    expect(await slugs({ q: "zephyr" })).toEqual([]);
    expect(await slugs({ q: "mistral" })).toEqual(["zephyr-turntable"]);

    await exec("UPDATE products SET status = 'archived' WHERE id = 'prod_zephyr'");
    refresh();
    expect(await slugs({ q: "mistral" })).toEqual([]);
    await exec("UPDATE products SET status = 'active' WHERE id = 'prod_zephyr'");
    refresh();
    expect(await slugs({ q: "mistral" })).toEqual(["zephyr-turntable"]);

    await exec("DELETE FROM products WHERE id = 'prod_zephyr'");
    refresh();
    expect(await slugs({ q: "mistral" })).toEqual([]);
    expect((await search({ category: "audio" })).facets.brand.find((b) => b.value === "acme")?.count).toBe(before);
  });

  it("follows stock and price changes of variants", async () => {
    const inStock = async () => (await slugs({ q: "earbuds", inStock: "true" })).length;
    expect(await inStock()).toBe(1);
    await exec("UPDATE product_variants SET stock_available = 0 WHERE sku = 'E-1'");
    refresh();
    expect(await inStock()).toBe(0);
    expect((await search({ q: "earbuds" })).facets.inStock[0]?.count).toBe(0);
    await exec("UPDATE product_variants SET stock_available = 4 WHERE sku = 'E-1'");
    refresh();
    expect(await inStock()).toBe(1);

    await exec("UPDATE product_variants SET price = 99900 WHERE sku = 'E-1'");
    refresh();
    expect(await slugs({ q: "earbuds", minPrice: "50000" })).toEqual(["wireless-earbuds"]);
    expect((await search({ q: "earbuds" })).facets.price.map((p) => p.label)).toEqual(["$500 and up"]);
    await exec("UPDATE product_variants SET price = 7900 WHERE sku = 'E-1'");
    refresh();
    expect(await slugs({ q: "earbuds", maxPrice: "9999" })).toEqual(["wireless-earbuds"]);
  });

  it("follows brand and category renames and attribute changes", async () => {
    await exec("UPDATE brands SET name = 'Borealis Sound' WHERE slug = 'aurora-sound'");
    refresh();
    expect((await slugs({ q: "borealis" })).sort()).toEqual(["studio-speaker", "wireless-earbuds"]);
    await exec("UPDATE brands SET name = 'Aurora Sound' WHERE slug = 'aurora-sound'");

    await exec("UPDATE categories SET name = 'Timepieces' WHERE slug = 'wearables'");
    refresh();
    expect(await slugs({ q: "timepieces" })).toEqual(["pulse-watch"]);
    await exec("UPDATE categories SET name = 'Wearables' WHERE slug = 'wearables'");

    await exec("INSERT INTO product_attributes (product_id, name, value) VALUES ((SELECT id FROM products WHERE slug = 'pulse-watch'), 'strap', 'Silicone')");
    refresh();
    expect(await slugs({ "attr.strap": "Silicone" })).toEqual(["pulse-watch"]);
    expect((await search({})).facets.attributes.strap).toEqual([{ value: "Silicone", label: "Silicone", count: 1, selected: false }]);
    await exec("DELETE FROM product_attributes WHERE name = 'strap'");
    refresh();
    expect(await slugs({ "attr.strap": "Silicone" })).toEqual([]);
    expect((await search({})).facets.attributes.strap).toBeUndefined();
  });
});

describe("the document snapshot behind text searches", () => {
  // Text searches read matches from the full-text index and their fields from an in-isolate copy
  // of the documents (worker/search/service/snapshot.ts). Each URL below is new, so the catalog's
  // 30 s memo never answers: what is seen is the copy after its catch-up.
  let n = 0;
  const fresh = (params: Record<string, string>) => search({ ...params, perPage: String(30 + (n++ % 60)) });
  const exec = (sql: string, ...params: unknown[]) =>
    env.DB.prepare(sql)
      .bind(...params)
      .run();

  it("sees every write at once, with no cache purge", async () => {
    expect((await fresh({ q: "earbuds" })).facets.price.map((p) => p.label)).toEqual(["$50 to $100"]);
    await exec("UPDATE product_variants SET price = 60000 WHERE sku = 'E-1'");
    expect((await fresh({ q: "earbuds", minPrice: "50000" })).items.map((p) => p.slug)).toEqual(["wireless-earbuds"]);
    expect((await fresh({ q: "earbuds" })).facets.price.map((p) => p.label)).toEqual(["$500 and up"]);
    await exec("UPDATE product_variants SET price = 7900 WHERE sku = 'E-1'");
    expect((await fresh({ q: "earbuds", minPrice: "50000" })).total).toBe(0);

    await exec("UPDATE products SET sold_count = 1 WHERE slug = 'wireless-earbuds'");
    expect((await fresh({ q: "audio", sort: "bestselling" })).items.map((p) => p.slug)).toEqual([
      "nimbus-headphones",
      "studio-headphones",
      "wireless-earbuds",
      "studio-speaker",
    ]);
    await exec("UPDATE products SET sold_count = 900 WHERE slug = 'wireless-earbuds'");
    expect((await fresh({ q: "audio", sort: "bestselling" })).items[0]?.slug).toBe("wireless-earbuds");

    await exec("UPDATE products SET status = 'draft' WHERE slug = 'pulse-watch'");
    expect((await fresh({ q: "watch" })).total).toBe(0);
    await exec("UPDATE products SET status = 'active' WHERE slug = 'pulse-watch'");
    expect((await fresh({ q: "watch", "attr.color": "Black" })).items.map((p) => p.slug)).toEqual(["pulse-watch"]);
  });

  it("reloads itself when the database is not the one it followed (restored or rolled back)", async () => {
    expect((await fresh({ q: "earbuds", minPrice: "50000" })).total).toBe(0);
    const { seq } = (await env.DB.prepare("SELECT coalesce(max(seq), 0) AS seq FROM search_changes").first<{ seq: number }>()) ?? { seq: 0 };
    await exec("UPDATE product_variants SET price = 60000 WHERE sku = 'E-1'");
    // As if the database had been restored to a state with another history: the change that
    // moved the price is not in the log, and the row the snapshot stands on has another token.
    await exec("DELETE FROM search_changes WHERE seq > ?", seq);
    await exec("UPDATE search_changes SET token = token + 1 WHERE seq = ?", seq);
    await exec("UPDATE search_meta SET epoch = epoch + 1");
    expect((await fresh({ q: "earbuds", minPrice: "50000" })).items.map((p) => p.slug)).toEqual(["wireless-earbuds"]);
    await exec("UPDATE product_variants SET price = 7900 WHERE sku = 'E-1'");
    expect((await fresh({ q: "earbuds", minPrice: "50000" })).total).toBe(0);
  });

  it("answers exactly the same through D1 alone (a fresh isolate, or a catalog over the copy's budget)", async () => {
    const { searchProducts } = await import("../../worker/search/service/listing");
    const { dropSnapshot, publishedSnapshot, snapshotLimits } = await import("../../worker/search/service/snapshot");
    const queries: Array<Record<string, unknown>> = [
      { q: "headphones" },
      { q: "head", sort: "price_asc" },
      { q: "audio", sort: "bestselling", perPage: 2, page: 2 },
      { q: "studio", sort: "newest" },
      { q: "shirt", sort: "rating" },
      { q: "studio", brand: ["acme"], "attr.color": "Black", minPrice: 1000, maxPrice: 19999 },
      { q: "audio", category: "electronics", inStock: true, rating: 3.5 },
      { q: "linen", "attr.color": "White,Black", sort: "price_desc" },
      { q: "audio", vendor: ["ven_alpha"], sort: "newest" },
    ];
    const run = () => Promise.all(queries.map((q) => searchProducts(env.DB, { sort: "relevance", page: 1, perPage: 24, ...q } as never, "USD")));
    const withCopy = await run();
    expect(publishedSnapshot()).not.toBeNull();
    expect(withCopy.map((p) => p.total)).not.toEqual(queries.map(() => 0));
    const budget = snapshotLimits.budgetBytes;
    try {
      snapshotLimits.budgetBytes = 0;
      const copy = publishedSnapshot();
      if (copy) dropSnapshot(copy);
      expect(await run()).toEqual(withCopy);
      expect(publishedSnapshot()).toBeNull();
    } finally {
      snapshotLimits.budgetBytes = budget;
    }
  });

  it("a fresh isolate's concurrent first searches each answer on their own; one request's waitUntil loads the copy", async () => {
    const { dropSnapshot, publishedSnapshot, snapshotLimits } = await import("../../worker/search/service/snapshot");
    const inline = snapshotLimits.inlineDocs;
    try {
      // As a large catalog: no request loads the copy before answering.
      snapshotLimits.inlineDocs = 0;
      const copy = publishedSnapshot();
      if (copy) dropSnapshot(copy);
      const answers = await Promise.all(Array.from({ length: 8 }, () => fresh({ q: "headphones" })));
      for (const a of answers) expect(a.items.map((p) => p.slug).sort()).toEqual(["nimbus-headphones", "studio-headphones"]);
      // The copy appears once the background load (in the waitUntil of one of those requests) is done.
      for (let i = 0; i < 50 && !publishedSnapshot(); i++) await new Promise((r) => setTimeout(r, 20));
      expect(publishedSnapshot()?.has(1)).toBe(true);
      expect((await fresh({ q: "headphones" })).total).toBe(2);
    } finally {
      snapshotLimits.inlineDocs = inline;
    }
  });

  it("keeps only the newest 10,000 changes in the log", async () => {
    const count = async () =>
      (await env.DB.prepare("SELECT count(*) AS n, max(seq) - min(seq) + 1 AS span FROM search_changes").first<{ n: number; span: number }>()) ?? {
        n: 0,
        span: 0,
      };
    await exec("WITH RECURSIVE i(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM i WHERE k < 10050) INSERT INTO search_changes (doc_id, token) SELECT 0, k FROM i");
    // Rows written directly are not pruned; one logged write prunes down to the newest 10,000.
    await exec("UPDATE products SET sold_count = sold_count + 1 WHERE slug = 'linen-throw'");
    expect(await count()).toEqual({ n: 10_000, span: 10_000 });
    // The snapshot, now behind the pruned log, reloads and answers as before.
    expect((await fresh({ q: "linen" })).items.map((p) => p.slug).sort()).toEqual(["linen-shirt", "linen-throw"]);
  });
});

describe("GET /api/search/suggest", () => {
  it("suggests products, categories and brands for a prefix", async () => {
    const res = await get("/api/search/suggest?q=head");
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toContain("max-age=");
    const body = await json(res);
    expect(body.query).toBe("head");
    expect(body.products.map((p: { slug: string }) => p.slug).sort()).toEqual(["nimbus-headphones", "studio-headphones"]);
    expect(body.products[0]).toMatchObject({ name: expect.any(String), price: { amount: expect.any(Number), currency: "USD" }, category: "Audio & Sound" });
    expect(body.categories).toEqual([]);
    const audio = await json(await get("/api/search/suggest?q=aud"));
    expect(audio.categories).toEqual([{ slug: "audio", name: "Audio & Sound", parent: "electronics", count: 4 }]);
  });

  it("matches brands and accents, and limits products", async () => {
    const body = await json(await get("/api/search/suggest?q=NORD&limit=1"));
    expect(body.brands).toEqual([{ slug: "nordic", name: "Nördic", count: 2 }]);
    expect(body.products).toHaveLength(1);
    const aurora = await json(await get("/api/search/suggest?q=auro"));
    expect(aurora.categories.map((c: { slug: string }) => c.slug)).toEqual(["aurora-living"]);
    expect(aurora.brands.map((b: { slug: string }) => b.slug)).toEqual(["aurora-sound"]);
  });

  it("answers from the first keystroke (categories and brands; products from three letters)", async () => {
    const one = await json(await get("/api/search/suggest?q=w"));
    expect(one.products).toEqual([]);
    expect(one.categories.map((c: { slug: string }) => c.slug)).toEqual(["wearables"]);
    const three = await json(await get("/api/search/suggest?q=wir"));
    expect(three.products.map((p: { slug: string }) => p.slug)).toEqual(["wireless-earbuds"]);
  });

  it("treats FTS syntax as text and validates its parameters", async () => {
    for (const q of ['"', "*", "NEAR(a b)", "-head", "'; DROP TABLE products; --", "{name}: x"]) {
      expect((await get(`/api/search/suggest?q=${encodeURIComponent(q)}`)).status).toBe(200);
    }
    for (const path of [
      "/api/search/suggest",
      "/api/search/suggest?q=",
      `/api/search/suggest?q=${"a".repeat(101)}`,
      "/api/search/suggest?q=a&limit=11",
      "/api/search/suggest?q=a&x=1",
    ]) {
      const res = await get(path);
      expect(res.status).toBe(400);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
    }
  });
});

describe("query plans", () => {
  /** env.DB, recording every statement the service runs. */
  function recordingDb(seen: Array<{ sql: string; params: unknown[] }>): D1Database {
    const wrap = (sql: string, params: unknown[] = []) => {
      const real = env.DB.prepare(sql).bind(...params);
      return {
        real,
        record: () => seen.push({ sql, params }),
        bind: (...p: unknown[]) => wrap(sql, p),
        all: () => {
          seen.push({ sql, params });
          return real.all();
        },
        first: () => {
          seen.push({ sql, params });
          return real.first();
        },
      };
    };
    type Wrapped = ReturnType<typeof wrap>;
    return {
      prepare: (sql: string) => wrap(sql),
      batch: (list: Wrapped[]) => {
        for (const s of list) s.record();
        return env.DB.batch(list.map((s) => s.real));
      },
    } as unknown as D1Database;
  }

  it.each([
    [{ q: "headphones" }],
    [{ q: "head", sort: "price_asc" }],
    [{ category: "audio" }],
    [{ category: "audio", sort: "newest", page: 2 }],
    [{ brand: ["acme"] }],
    [{ "attr.color": "Black" }],
    [{ brand: ["acme"], "attr.color": "Black", category: "electronics" }],
    [{ q: "studio", brand: ["acme"], "attr.color": "Black", minPrice: 1000, maxPrice: 19999 }],
    [{ rating: 4, inStock: true }],
  ])("reads no table in full for %j", async (params) => {
    await expectNoFullScans(params);
  });

  it.each([
    [{ q: "headphones" }],
    [{ q: "head", sort: "price_asc" }],
    [{ q: "studio", brand: ["acme"], "attr.color": "Black", minPrice: 1000, maxPrice: 19999 }],
  ])("reads no table in full for %j through D1 alone (no document copy)", async (params) => {
    const { dropSnapshot, publishedSnapshot, snapshotLimits } = await import("../../worker/search/service/snapshot");
    const budget = snapshotLimits.budgetBytes;
    try {
      snapshotLimits.budgetBytes = 0;
      const copy = publishedSnapshot();
      if (copy) dropSnapshot(copy);
      await expectNoFullScans(params);
    } finally {
      snapshotLimits.budgetBytes = budget;
    }
  });

  async function expectNoFullScans(params: Record<string, unknown>) {
    const { searchProducts } = await import("../../worker/search/service/listing");
    const seen: Array<{ sql: string; params: unknown[] }> = [];
    await searchProducts(recordingDb(seen), { sort: "relevance", page: 1, perPage: 24, ...params } as never, "USD");
    expect(seen.length).toBeGreaterThanOrEqual(1);
    for (const { sql, params: bound } of seen) {
      const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
        .bind(...bound)
        .all<{ detail: string }>();
      // Dictionary reads of categories, brands and attribute names are small by nature.
      const scans = results
        .map((r) => r.detail)
        .filter((d) => /^SCAN (d|p|search_documents|products|product_attributes|search_facet_counts)\b/.test(d) && !d.includes("USING"));
      expect(scans, sql).toEqual([]);
    }
  }

  it("loads the document snapshot by doc id ranges, not by scanning the table", async () => {
    const { loadSnapshot } = await import("../../worker/search/service/snapshot");
    const seen: Array<{ sql: string; params: unknown[] }> = [];
    const snapshot = await loadSnapshot(recordingDb(seen));
    expect(snapshot?.has(1)).toBe(true);
    // The position, then one statement per range of doc ids.
    expect(seen.length).toBeGreaterThanOrEqual(2);
    for (const { sql, params: bound } of seen) {
      const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
        .bind(...bound)
        .all<{ detail: string }>();
      expect(
        // search_meta has one row.
        results.map((r) => r.detail).filter((d) => /^SCAN (?!CONSTANT ROW|search_meta\b)/.test(d)),
        sql,
      ).toEqual([]);
    }
    expect((await search({ q: "headphones" })).total).toBe(2);
  });
});

describe("suggestions after a catalog write", () => {
  it("names a brand and a category added right after the write, with their counts (the isolate's dictionaries are dropped)", async () => {
    // Kept in the isolate from here on: the categories and brands with their counts.
    const before = await json(await get("/api/search/suggest?q=zephy&limit=2"));
    expect({ categories: before.categories, brands: before.brands }).toEqual({ categories: [], brands: [] });
    const kites = await insertCategory(env.DB, { slug: "zephyr-kites" });
    const brand = await insertBrand(env.DB, "zephyr-air", "Zephyr Air");
    for (const slug of ["zephyr-delta", "zephyr-box"])
      await insertProduct(env.DB, {
        slug,
        name: slug.replace("-", " "),
        category: kites,
        brandId: brand.id,
        variants: [{ sku: `Z-${slug}`, title: "Default", options: {}, price: 4900, stockAvailable: 3 }],
      });
    purgeCatalogCache();
    const after = await json(await get("/api/search/suggest?q=zephy&limit=3"));
    expect(after.categories).toEqual([{ slug: "zephyr-kites", name: "Zephyr Kites", parent: null, count: 2 }]);
    expect(after.brands).toEqual([{ slug: "zephyr-air", name: "Zephyr Air", count: 2 }]);
    expect(after.products.map((p: { slug: string }) => p.slug).sort()).toEqual(["zephyr-box", "zephyr-delta"]);
  });
});

describe("spelling after a catalog write", () => {
  it("suggests a word added to the catalog right after the write (the words kept in the isolate are dropped)", async () => {
    // The corrector keeps each letter's indexed words in the isolate: "h" is kept from here on.
    expect((await search({ q: "hedphones" })).didYouMean).toBe("headphones");
    expect(await search({ q: "harmonika" })).toMatchObject({ total: 0, didYouMean: null });
    const music = await insertCategory(env.DB, { slug: "music" });
    await insertProduct(env.DB, {
      slug: "blues-harmonica",
      name: "Blues Harmonica",
      category: music,
      variants: [{ sku: "M-1", title: "Default", options: {}, price: 2900, stockAvailable: 4 }],
    });
    purgeCatalogCache();
    const page = await search({ q: "harmonika" });
    expect(page.didYouMean).toBe("harmonica");
    expect(page.items.map((p) => p.slug)).toEqual(["blues-harmonica"]);
  });
});
