import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { updateImageOrigins } from "../../worker/store";
import { insertCategory } from "../support/factories";
import { json } from "../support/http";
import { send } from "../support/staff";
import { addMember, insertVendor, type VendorMemberCaller } from "../support/vendors";

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const setup = { actorId: "usr_setup", actorEmail: "setup@example.test", requestId: null };
let category: { id: string };
let other: { id: string };
let a: VendorMemberCaller;
let b: VendorMemberCaller;
let n = 0;

const product = (sku: string, overrides: Record<string, unknown> = {}) => ({
  name: `Seller item ${sku}`,
  description: "Made by a seller.",
  status: "active",
  categoryId: category.id,
  variants: [{ sku, price: 2500, initialStock: 5 }],
  ...overrides,
});
const create = (who: VendorMemberCaller, body: unknown) => send("/api/vendor/products", "POST", who.headers, body);
const sku = (prefix: string) => `${prefix}-${++n}-${Date.now().toString(36).toUpperCase()}`;
const productRow = (id: string) =>
  env.DB.prepare("SELECT vendor_id AS vendorId, featured, name, updated_at AS updatedAt FROM products WHERE id = ?")
    .bind(id)
    .first<{ vendorId: string | null; featured: number; name: string; updatedAt: string }>();

beforeAll(async () => {
  category = await insertCategory(env.DB, { slug: "seller-goods" });
  other = await insertCategory(env.DB, { slug: "seller-other" });
  a = await insertVendor();
  b = await insertVendor();
  await updateImageOrigins(env, setup, { origins: ["https://images.example.test"] });
});

describe("POST /api/vendor/products", () => {
  it("creates the product under the caller's vendor, books its opening stock through the ledger and audits the member", async () => {
    const s = sku("VA");
    const res = await create(a, product(s, { images: [{ url: "https://images.example.test/a.jpg", alt: "Front" }] }));
    expect(res.status).toBe(201);
    const body = await json(res);
    expect(body).toMatchObject({ vendorId: a.vendorId, featured: false, status: "active", images: [{ url: "https://images.example.test/a.jpg" }] });
    expect(body.variants[0]).toMatchObject({ sku: s, price: 2500, stockAvailable: 5 });
    const stock = await json(await send(`/api/vendor/inventory/${s}`, "GET", a.headers));
    expect(stock).toMatchObject({ onHand: 5, reserved: 0, available: 5 });
    const audit = await env.DB.prepare("SELECT actor_id AS actorId FROM audit_log WHERE action = 'product.create' AND entity_id = ?")
      .bind(body.id)
      .first<{ actorId: string }>();
    expect(audit?.actorId).toBe(a.id);
    // On sale at once: its page and the seller's listing have it.
    expect((await send(`/api/products/${body.slug}`, "GET", {})).status).toBe(200);
    const listed = await json(await send(`/api/products?vendor=${a.vendorId}`, "GET", {}));
    expect(listed.items.map((p: { id: string }) => p.id)).toContain(body.id);
  });

  it("refuses the fields only the store sets (vendor, featured, brand) and archiving, naming each", async () => {
    for (const [field, value] of [
      ["vendorId", b.vendorId],
      ["featured", true],
      ["brand", "Acme"],
    ] as const) {
      const res = await create(a, { ...product(sku("VX")), [field]: value });
      expect(res.status, field).toBe(400);
      expect(JSON.stringify((await json(res)).errors)).toContain(field);
    }
    const archived = await create(a, product(sku("VX"), { status: "archived" }));
    expect(archived.status).toBe(400);
    expect((await json(archived)).errors.map((e: { path: string }) => e.path)).toContain("status");
  });

  it("refuses a picture from an origin the store does not allow, naming the picture", async () => {
    const res = await create(a, product(sku("VI"), { images: [{ url: "https://evil.example.test/x.jpg" }] }));
    expect(res.status).toBe(400);
    expect((await json(res)).errors).toEqual([expect.objectContaining({ path: "images.0.url" })]);
  });

  it("is the catalog members' and owners' only: other roles 403, a suspended seller 403, customers 403, anonymous 401", async () => {
    const orders = await addMember(a.vendorId, "orders");
    expect((await create(orders, product(sku("VR")))).status).toBe(403);
    const catalog = await addMember(a.vendorId, "catalog");
    expect((await create(catalog, product(sku("VR")))).status).toBe(201);
    const suspended = await insertVendor({ status: "suspended" });
    const refused = await create(suspended, product(sku("VR")));
    expect(refused.status).toBe(403);
    expect((await json(refused)).code).toBe("vendors.not_active");
    expect((await create({ ...a, headers: {} }, product(sku("VR")))).status).toBe(401);
  });
});

describe("GET /api/vendor/products", () => {
  it("lists only the caller's products, searched and filtered by status", async () => {
    const mine = await json(await create(a, product(sku("LA"), { name: "Walnut spoon", status: "draft" })));
    const theirs = await json(await create(b, product(sku("LB"), { name: "Walnut bowl" })));
    const list = await json(await send("/api/vendor/products?q=Walnut", "GET", a.headers));
    expect(list.items.map((p: { id: string }) => p.id)).toEqual([mine.id]);
    expect(JSON.stringify(list)).not.toContain(theirs.id);
    const drafts = await json(await send("/api/vendor/products?status=draft&perPage=100", "GET", a.headers));
    expect(drafts.items.every((p: { status: string; vendorId: string }) => p.status === "draft" && p.vendorId === a.vendorId)).toBe(true);
    expect(drafts.items.map((p: { id: string }) => p.id)).toContain(mine.id);
    // A vendor filter cannot be smuggled in.
    expect((await send(`/api/vendor/products?vendor=${b.vendorId}`, "GET", a.headers)).status).toBe(400);
  });
});

describe("PUT /api/vendor/products/{id}", () => {
  it("edits the seller's product through the staff write path; the featured flag and brand staff set stay", async () => {
    const s = sku("EA");
    const created = await json(await create(a, product(s)));
    await env.DB.prepare("INSERT OR IGNORE INTO brands (id, slug, name) VALUES ('brand_vp', 'vp-brand', 'VP Brand')").run();
    await env.DB.prepare("UPDATE products SET featured = 1, brand_id = 'brand_vp' WHERE id = ?").bind(created.id).run();
    const res = await send(`/api/vendor/products/${created.id}`, "PUT", a.headers, {
      ...product(s, { name: "Renamed by the seller", categoryId: other.id, status: "draft" }),
      variants: [
        { sku: s, price: 3100, options: { size: "S" } },
        { sku: `${s}-B`, price: 3300, options: { size: "L" }, initialStock: 2 },
      ],
    });
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body).toMatchObject({ name: "Renamed by the seller", status: "draft", featured: true, vendorId: a.vendorId, brand: { name: "VP Brand" } });
    expect(body.category.id).toBe(other.id);
    expect(body.variants.map((v: { sku: string; price: number; stockAvailable: number }) => [v.sku, v.price, v.stockAvailable])).toEqual([
      [s, 3100, 5],
      [`${s}-B`, 3300, 2],
    ]);
  });

  it("answers 404 for another seller's product and changes nothing there", async () => {
    const s = sku("EB");
    const theirs = await json(await create(b, product(s)));
    const before = await productRow(theirs.id);
    const res = await send(`/api/vendor/products/${theirs.id}`, "PUT", a.headers, product(s, { name: "Taken over" }));
    expect(res.status).toBe(404);
    expect(JSON.stringify(await json(res))).not.toContain(theirs.name);
    expect((await send(`/api/vendor/products/${theirs.id}`, "GET", a.headers)).status).toBe(404);
    expect(await productRow(theirs.id)).toEqual(before);
  });

  it("refuses to take another product's SKU (409 naming the variant)", async () => {
    const taken = sku("ET");
    await create(b, product(taken));
    const mine = sku("EM");
    const created = await json(await create(a, product(mine)));
    const res = await send(
      `/api/vendor/products/${created.id}`,
      "PUT",
      a.headers,
      product(mine, {
        variants: [
          { sku: mine, price: 2500, options: { size: "S" } },
          { sku: taken, price: 100, options: { size: "L" } },
        ],
      }),
    );
    expect(res.status).toBe(409);
    expect((await json(res)).errors).toEqual([expect.objectContaining({ path: "variants.1.sku" })]);
  });
});

describe("POST /api/vendor/inventory/{sku}/adjustments", () => {
  const adjust = (who: VendorMemberCaller, s: string, delta: number, key?: string) =>
    send(`/api/vendor/inventory/${s}/adjustments`, "POST", { ...who.headers, ...(key ? { "Idempotency-Key": key } : {}) }, { delta, reason: "counted" });

  it("changes stock through the ledger, audited with the member; another seller's SKU is 404 and untouched", async () => {
    const s = sku("SA");
    await create(a, product(s));
    const res = await adjust(a, s, 3);
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ onHand: 8, available: 8 });
    const audit = await env.DB.prepare("SELECT actor_id AS actorId FROM audit_log WHERE action = 'inventory.adjust' AND entity_id = ?")
      .bind(s)
      .first<{ actorId: string }>();
    expect(audit?.actorId).toBe(a.id);

    const theirs = sku("SB");
    await create(b, product(theirs));
    const refused = await adjust(a, theirs, 50);
    expect(refused.status).toBe(404);
    expect((await json(await send(`/api/vendor/inventory/${theirs}`, "GET", b.headers))).onHand).toBe(5);
    expect((await send(`/api/vendor/inventory/${theirs}`, "GET", a.headers)).status).toBe(404);
  });

  it("never takes stock below what is reserved: of 10 concurrent removals of one unit from 5, exactly 5 succeed", async () => {
    const s = sku("SR");
    await create(a, product(s));
    const results = await Promise.all(Array.from({ length: 10 }, () => adjust(a, s, -1)));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((x) => x === 200)).toHaveLength(5);
    expect(statuses.filter((x) => x === 409)).toHaveLength(5);
    expect((await json(await send(`/api/vendor/inventory/${s}`, "GET", a.headers))).onHand).toBe(0);
  });

  it("counts a retried adjustment once (the same Idempotency-Key sent five times at once)", async () => {
    const s = sku("SI");
    await create(a, product(s));
    const key = `retry-${crypto.randomUUID()}`;
    await Promise.all(Array.from({ length: 5 }, () => adjust(a, s, 4, key)));
    expect((await json(await send(`/api/vendor/inventory/${s}`, "GET", a.headers))).onHand).toBe(9);
  });
});
