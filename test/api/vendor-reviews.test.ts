import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { purgeCatalogCache } from "../../worker/catalog";
import { insertCategory, insertProduct } from "../support/factories";
import { call, json } from "../support/http";
import { send, signIn } from "../support/staff";
import { addMember, insertVendor, type VendorMemberCaller } from "../support/vendors";

// A seller sees the published reviews of its own products in /api/vendor and may reply in public once;
// it can neither see another seller's reviews nor hide, edit or reject any.

let alder: VendorMemberCaller;
let birch: VendorMemberCaller;
let n = 0;

async function product(slug: string, vendorId: string | null) {
  const category = await insertCategory(env.DB, { slug: `vr-${slug}` });
  const built = await insertProduct(env.DB, {
    slug,
    name: `Reviewed ${slug}`,
    category,
    vendorId,
    variants: [{ sku: slug.toUpperCase(), title: "Default", options: {}, price: 2000, stockAvailable: 5 }],
  });
  return built.product.id;
}

/** A review row as the shopper's write path leaves it (that path is tested in reviews.test.ts). */
async function review(productId: string, status: "published" | "pending" | "rejected", rating = 2) {
  n++;
  const id = `rev_vt${n}`;
  await env.DB.prepare(
    `INSERT INTO reviews (id, product_id, user_id, order_line_id, author_name, rating, title, body, photos, status, created_at, updated_at)
     VALUES (?, ?, ?, ?, 'Ada L.', ?, 'Title', 'The body of the review.', '[]', ?, ?, ?)`,
  )
    .bind(id, productId, `usr_vt${n}`, `line_vt${n}`, rating, status, new Date(Date.now() + n).toISOString(), new Date().toISOString())
    .run();
  return id;
}

let alderPublished: string;
let alderHeld: string;
let birchPublished: string;
let storePublished: string;

beforeAll(async () => {
  alder = await insertVendor();
  birch = await insertVendor();
  const [a, b, s] = await Promise.all([product("vr-alder-mug", alder.vendorId), product("vr-birch-bowl", birch.vendorId), product("vr-store-cup", null)]);
  alderPublished = await review(a, "published", 1);
  alderHeld = await review(a, "pending");
  await review(a, "rejected");
  birchPublished = await review(b, "published");
  storePublished = await review(s, "published");
  purgeCatalogCache();
});

describe("GET /api/vendor/reviews", () => {
  it("lists only the published reviews of the caller's own products", async () => {
    const res = await send("/api/vendor/reviews", "GET", alder.headers);
    expect(res.status).toBe(200);
    const page = await json(res);
    expect(page.items.map((r: { id: string }) => r.id)).toEqual([alderPublished]);
    expect(page.items[0]).toMatchObject({ productSlug: "vr-alder-mug", rating: 1, reply: null, verifiedBuyer: true });
    expect(page.total).toBe(1);
    const other = await json(await send("/api/vendor/reviews", "GET", birch.headers));
    expect(other.items.map((r: { id: string }) => r.id)).toEqual([birchPublished]);
    for (const id of [alderHeld, storePublished]) expect(JSON.stringify(page)).not.toContain(id);
  });

  it("refuses a customer (403), an anonymous caller (401) and a bad filter (400)", async () => {
    const customer = await signIn("customer");
    expect((await send("/api/vendor/reviews", "GET", customer.headers)).status).toBe(403);
    expect((await call("/api/vendor/reviews")).status).toBe(401);
    expect((await send("/api/vendor/reviews?replied=maybe", "GET", alder.headers)).status).toBe(400);
  });
});

describe("POST /api/vendor/reviews/:id/reply", () => {
  it("replies once in public, audited; a second reply is 409 and changes nothing", async () => {
    const res = await send(`/api/vendor/reviews/${alderPublished}/reply`, "POST", alder.headers, { body: "Sorry it chipped: write to us and we replace it." });
    expect(res.status).toBe(201);
    expect((await json(res)).reply).toMatchObject({ body: "Sorry it chipped: write to us and we replace it." });
    // Shoppers see it under the review.
    const shown = await json(await call("/api/products/vr-alder-mug/reviews"));
    const sellerName = (await env.DB.prepare("SELECT name FROM vendors WHERE id = ?").bind(alder.vendorId).first<{ name: string }>())?.name;
    expect(sellerName).toBeTruthy();
    expect(shown.items.find((r: { id: string }) => r.id === alderPublished)?.reply).toMatchObject({
      body: "Sorry it chipped: write to us and we replace it.",
      from: "seller",
      fromName: sellerName,
    });

    const again = await send(`/api/vendor/reviews/${alderPublished}/reply`, "POST", alder.headers, { body: "Changed my mind." });
    expect(again.status).toBe(409);
    expect((await json(again)).code).toBe("reviews.already_replied");
    const reply = await env.DB.prepare("SELECT body, author_id FROM review_replies WHERE review_id = ?")
      .bind(alderPublished)
      .first<{ body: string; author_id: string }>();
    expect(reply).toEqual({ body: "Sorry it chipped: write to us and we replace it.", author_id: alder.id });
    const audits = await env.DB.prepare("SELECT actor_id, after FROM audit_log WHERE action = 'review.vendor_reply' AND entity_id = ?")
      .bind(alderPublished)
      .all<{
        actor_id: string;
        after: string;
      }>();
    expect(audits.results).toHaveLength(1);
    expect(audits.results[0]?.actor_id).toBe(alder.id);
    expect(JSON.parse(audits.results[0]?.after ?? "{}")).toMatchObject({ vendorId: alder.vendorId });

    const unanswered = await json(await send("/api/vendor/reviews?replied=no", "GET", alder.headers));
    expect(unanswered.items).toEqual([]);
  });

  it("labels the store's reply with the store's name, and a seller's with that seller's name after a rename", async () => {
    const admin = await signIn("admin");
    const storeReviewed = await review(await product("vr-store-plate", null), "published");
    purgeCatalogCache();
    expect((await send(`/api/admin/reviews/${storeReviewed}/reply`, "PUT", admin.headers, { body: "Thanks from the shop." })).status).toBe(200);
    const storeName = "Review Test Outfitters";
    expect((await send("/api/admin/settings/store", "PATCH", admin.headers, { storeName })).status).toBe(200);
    const shown = await json(await call("/api/products/vr-store-plate/reviews"));
    expect(shown.items.find((r: { id: string }) => r.id === storeReviewed)?.reply).toMatchObject({ from: "store", fromName: storeName });

    // The label is the seller's name now, not a copy taken when the reply was written.
    await env.DB.prepare("UPDATE vendors SET name = 'Alder Pottery' WHERE id = ?").bind(alder.vendorId).run();
    purgeCatalogCache();
    const renamed = await json(await call("/api/products/vr-alder-mug/reviews"));
    expect(renamed.items.find((r: { id: string }) => r.id === alderPublished)?.reply).toMatchObject({ from: "seller", fromName: "Alder Pottery" });
    const own = await json(await send("/api/vendor/reviews?replied=yes", "GET", alder.headers));
    expect(own.items[0]?.reply).toMatchObject({ fromName: "Alder Pottery" });
  });

  it("two replies sent at once leave one reply and one audit entry", async () => {
    const category = await insertCategory(env.DB, { slug: "vr-race" });
    await insertProduct(env.DB, {
      slug: "vr-race-jug",
      name: "Race jug",
      category,
      vendorId: alder.vendorId,
      variants: [{ sku: "VR-RACE-JUG", title: "Default", options: {}, price: 2000, stockAvailable: 5 }],
    });
    const productId = (await env.DB.prepare("SELECT id FROM products WHERE slug = 'vr-race-jug'").first<{ id: string }>())?.id as string;
    const id = await review(productId, "published");
    const answers = await Promise.all(
      ["First", "Second", "Third"].map((word) => send(`/api/vendor/reviews/${id}/reply`, "POST", alder.headers, { body: `${word} reply.` })),
    );
    expect(answers.map((r) => r.status).sort()).toEqual([201, 409, 409]);
    const count = await env.DB.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'review.vendor_reply' AND entity_id = ?")
      .bind(id)
      .first<{ n: number }>();
    expect(count?.n).toBe(1);
  });

  it("answers 404 for another seller's, a held or the store's own review; 403 for a member without the catalog role; 400 naming the body", async () => {
    for (const id of [birchPublished, alderHeld, storePublished, "rev_nope"]) {
      const res = await send(`/api/vendor/reviews/${id}/reply`, "POST", alder.headers, { body: "Not ours." });
      expect(res.status, id).toBe(404);
    }
    expect(
      await env.DB.prepare("SELECT count(*) AS n FROM review_replies WHERE review_id IN (?, ?, ?)").bind(birchPublished, alderHeld, storePublished).first(),
    ).toEqual({
      n: 0,
    });
    const packer = await addMember(birch.vendorId, "orders");
    expect((await send(`/api/vendor/reviews/${birchPublished}/reply`, "POST", packer.headers, { body: "Thanks!" })).status).toBe(403);
    const bad = await send(`/api/vendor/reviews/${birchPublished}/reply`, "POST", birch.headers, { body: "" });
    expect(bad.status).toBe(400);
    expect((await json(bad)).errors).toContainEqual(expect.objectContaining({ path: "body" }));
  });

  it("offers no way to hide, edit or delete a review or a reply", async () => {
    for (const [method, path] of [
      ["PUT", `/api/vendor/reviews/${alderPublished}/reply`],
      ["DELETE", `/api/vendor/reviews/${alderPublished}/reply`],
      ["POST", `/api/vendor/reviews/${alderPublished}/reject`],
      ["PATCH", `/api/vendor/reviews/${alderPublished}`],
      ["DELETE", `/api/vendor/reviews/${alderPublished}`],
    ] as const) {
      const res = await send(path, method, alder.headers, method === "DELETE" ? undefined : { body: "x" });
      expect(res.status, `${method} ${path}`).toBe(404);
    }
    const row = await env.DB.prepare("SELECT status FROM reviews WHERE id = ?").bind(alderPublished).first<{ status: string }>();
    expect(row?.status).toBe("published");
  });
});
