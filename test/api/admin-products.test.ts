import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { purgeCatalogCache } from "../../worker/catalog";
import { listFeaturedProducts } from "../../worker/search";
import { insertCategory, insertProduct, insertUser } from "../support/factories";
import { call, cookiesFrom, freshIp, json } from "../support/http";
import { buy } from "../support/orders";
import { passwordSignIn } from "../support/staff";
import { insertVendor } from "../support/vendors";

type Headers = Record<string, string>;
async function session(role: "customer" | "vendor" | "support" | "admin"): Promise<Headers> {
  const user = await insertUser(env.DB, { role });
  const res = await passwordSignIn(user, { "CF-Connecting-IP": freshIp() });
  return { Cookie: cookiesFrom(res), Origin: "http://store.test" };
}
const send = (method: string, path: string, body: unknown, headers: Headers) =>
  call(path, { method, headers: { "Content-Type": "application/json", ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
async function auditFor(entityId: string) {
  const { results } = await env.DB.prepare("select action, actor_email, before, after from audit_log where entity_id = ? order by at").bind(entityId).all<{
    action: string;
    actor_email: string;
    before: string | null;
    after: string | null;
  }>();
  return results;
}

let admin: Headers;
let others: Record<"support" | "customer" | "vendor", Headers>;
let category: Awaited<ReturnType<typeof insertCategory>>;
let n = 0;
const newProduct = (overrides: Record<string, unknown> = {}) => {
  n++;
  return {
    name: `Harbour Rain Jacket ${n}`,
    description: "Taped seams, packs into its own pocket.",
    status: "active",
    categoryId: category.id,
    brand: "Northwind Outdoor",
    attributes: [{ name: "material", value: "nylon" }],
    images: [{ url: "https://images.example/jacket.jpg", alt: "The jacket" }],
    seoTitle: "Rain jacket",
    variants: [
      { sku: `JKT-${n}-S`, options: { size: "S" }, price: 8900, compareAtPrice: 9900, weightGrams: 420 },
      { sku: `JKT-${n}-M`, options: { size: "M" }, price: 8900, weightGrams: 440 },
    ] as Record<string, unknown>[],
    ...overrides,
  };
};

beforeAll(async () => {
  category = await insertCategory(env.DB, { slug: "outerwear" });
  admin = await session("admin");
  // Pictures by address must come from an origin the admin allowed (Settings → Images).
  const allowed = await call("/api/admin/settings/image-origins", {
    method: "PUT",
    headers: { "Content-Type": "application/json", ...admin },
    body: JSON.stringify({ origins: ["https://images.example"] }),
  });
  if (allowed.status !== 200) throw new Error(`allowing https://images.example: ${allowed.status}`);
  others = { support: await session("support"), customer: await session("customer"), vendor: await session("vendor") };
  purgeCatalogCache();
}, 30_000);

describe("who may use /api/admin/products", () => {
  it("lets admins in; support, customers and vendors get 403, anonymous 401 — on every route", async () => {
    const existing = await insertProduct(env.DB, {
      category,
      status: "draft",
      variants: [{ sku: "MATRIX-1", title: "Default", options: {}, price: 100, stockAvailable: 0 }],
    });
    const id = existing.product.id;
    const routes: [string, string, unknown][] = [
      ["GET", "/api/admin/products", undefined],
      ["GET", "/api/admin/products/export", undefined],
      ["GET", `/api/admin/products/${id}`, undefined],
      ["POST", "/api/admin/products", newProduct()],
      ["PUT", `/api/admin/products/${id}`, newProduct()],
      ["POST", "/api/admin/products/bulk", { ids: [id], action: "set_status", status: "draft" }],
    ];
    for (const [method, path, body] of routes) {
      expect((await send(method, path, body, {})).status, `${method} ${path} anonymous`).toBe(401);
      for (const [role, headers] of Object.entries(others)) expect((await send(method, path, body, headers)).status, `${method} ${path} ${role}`).toBe(403);
    }
    const csv = (headers: Headers) =>
      call("/api/admin/products/import", { method: "POST", headers: { "Content-Type": "text/csv", ...headers }, body: "product_slug\r\n" });
    expect((await csv({})).status).toBe(401);
    for (const headers of Object.values(others)) expect((await csv(headers)).status).toBe(403);
    // And the admin may use each of them.
    for (const [method, path, body] of routes) expect((await send(method, path, body, admin)).status, `${method} ${path} admin`).toBeLessThan(300);
    expect((await csv(admin)).status).toBe(200);
  }, 60_000);
});

describe("POST /api/admin/products", () => {
  it("creates a product with variants, a new brand and a slug from the name, audits it, and the storefront and search show it at once", async () => {
    const res = await send("POST", "/api/admin/products", newProduct({ name: "Gull Wing Parka" }), admin);
    expect(res.status).toBe(201);
    const created = await json(res);
    expect(created).toMatchObject({
      slug: "gull-wing-parka",
      status: "active",
      brand: { name: "Northwind Outdoor" },
      category: { id: category.id },
      attributes: [{ name: "material", value: "nylon" }],
    });
    expect(created.variants.map((v: { sku: string; stockAvailable: number }) => [v.sku, v.stockAvailable])).toEqual([
      [`JKT-${n}-S`, 0],
      [`JKT-${n}-M`, 0],
    ]);
    const page = await json(await call("/api/products/gull-wing-parka"));
    expect(page.variants).toHaveLength(2);
    expect(page.variants[0]).toMatchObject({ price: { amount: 8900 }, compareAtPrice: { amount: 9900 }, stockStatus: "out_of_stock" });
    const found = await json(await call("/api/products?q=gull%20wing"));
    expect(found.items.map((p: { slug: string }) => p.slug)).toContain("gull-wing-parka");
    const audit = await auditFor(created.id);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ action: "product.create", before: null });
    expect(JSON.parse(audit[0]?.after ?? "{}")).toMatchObject({ name: "Gull Wing Parka", slug: "gull-wing-parka" });
    expect((await auditFor(created.brand.id)).map((a) => a.action)).toEqual(["brand.create"]);
    // The same name again gets the next free slug; the brand is picked, not duplicated.
    const again = await json(await send("POST", "/api/admin/products", newProduct({ name: "Gull Wing Parka", brand: "northwind outdoor" }), admin));
    expect(again.slug).toBe("gull-wing-parka-2");
    expect(again.brand.id).toBe(created.brand.id);
  });

  it("books opening stock through the inventory ledger, never by writing stock columns", async () => {
    const body = newProduct();
    body.variants[0] = { ...body.variants[0], initialStock: 7 };
    const created = await json(await send("POST", "/api/admin/products", body, admin));
    const sku = created.variants[0].sku;
    const stock = await json(await call(`/api/admin/inventory/${sku}`, { headers: admin }));
    expect(stock).toMatchObject({ onHand: 7, available: 7 });
    expect(stock.movements.map((m: { kind: string }) => m.kind)).toEqual(expect.arrayContaining(["init", "adjust"]));
    expect(created.variants[0].stockAvailable).toBe(7);
    expect((await json(await call(`/api/products/${created.slug}`))).variants[0].stockStatus).toBe("in_stock");
  });

  it("names every invalid field", async () => {
    const res = await send(
      "POST",
      "/api/admin/products",
      {
        name: "",
        categoryId: category.id,
        status: "live",
        slug: "Not A Slug",
        variants: [
          { sku: "lower-case", options: { size: "S" }, price: 1000, compareAtPrice: 500 },
          { sku: "DUP-1", options: { colour: "red" }, price: 10.5 },
          { sku: "DUP-1", options: { size: "S" }, price: -1 },
        ],
        images: [{ url: "javascript:alert(1)" }],
        attributes: [{ name: "Bad Name", value: "x" }],
        role: "admin",
      },
      admin,
    );
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    const paths = (await json(res)).errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        "name",
        "status",
        "slug",
        "role",
        "variants.0.sku",
        "variants.0.compareAtPrice",
        "variants.1.price",
        "variants.2.price",
        "images.0.url",
        "attributes.0.name",
      ]),
    );
    const unknownCategory = await send("POST", "/api/admin/products", newProduct({ categoryId: "cat_nope" }), admin);
    expect(unknownCategory.status).toBe(400);
    expect((await json(unknownCategory)).errors).toEqual([{ path: "categoryId", message: "Unknown category" }]);
  });

  it("puts a product under a marketplace seller by the seller's id, and names vendorId for an id no seller has", async () => {
    const seller = await insertVendor({ status: "pending" });
    const created = await send("POST", "/api/admin/products", newProduct({ vendorId: seller.vendorId }), admin);
    expect(created.status).toBe(201);
    expect((await json(created)).vendorId).toBe(seller.vendorId);
    // A user id (even a vendor user's) is not a seller's id.
    const userId = await send("POST", "/api/admin/products", newProduct({ vendorId: seller.id }), admin);
    expect(userId.status).toBe(400);
    expect((await json(userId)).errors).toEqual([{ path: "vendorId", message: "No vendor has this id" }]);
  });

  it("refuses a SKU or slug another product uses (409, naming the field)", async () => {
    const first = await json(await send("POST", "/api/admin/products", newProduct(), admin));
    const clash = newProduct({ slug: first.slug });
    clash.variants[1] = { ...clash.variants[1], sku: first.variants[0].sku };
    const res = await send("POST", "/api/admin/products", clash, admin);
    expect(res.status).toBe(409);
    expect((await json(res)).errors).toEqual([{ path: "variants.1.sku", message: "Another product uses this SKU" }]);
    const slugClash = await send("POST", "/api/admin/products", newProduct({ slug: first.slug }), admin);
    expect(slugClash.status).toBe(409);
    expect((await json(slugClash)).errors[0].path).toBe("slug");
  });
});

describe("PUT /api/admin/products/:id", () => {
  it("features a product on the home page's picks and takes it off again", async () => {
    const spec = newProduct({ name: "Beacon Lantern" });
    const created = await json(await send("POST", "/api/admin/products", spec, admin));
    expect(created.featured).toBe(false);
    const featuredSlugs = async () => {
      purgeCatalogCache();
      return (await listFeaturedProducts(env, 100)).map((p) => p.slug);
    };
    const on = await send(
      "PUT",
      `/api/admin/products/${created.id}`,
      { ...spec, slug: created.slug, featured: true, expectedUpdatedAt: created.updatedAt },
      admin,
    );
    expect(on.status).toBe(200);
    const featured = await json(on);
    expect(featured.featured).toBe(true);
    expect((await featuredSlugs())[0]).toBe(created.slug);
    const off = await send(
      "PUT",
      `/api/admin/products/${created.id}`,
      { ...spec, slug: created.slug, featured: false, expectedUpdatedAt: featured.updatedAt },
      admin,
    );
    expect((await json(off)).featured).toBe(false);
    // Back among the rest (ties go by age, and older products exist): no longer the first pick.
    expect((await featuredSlugs())[0]).not.toBe(created.slug);
    const refused = await send("PUT", `/api/admin/products/${created.id}`, { ...spec, slug: created.slug, featured: "sometimes" }, admin);
    expect(refused.status).toBe(400);
    expect((await json(refused)).errors).toContainEqual(expect.objectContaining({ path: "featured" }));
  });

  it("changes a price and the storefront shows it immediately; audits before and after", async () => {
    const created = await json(await send("POST", "/api/admin/products", newProduct(), admin));
    expect((await json(await call(`/api/products/${created.slug}`))).priceRange.min.amount).toBe(8900);
    const edit = newProduct({ name: created.name, slug: created.slug, expectedUpdatedAt: created.updatedAt });
    edit.variants = created.variants.map((v: { sku: string; options: Record<string, string> }) => ({ sku: v.sku, options: v.options, price: 7450 }));
    const res = await send("PUT", `/api/admin/products/${created.id}`, edit, admin);
    expect(res.status).toBe(200);
    const fresh = await json(await call(`/api/products/${created.slug}`));
    expect(fresh.priceRange.min.amount).toBe(7450);
    expect(fresh.variants[0].price.amount).toBe(7450);
    const listing = await json(await call(`/api/products?q=${encodeURIComponent(created.name)}`));
    expect(listing.items.find((p: { slug: string }) => p.slug === created.slug)?.price.amount).toBe(7450);
    const audit = await auditFor(created.id);
    expect(audit.map((a) => a.action)).toEqual(["product.create", "product.update"]);
    expect(JSON.parse(audit[1]?.before ?? "{}").variants[0].price).toBe(8900);
    expect(JSON.parse(audit[1]?.after ?? "{}").variants[0].price).toBe(7450);
    // An editor holding the old version is told, not silently overwritten.
    const stale = await send("PUT", `/api/admin/products/${created.id}`, { ...edit, expectedUpdatedAt: created.updatedAt }, admin);
    expect(stale.status).toBe(409);
  });

  it("removes a variant without stock, refuses one with stock, and drafts leave the storefront and search", async () => {
    const body = newProduct();
    body.variants[1] = { ...body.variants[1], initialStock: 3 };
    const created = await json(await send("POST", "/api/admin/products", body, admin));
    const [small, medium] = created.variants;
    const keepSmall = { ...newProduct({ name: created.name, slug: created.slug }), variants: [{ sku: small.sku, options: small.options, price: 8900 }] };
    const refused = await send("PUT", `/api/admin/products/${created.id}`, keepSmall, admin);
    expect(refused.status).toBe(409);
    expect((await json(refused)).code).toBe("catalog.variant_has_stock");
    const keepMedium = {
      ...newProduct({ name: created.name, slug: created.slug, status: "draft" }),
      variants: [{ sku: medium.sku, options: medium.options, price: 8900 }],
    };
    const ok = await send("PUT", `/api/admin/products/${created.id}`, keepMedium, admin);
    expect(ok.status).toBe(200);
    expect((await json(ok)).variants.map((v: { sku: string }) => v.sku)).toEqual([medium.sku]);
    expect((await call(`/api/products/${created.slug}`)).status).toBe(404);
    const search = await json(await call(`/api/products?q=${encodeURIComponent(created.name)}`));
    expect(search.items.map((p: { slug: string }) => p.slug)).not.toContain(created.slug);
  });

  it("answers 404 for an unknown product", async () => {
    expect((await send("PUT", "/api/admin/products/prod_nope", newProduct(), admin)).status).toBe(404);
    expect((await call("/api/admin/products/prod_nope", { headers: admin })).status).toBe(404);
  });
});

describe("GET /api/admin/products", () => {
  it("lists drafts and archived products too, with search by name or SKU, filters and paging", async () => {
    const draft = await json(await send("POST", "/api/admin/products", newProduct({ name: "Quiet Draft Lantern", status: "draft" }), admin));
    const list = async (q: string) => json(await call(`/api/admin/products?${q}`, { headers: admin }));
    expect((await list("q=quiet%20draft")).items.map((p: { id: string }) => p.id)).toEqual([draft.id]);
    expect((await list(`q=${draft.variants[0].sku.toLowerCase()}`)).items.map((p: { id: string }) => p.id)).toEqual([draft.id]);
    const drafts = await list("status=draft&perPage=100");
    expect(drafts.items.every((p: { status: string }) => p.status === "draft")).toBe(true);
    expect(drafts.items.map((p: { id: string }) => p.id)).toContain(draft.id);
    const row = drafts.items.find((p: { id: string }) => p.id === draft.id);
    expect(row).toMatchObject({
      variantCount: 2,
      minPrice: 8900,
      brand: "Northwind Outdoor",
      category: { id: category.id },
      stockAvailable: 0,
      lowStock: true,
    });
    expect((await list(`category=${category.id}&stock=out&perPage=1&page=2`)).perPage).toBe(1);
    expect((await list("brand=northwind-outdoor&perPage=100")).items.length).toBeGreaterThan(1);
    expect((await list("category=cat_nope")).total).toBe(0);
    const bad = await call("/api/admin/products?status=gone&colour=red", { headers: admin });
    expect(bad.status).toBe(400);
    expect((await json(bad)).errors.map((e: { path: string }) => e.path).sort()).toEqual(["colour", "status"]);
  });
});

describe("POST /api/admin/products/bulk", () => {
  it("sets status for many, deletes only what is safe to delete, and audits each", async () => {
    const a = await json(await send("POST", "/api/admin/products", newProduct(), admin));
    const withStock = newProduct();
    withStock.variants[0] = { ...withStock.variants[0], initialStock: 2 };
    const b = await json(await send("POST", "/api/admin/products", withStock, admin));
    const archived = await json(await send("POST", "/api/admin/products/bulk", { ids: [a.id, b.id], action: "set_status", status: "archived" }, admin));
    expect(archived).toEqual({ done: [a.id, b.id], skipped: [] });
    expect((await call(`/api/products/${a.slug}`)).status).toBe(404);
    expect((await auditFor(a.id)).map((x) => x.action)).toEqual(["product.create", "product.status"]);
    const deleted = await json(await send("POST", "/api/admin/products/bulk", { ids: [a.id, b.id, "prod_nope"], action: "delete" }, admin));
    expect(deleted.done).toEqual([a.id]);
    expect(deleted.skipped.map((s: { id: string }) => s.id).sort()).toEqual([b.id, "prod_nope"].sort());
    expect((await call(`/api/admin/products/${a.id}`, { headers: admin })).status).toBe(404);
    expect((await auditFor(a.id)).map((x) => x.action)).toEqual(["product.create", "product.status", "product.delete"]);
    const missingStatus = await send("POST", "/api/admin/products/bulk", { ids: [b.id], action: "set_status" }, admin);
    expect((await json(missingStatus)).errors[0].path).toBe("status");
  });

  it("keeps a product that was ordered even once its stock is gone, so its orders still name it", async () => {
    const sold = newProduct();
    sold.variants[0] = { ...sold.variants[0], initialStock: 1 };
    const c = await json(await send("POST", "/api/admin/products", sold, admin));
    // Bought and paid: the one unit is sold, nothing is on hand or reserved any more.
    await buy([{ sku: c.variants[0].sku, quantity: 1 }]);
    const stock = await json(await call(`/api/admin/inventory/${c.variants[0].sku}`, { headers: admin }));
    expect([stock.onHand, stock.reserved]).toEqual([0, 0]);
    const deleted = await json(await send("POST", "/api/admin/products/bulk", { ids: [c.id], action: "delete" }, admin));
    expect(deleted).toEqual({ done: [], skipped: [{ id: c.id, reason: "It has been ordered: archive it instead" }] });
    expect((await call(`/api/admin/products/${c.id}`, { headers: admin })).status).toBe(200);
  });
});
