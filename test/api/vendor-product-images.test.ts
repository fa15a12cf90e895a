import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { insertCategory, insertUser } from "../support/factories";
import { call, json } from "../support/http";
import { addMember, bearerFor, insertVendor, type VendorMemberCaller } from "../support/vendors";

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

// A 1×1 PNG; variants of it differ after the signature (the server reads only the signature), so each is its own file.
const PNG = Uint8Array.from(atob("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="), (ch) => ch.charCodeAt(0));
const pngNumber = (n: number) => Uint8Array.from([...PNG, n & 0xff, (n >> 8) & 0xff]);
const SVG = new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
const sha256 = async (b: Uint8Array<ArrayBuffer>) =>
  [...new Uint8Array(await crypto.subtle.digest("SHA-256", b))].map((x) => x.toString(16).padStart(2, "0")).join("");

let category: string;
let seller: VendorMemberCaller;
let other: VendorMemberCaller;

const upload = (who: Record<string, string>, productId: string, body: BodyInit, opts: { alt?: string | null; type?: string } = {}) => {
  const alt = opts.alt === undefined ? "A speckled mug from the side" : opts.alt;
  const query = alt === null ? "" : `?alt=${encodeURIComponent(alt)}`;
  return call(`/api/vendor/products/${productId}/images${query}`, { method: "POST", headers: { "Content-Type": opts.type ?? "image/png", ...who }, body });
};

async function makeProduct(who: VendorMemberCaller, name: string, images: { url: string; alt: string }[] = []) {
  const sku = `IMG-${Date.now().toString(36).toUpperCase()}-${Math.floor(Math.random() * 1e6)}`;
  const res = await call("/api/vendor/products", {
    method: "POST",
    headers: { ...who.headers, "Content-Type": "application/json" },
    body: JSON.stringify({ name, status: "active", categoryId: category, images, variants: [{ sku, price: 1800, initialStock: 3 }] }),
  });
  expect(res.status).toBe(201);
  return (await json(res)) as { id: string; slug: string; images: { url: string; alt: string }[]; updatedAt: string; variants: { sku: string }[] };
}
const imagesOf = async (productId: string) =>
  (
    await env.DB.prepare("SELECT url, alt, position FROM product_images WHERE product_id = ? ORDER BY position")
      .bind(productId)
      .all<{ url: string; alt: string; position: number }>()
  ).results;

beforeAll(async () => {
  category = (await insertCategory(env.DB, { slug: "picture-goods" })).id;
  seller = await insertVendor();
  other = await insertVendor();
});

describe("POST /api/vendor/products/{id}/images", () => {
  it("stores the picture in R2 like a staff upload and adds it, with its description, as the product's last picture; shoppers see it", async () => {
    const product = await makeProduct(seller, "Speckled upload mug", [{ url: "/media/products/speckled-upload-mug/1.svg", alt: "Drawn mug" }]);
    const res = await upload(seller.headers, product.id, PNG);
    expect(res.status).toBe(201);
    const hash = await sha256(PNG);
    const body = await json(res);
    expect(body.images.map((i: { url: string; alt: string }) => [i.url, i.alt])).toEqual([
      ["/media/products/speckled-upload-mug/1.svg", "Drawn mug"],
      [`/media/uploads/${hash}.png`, "A speckled mug from the side"],
    ]);
    expect(body.updatedAt).not.toBe(product.updatedAt);
    const object = await env.MEDIA.get(`uploads/${hash}.png`);
    expect(object?.httpMetadata?.contentType).toBe("image/png");
    const served = await call(`/media/uploads/${hash}.png`);
    expect(served.status).toBe(200);
    expect(new Uint8Array(await served.arrayBuffer())).toEqual(PNG);
    // The storefront shows it at once (the catalog caches were purged).
    const page = await json(await call(`/api/products/${product.slug}`));
    expect(page.images.map((i: { url: string }) => i.url)).toContain(`/media/uploads/${hash}.png`);
    // Audited twice: the upload (as the staff's are) and the change of the product, both naming the member.
    const audit = await env.DB.prepare("SELECT action, actor_id FROM audit_log WHERE (entity_id = ? OR entity_id = ?) ORDER BY rowid")
      .bind(product.id, `${hash}.png`)
      .all<{ action: string; actor_id: string }>();
    expect(audit.results.map((a) => [a.action, a.actor_id])).toEqual(
      expect.arrayContaining([
        ["media.upload", seller.id],
        ["product.image_add", seller.id],
      ]),
    );
    // An edit form opened before the upload cannot silently drop the new picture.
    const stale = await call(`/api/vendor/products/${product.id}`, {
      method: "PUT",
      headers: { ...seller.headers, "Content-Type": "application/json" },
      body: JSON.stringify({
        name: "Speckled upload mug",
        categoryId: category,
        expectedUpdatedAt: product.updatedAt,
        variants: [{ sku: product.variants[0]?.sku, price: 1800 }],
      }),
    });
    expect(stale.status).toBe(409);
    expect((await json(stale)).code).toBe("catalog.stale_product");
  });

  it("requires a description (400 naming alt) and refuses what is not a picture by its bytes (415), too large (413) or a JSON body (415)", async () => {
    const product = await makeProduct(seller, "Refused upload bowl");
    for (const alt of [null, "", "   "]) {
      const res = await upload(seller.headers, product.id, PNG, { alt });
      expect(res.status).toBe(400);
      expect((await json(res)).errors.map((e: { path: string }) => e.path)).toEqual(["alt"]);
    }
    const svg = await upload(seller.headers, product.id, SVG, { type: "image/png" });
    expect(svg.status).toBe(415);
    expect((await json(svg)).errors).toEqual([expect.objectContaining({ path: "file" })]);
    expect((await upload(seller.headers, product.id, SVG, { type: "image/svg+xml" })).status).toBe(415);
    expect((await upload(seller.headers, product.id, JSON.stringify({ url: "x" }), { type: "application/json" })).status).toBe(415);
    const big = new Uint8Array(5 * 1024 * 1024 + 1);
    big.set(PNG);
    expect((await upload(seller.headers, product.id, big)).status).toBe(413);
    expect(await imagesOf(product.id)).toEqual([]);
  });

  it("only the seller's own products: another seller's is 404 and nothing is stored; members without catalog 403, customers 403, anonymous 401, a suspended seller 403", async () => {
    const theirs = await makeProduct(other, "Not yours vase");
    const bytes = pngNumber(7001);
    const res = await upload(seller.headers, theirs.id, bytes);
    expect(res.status).toBe(404);
    expect(await env.MEDIA.head(`uploads/${await sha256(bytes)}.png`)).toBeNull();
    expect(await imagesOf(theirs.id)).toEqual([]);
    expect((await upload(seller.headers, "prod_does_not_exist", bytes)).status).toBe(404);

    const mine = await makeProduct(seller, "Team upload jug");
    const catalog = await addMember(seller.vendorId, "catalog");
    expect((await upload(catalog.headers, mine.id, pngNumber(7002))).status).toBe(201);
    const orders = await addMember(seller.vendorId, "orders");
    expect((await upload(orders.headers, mine.id, pngNumber(7003))).status).toBe(403);
    expect((await upload(await bearerFor(await insertUser(env.DB)), mine.id, pngNumber(7004))).status).toBe(403);
    expect((await upload({}, mine.id, pngNumber(7005))).status).toBe(401);
    const suspended = await insertVendor({ status: "suspended" });
    expect((await upload(suspended.headers, mine.id, pngNumber(7006))).status).toBe(403);
    expect((await imagesOf(mine.id)).length).toBe(1);
  });

  it("uploads at once each get their own place and never pass 20 pictures together", async () => {
    const start = Array.from({ length: 17 }, (_, i) => ({ url: `/media/products/race-plate/${i + 1}.svg`, alt: `View ${i + 1}` }));
    const product = await makeProduct(seller, "Race plate", start);
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => upload(seller.headers, product.id, pngNumber(8000 + i), { alt: `Upload ${i}` })));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 201, 201, 409, 409, 409]);
    const refused = await json(results.find((r) => r.status === 409) as Response);
    expect(refused.code).toBe("catalog.too_many_images");
    const images = await imagesOf(product.id);
    expect(images).toHaveLength(20);
    expect(new Set(images.map((i) => i.position)).size).toBe(20);
    expect(images.filter((i) => i.alt.startsWith("Upload "))).toHaveLength(3);
    const audited = await env.DB.prepare("SELECT count(*) AS n FROM audit_log WHERE entity_id = ? AND action = 'product.image_add'")
      .bind(product.id)
      .first<{ n: number }>();
    expect(audited?.n).toBe(3);
  });
});
