import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { call, json, postJson } from "../support/http";
import { buy, client, stockProduct } from "../support/orders";

// A guest who bought a product (proved by the order's emailed link) may review it once, shown as a verified
// purchase: the eligibility matrix for guests (wrong link, not delivered, not in the order, an account's
// order, already reviewed, delivered) and the race of two posts.

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const review = (orderId: string, token: string | null, body: Record<string, unknown>) =>
  postJson(`/api/orders/${orderId}/reviews${token === null ? "" : `?token=${encodeURIComponent(token)}`}`, body);
const good = (productSlug: string) => ({ productSlug, name: "Grace Hopper", rating: 4, title: "Solid kettle", body: "Boils fast and pours without dripping." });
const deliver = (orderId: string) => env.DB.prepare("UPDATE orders SET status = 'delivered' WHERE id = ?").bind(orderId).run();

let delivered: { orderId: string; token: string };
let paidOnly: { orderId: string; token: string };

beforeAll(async () => {
  await stockProduct("GRV-KETTLE", 50, 3000);
  await stockProduct("GRV-TOASTER", 50, 4000);
  await stockProduct("GRV-OTHER", 50, 1000);
  delivered = await buy([
    { sku: "GRV-KETTLE", quantity: 1 },
    { sku: "GRV-TOASTER", quantity: 1 },
  ]);
  await deliver(delivered.orderId);
  paidOnly = await buy([{ sku: "GRV-KETTLE", quantity: 1 }]);
});

describe("POST /api/orders/:id/reviews (a guest, by the emailed link)", () => {
  it("lets a guest with a delivered order review its product once, as a verified purchase, counted in the summary", async () => {
    const res = await review(delivered.orderId, delivered.token, good("grv-kettle"));
    expect(res.status).toBe(201);
    const written = await json(res);
    expect(written).toMatchObject({ authorName: "Grace H.", rating: 4, verifiedBuyer: true, status: "published", photos: [] });
    const listed = await json(await call("/api/products/grv-kettle/reviews"));
    expect(listed.items.map((r: { id: string }) => r.id)).toContain(written.id);
    expect(listed.summary).toMatchObject({ count: 1 });

    const again = await review(delivered.orderId, delivered.token, { ...good("grv-kettle"), title: "Second try" });
    expect(again.status).toBe(409);
    expect((await json(again)).code).toBe("reviews.already_reviewed");
  });

  it("refuses a wrong or missing link, an order not delivered yet, and a product not in the order", async () => {
    expect((await review(delivered.orderId, "x".repeat(43), good("grv-toaster"))).status).toBe(404);
    expect((await review(delivered.orderId, null, good("grv-toaster"))).status).toBe(400);
    // Another order's token does not open this order.
    expect((await review(delivered.orderId, paidOnly.token, good("grv-toaster"))).status).toBe(404);

    const notYet = await review(paidOnly.orderId, paidOnly.token, good("grv-kettle"));
    expect(notYet.status).toBe(403);
    expect((await json(notYet)).code).toBe("reviews.not_eligible");

    const notBought = await review(delivered.orderId, delivered.token, good("grv-other"));
    expect(notBought.status).toBe(403);
    expect(await json(notBought)).toMatchObject({ code: "reviews.not_eligible", errors: [expect.objectContaining({ path: "productSlug" })] });
    const none = await env.DB.prepare("SELECT count(*) AS n FROM reviews WHERE user_id IN (?, ?)")
      .bind(`guest:${paidOnly.orderId}`, `guest:${delivered.orderId}`)
      .first<{ n: number }>();
    expect(none?.n).toBe(1);
  });

  it("names each bad field (400) and takes no photos or unknown fields", async () => {
    const bad = await review(delivered.orderId, delivered.token, { ...good("grv-toaster"), rating: 6, name: "" });
    expect(bad.status).toBe(400);
    expect((await json(bad)).errors.map((e: { path: string }) => e.path).sort()).toEqual(["name", "rating"]);
    const photo = await review(delivered.orderId, delivered.token, { ...good("grv-toaster"), photos: ["/media/uploads/x.png"] });
    expect(photo.status).toBe(400);
  });

  it("refuses an account's order through its link: its owner reviews signed in (403 reviews.sign_in)", async () => {
    const owner = await buy([{ sku: "GRV-OTHER", quantity: 1 }], client());
    await deliver(owner.orderId);
    await env.DB.prepare("UPDATE orders SET user_id = 'usr_someone' WHERE id = ?").bind(owner.orderId).run();
    const res = await review(owner.orderId, owner.token, good("grv-other"));
    expect(res.status).toBe(403);
    expect((await json(res)).code).toBe("reviews.sign_in");
  });

  it("two posts at once leave one review", async () => {
    const answers = await Promise.all([
      review(delivered.orderId, delivered.token, good("grv-toaster")),
      review(delivered.orderId, delivered.token, { ...good("grv-toaster"), title: "Also good" }),
    ]);
    expect(answers.map((r) => r.status).sort()).toEqual([201, 409]);
    const rows = await env.DB.prepare(
      "SELECT count(*) AS n FROM reviews WHERE user_id = ? AND product_id = (SELECT id FROM products WHERE slug = 'grv-toaster')",
    )
      .bind(`guest:${delivered.orderId}`)
      .first<{ n: number }>();
    expect(rows?.n).toBe(1);
  });
});
