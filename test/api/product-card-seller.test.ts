// Product cards name their seller: every list of product summaries (listings, search, a seller's storefront listing,
// featured products, recommendations) carries `seller` — the marketplace seller's name and handle, or null for the
// store's own products — and a suspended seller's products are in none of them.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { purgeCatalogCache } from "../../worker/catalog";
import { listFeaturedProducts, listProducts, type ProductSummary } from "../../worker/search";
import { reinstateVendor, suspendVendor, updateVendorSettings } from "../../worker/vendors";
import { insertCategory, insertProduct } from "../support/factories";
import { call, json } from "../support/http";
import { insertVendor } from "../support/vendors-money";

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const staff = { actorId: "usr_staff", actorEmail: "staff@example.test", requestId: null };
const ORIGIN = "http://store.test";
let seller: { id: string; handle: string; name: string };
let hidden: { id: string; handle: string; name: string };
let category: { id: string; path: string; slug: string };
const ids = { seller: "", store: "", hidden: "" };

async function product(slug: string, name: string, vendorId: string | null, price: number) {
  const built = await insertProduct(env.DB, {
    slug,
    name,
    category,
    vendorId,
    featured: 1,
    variants: [{ sku: slug.toUpperCase(), title: "Default", options: {}, price, stockAvailable: 20 }],
  });
  return built.product.id;
}

beforeAll(async () => {
  seller = await insertVendor({ name: "Wren & Quill" });
  hidden = await insertVendor({ name: "Hidden Hands" });
  category = await insertCategory(env.DB, { slug: "card-mugs" });
  ids.seller = await product("wrenfeather-seller-mug", "Wrenfeather seller mug", seller.id, 2400);
  ids.store = await product("wrenfeather-store-mug", "Wrenfeather store mug", null, 1900);
  ids.hidden = await product("wrenfeather-hidden-mug", "Wrenfeather hidden mug", hidden.id, 2100);
  // Each product points at the other two, so each recommendation list holds both kinds of seller.
  const pairs = [
    [ids.store, ids.seller],
    [ids.store, ids.hidden],
    [ids.seller, ids.store],
    [ids.seller, ids.hidden],
  ];
  for (const [i, [from, to]] of pairs.entries()) {
    await env.DB.prepare("INSERT INTO recommendation_pairs (kind, product_id, related_id, score, position) VALUES ('similar', ?, ?, 1, ?)")
      .bind(from, to, i)
      .run();
  }
  purgeCatalogCache();
});

const sellerOf = (items: ProductSummary[], id: string) => items.find((p) => p.id === id)?.seller;
const apiItems = async (path: string): Promise<ProductSummary[]> => {
  const res = await call(path);
  expect(res.status, path).toBe(200);
  const body = await json(res);
  return body.items ?? [...body.boughtTogether, ...body.similar];
};

/**
 * `items` hold the active seller's product with its seller, the store's own with null, and the other seller's product
 * with its seller while listed (nothing of it once suspended); `without` names a product the list leaves out anyway
 * (a recommendation never lists its own seed).
 */
function expectSellers(items: ProductSummary[], where: string, { without = "", hiddenListed = true } = {}) {
  if (without !== ids.seller) expect(sellerOf(items, ids.seller), where).toEqual({ name: seller.name, handle: seller.handle });
  if (without !== ids.store) expect(sellerOf(items, ids.store), where).toBeNull();
  const listed = items.map((p) => p.id);
  if (!hiddenListed) expect(listed, where).not.toContain(ids.hidden);
  else if (without !== ids.hidden) expect(sellerOf(items, ids.hidden), where).toEqual({ name: hidden.name, handle: hidden.handle });
}

describe("product summaries carry their seller", () => {
  it("in a category listing, a text search (both with and without the document copy) and the seller's storefront listing", async () => {
    expectSellers(await apiItems(`/api/products?category=${category.slug}`), "category");
    expectSellers(await apiItems("/api/products?q=wrenfeather"), "search");
    expectSellers(await apiItems("/api/products?q=wrenfeather&sort=price_asc&minPrice=100"), "search with a free price range");

    const { dropSnapshot, publishedSnapshot, snapshotLimits } = await import("../../worker/search/service/snapshot");
    const budget = snapshotLimits.budgetBytes;
    try {
      snapshotLimits.budgetBytes = 0;
      const copy = publishedSnapshot();
      if (copy) dropSnapshot(copy);
      purgeCatalogCache();
      expectSellers(await apiItems("/api/products?q=wrenfeather&sort=newest"), "search through D1 alone");
    } finally {
      snapshotLimits.budgetBytes = budget;
    }

    // The storefront page /v/{handle} lists through the same function with the seller's id.
    const storefront = await listProducts(env, { sort: "relevance", page: 1, perPage: 24, vendor: [seller.id] } as Parameters<typeof listProducts>[1]);
    expect(storefront.items.map((p) => p.seller)).toEqual([{ name: seller.name, handle: seller.handle }]);
    expect((await apiItems(`/api/products?vendor=${seller.id}`)).map((p) => p.seller?.handle)).toEqual([seller.handle]);
  });

  it("labels the Seller filter with the sellers' names (its values stay vendor ids)", async () => {
    for (const query of [`category=${category.slug}`, "q=wrenfeather", `q=wrenfeather&vendor=${seller.id}`]) {
      const { facets } = await json(await call(`/api/products?${query}`));
      expect(facets.vendor, query).toEqual([
        { value: hidden.id, label: hidden.name, count: 1, selected: false },
        { value: seller.id, label: seller.name, count: 1, selected: query.includes("vendor=") },
      ]);
    }
  });

  it("in featured products and in recommendations (product sections, recently viewed, picked for you)", async () => {
    expectSellers(await listFeaturedProducts(env, 8), "featured");
    expectSellers(await apiItems(`/api/recommendations/products/${ids.store}`), "recommendations of the store's product", { without: ids.store });
    expectSellers(await apiItems(`/api/recommendations/products/${ids.seller}`), "recommendations of the seller's product", { without: ids.seller });
    expectSellers(await apiItems(`/api/recommendations/recently-viewed?ids=${ids.seller},${ids.store},${ids.hidden}`), "recently viewed");
    expectSellers(await apiItems(`/api/recommendations/for-you?viewed=${ids.store}`), "picked for you", { without: ids.store });
  });

  it("shows a seller's new name on its cards at once", async () => {
    await listProducts(env, { sort: "relevance", page: 1, perPage: 24, q: "wrenfeather" } as Parameters<typeof listProducts>[1]);
    await updateVendorSettings(env, staff, seller.id, { name: "Wren & Quill Studio" });
    try {
      const items = await apiItems("/api/products?q=wrenfeather");
      expect(sellerOf(items, ids.seller)).toEqual({ name: "Wren & Quill Studio", handle: seller.handle });
    } finally {
      await updateVendorSettings(env, staff, seller.id, { name: seller.name });
    }
  });
});

describe("a suspended seller's products", () => {
  it("leave every list of summaries and come back with the seller", async () => {
    await suspendVendor(env, staff, hidden.id, "Counterfeit reports", ORIGIN);
    try {
      const gone = { hiddenListed: false };
      expectSellers(await apiItems(`/api/products?category=${category.slug}`), "category", gone);
      expectSellers(await apiItems("/api/products?q=wrenfeather"), "search", gone);
      expect((await apiItems(`/api/products?vendor=${hidden.id}`)).length).toBe(0);
      expect((await json(await call("/api/products?q=wrenfeather"))).facets.vendor.map((v: { label: string }) => v.label)).toEqual([seller.name]);
      expectSellers(await listFeaturedProducts(env, 8), "featured", gone);
      expectSellers(await apiItems(`/api/recommendations/products/${ids.store}`), "recommendations", { ...gone, without: ids.store });
      expectSellers(await apiItems(`/api/recommendations/recently-viewed?ids=${ids.seller},${ids.store},${ids.hidden}`), "recently viewed", gone);
    } finally {
      await reinstateVendor(env, staff, hidden.id, ORIGIN);
    }
    expectSellers(await apiItems("/api/products?q=wrenfeather"), "search after reinstating");
  });
});
