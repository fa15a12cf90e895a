import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { listCategoryTree, lookupSkus, purgeCatalogCache } from "../../worker/catalog";
import { recentlyViewedProducts, recommendForProducts } from "../../worker/recommendations";
import { sitemapFile } from "../../worker/seo";
import { approveVendor, reinstateVendor, suspendVendor } from "../../worker/vendors";
import { insertCategory, insertProduct } from "../support/factories";
import { json } from "../support/http";
import { client, US_ADDRESS } from "../support/orders";
import { insertVendor, sellerProduct } from "../support/vendors-money";

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const staff = { actorId: "usr_staff", actorEmail: "staff@example.test", requestId: null };
const ORIGIN = "http://store.test";
let seller: { id: string; handle: string };
let category: { id: string; path: string; slug: string };

// Two products of the seller (one with a word no other product has, for search) and one of the store.
const SELLER_SKUS = ["SUSP-A1", "SUSP-A2"];
const ids = { seller: [] as string[], store: "" };

const listing = async (query: string) => (await json(await fetchApi(`/api/products?${query}&perPage=100`))).items.map((p: { id: string }) => p.id) as string[];
const fetchApi = (path: string) => client().send(path);
const treeCount = async () => (await listCategoryTree(env)).find((c) => c.id === category.id)?.productCount ?? -1;
const sitemap = async () => (await sitemapFile(env, ORIGIN, "products", 1)) ?? "";
const facetTotal = async () =>
  (
    await env.DB.prepare("SELECT coalesce(sum(count), 0) AS n FROM search_facet_counts WHERE facet = 'total' AND category_id = ?")
      .bind(category.id)
      .first<{ n: number }>()
  )?.n;
const productIdOf = async (slug: string) => (await env.DB.prepare("SELECT id FROM products WHERE slug = ?").bind(slug).first<{ id: string }>())?.id as string;

beforeAll(async () => {
  seller = await insertVendor({ name: "Quill Works" });
  category = await insertCategory(env.DB, { slug: "susp-pens" });
  for (const sku of SELLER_SKUS) await sellerProduct(sku, seller.id, 1800);
  // sellerProduct puts each SKU in its own category: move the seller's first product into the shared one.
  await env.DB.prepare("UPDATE products SET category_id = ?, category_path = ?, name = 'Quillfeather fountain pen' WHERE slug = ?")
    .bind(category.id, category.path, "susp-a1")
    .run();
  const own = await insertProduct(env.DB, {
    slug: "susp-store-pen",
    name: "Store pen",
    category,
    variants: [{ sku: "SUSP-STORE", title: "Default", options: {}, price: 900, stockAvailable: 50 }],
  });
  ids.store = own.product.id;
  ids.seller = [await productIdOf("susp-a1"), await productIdOf("susp-a2")];
  await env.DB.prepare(
    "INSERT INTO recommendation_pairs (kind, product_id, related_id, score, position) VALUES ('similar', ?, ?, 1, 0), ('similar', ?, ?, 0.5, 1)",
  )
    .bind(ids.store, ids.seller[0], ids.store, ids.seller[1])
    .run();
  purgeCatalogCache();
});

async function expectListed(listed: boolean) {
  const inListing = await listing(`category=${category.slug}`);
  expect(inListing.includes(ids.seller[0] as string)).toBe(listed);
  expect(inListing).toContain(ids.store);
  expect((await listing("q=quillfeather")).includes(ids.seller[0] as string)).toBe(listed);
  expect((await listing(`vendor=${seller.id}`)).length).toBe(listed ? 2 : 0);
  expect((await fetchApi("/api/products/susp-a1")).status).toBe(listed ? 200 : 404);
  expect(await treeCount()).toBe(listed ? 2 : 1);
  expect(await facetTotal()).toBe(listed ? 2 : 1);
  expect((await sitemap()).includes("/p/susp-a2")).toBe(listed);
  expect((await sitemap()).includes("/p/susp-store-pen")).toBe(true);
  expect((await recentlyViewedProducts(env, ids.seller)).length).toBe(listed ? 2 : 0);
  expect((await recommendForProducts(env, [ids.store])).map((p) => p.id)).toEqual(listed ? ids.seller : []);
  expect((await lookupSkus(env, ["SUSP-A1"], 0)).get("SUSP-A1")?.active).toBe(listed);
}

describe("a suspended seller", () => {
  it("leaves listings, search, its storefront listing, category counts, sitemaps and recommendations; reinstated, it is back", async () => {
    await expectListed(true);
    await suspendVendor(env, staff, seller.id, "Unanswered complaints", ORIGIN);
    await expectListed(false);
    await reinstateVendor(env, staff, seller.id, ORIGIN);
    await expectListed(true);
  });

  it("shows the seller's cart line as unavailable and checkout refuses it, naming the line; reinstated, checkout goes through", async () => {
    const shopper = client();
    expect((await shopper.send("/api/cart/items", "POST", { sku: "SUSP-STORE", quantity: 1 })).status).toBe(200);
    expect((await shopper.send("/api/cart/items", "POST", { sku: "SUSP-A2", quantity: 1 })).status).toBe(200);
    await suspendVendor(env, staff, seller.id, "Unanswered complaints", ORIGIN);

    const cart = await json(await shopper.send("/api/cart"));
    const line = cart.items.findIndex((i: { sku: string }) => i.sku === "SUSP-A2");
    expect(cart.items[line]).toMatchObject({ sku: "SUSP-A2", issues: ["unavailable"], lineTotal: { amount: 0 } });
    expect(cart.items.find((i: { sku: string }) => i.sku === "SUSP-STORE").issues).toEqual([]);
    expect(cart.hasIssues).toBe(true);

    const order = { email: "buyer@example.test", shippingAddress: US_ADDRESS, shippingOption: "standard" };
    const refused = await shopper.send("/api/checkout", "POST", order);
    expect(refused.status).toBe(409);
    expect(refused.headers.get("content-type")).toContain("application/problem+json");
    const problem = await json(refused);
    expect(problem.code).toBe("checkout.cart_changed");
    expect(problem.errors).toEqual([{ path: `items.${line}.quantity`, message: "unavailable" }]);
    // No new line of the seller may be added meanwhile.
    expect((await shopper.send("/api/cart/items", "POST", { sku: "SUSP-A1", quantity: 1 })).status).toBe(404);

    await reinstateVendor(env, staff, seller.id, ORIGIN);
    expect((await json(await shopper.send("/api/cart"))).hasIssues).toBe(false);
    expect((await shopper.send("/api/checkout", "POST", order)).status).toBe(201);
  });

  it("suspending twice at once makes one change, and the index stays exact", async () => {
    const results = await Promise.allSettled([
      suspendVendor(env, staff, seller.id, "Duplicate click", ORIGIN),
      suspendVendor(env, staff, seller.id, "Duplicate click", ORIGIN),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(await facetTotal()).toBe(1);
    await reinstateVendor(env, staff, seller.id, ORIGIN);
    expect(await facetTotal()).toBe(2);
  });

  it("keeps a pending seller's products out until approval", async () => {
    const pending = await insertVendor({ name: "Slow Starter", status: "pending" });
    await sellerProduct("SUSP-P1", pending.id, 1200);
    expect((await fetchApi("/api/products/susp-p1")).status).toBe(404);
    expect(await listing(`vendor=${pending.id}`)).toEqual([]);
    await approveVendor(env, staff, pending.id, ORIGIN);
    expect((await fetchApi("/api/products/susp-p1")).status).toBe(200);
    expect((await listing(`vendor=${pending.id}`)).length).toBe(1);
  });
});
