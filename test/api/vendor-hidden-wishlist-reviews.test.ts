import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { approveVendor, reinstateVendor, suspendVendor } from "../../worker/vendors";
import { sendReviewRequests } from "../../worker/reviews";
import { insertUser } from "../support/factories";
import { json } from "../support/http";
import { client, insertOrder, signedIn } from "../support/orders";
import { insertVendor, sellerProduct } from "../support/vendors-money";

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

// A seller who is not active (suspended, pending) is hidden everywhere a shopper meets its products: besides
// listings and search (vendor-suspension.test.ts), wish lists (own and shared) and the reviews API.
const staff = { actorId: "usr_staff", actorEmail: "staff@example.test", requestId: null };
const ORIGIN = "http://store.test";
let seller: { id: string; name: string };

beforeAll(async () => {
  seller = await insertVendor({ name: "Hidden Hollow Ceramics" });
  await sellerProduct("HIDE-CUP", seller.id, 2100);
  await sellerProduct("HIDE-STORE", null, 900);
});

type Item = { sku: string; name: string };
const skusOf = (view: { items: Item[] }) => view.items.map((i) => i.sku).sort();

describe("wish lists while a seller is hidden", () => {
  it("the shopper's list, its count and the shared list leave out the seller's items (nothing of them in the answer); reinstated, they are back", async () => {
    const shopper = await signedIn();
    for (const sku of ["HIDE-CUP", "HIDE-STORE"]) expect((await shopper.send("/api/wishlist/items", "POST", { sku })).status).toBe(200);
    const shared = await json(await shopper.send("/api/wishlist", "PATCH", { shareEnabled: true }));
    const sharedPath = `/api/wishlist/shared/${shared.shareUrl.split("/").pop()}`;
    const guest = client();
    expect(skusOf(await json(await guest.send(sharedPath)))).toEqual(["HIDE-CUP", "HIDE-STORE"]);

    await suspendVendor(env, staff, seller.id, "Unanswered complaints", ORIGIN);
    const own = await shopper.send("/api/wishlist");
    const ownText = await own.text();
    expect(skusOf(JSON.parse(ownText))).toEqual(["HIDE-STORE"]);
    expect(JSON.parse(ownText).itemCount).toBe(1);
    expect(ownText).not.toContain("HIDE-CUP");
    expect(ownText).not.toContain("Item HIDE-CUP");
    const lists = await json(await shopper.send("/api/wishlists"));
    expect(lists.lists[0].itemCount).toBe(1);
    const sharedText = await (await guest.send(sharedPath)).text();
    expect(skusOf(JSON.parse(sharedText))).toEqual(["HIDE-STORE"]);
    expect(sharedText).not.toContain("HIDE-CUP");
    // Saving it again is refused like any product not on sale; the saved row itself is kept.
    expect((await shopper.send("/api/wishlist/items", "POST", { sku: "HIDE-CUP" })).status).toBe(404);

    await reinstateVendor(env, staff, seller.id, ORIGIN);
    expect(skusOf(await json(await shopper.send("/api/wishlist")))).toEqual(["HIDE-CUP", "HIDE-STORE"]);
    expect(skusOf(await json(await guest.send(sharedPath)))).toEqual(["HIDE-CUP", "HIDE-STORE"]);
  });

  it("a pending seller's item saved on a list shows only once the seller is approved", async () => {
    const pending = await insertVendor({ name: "Not Yet Pottery", status: "pending" });
    await sellerProduct("HIDE-PEND", pending.id, 1500);
    const shopper = await signedIn();
    expect((await shopper.send("/api/wishlist/items", "POST", { sku: "HIDE-STORE" })).status).toBe(200);
    // A row from before the seller left `active` (written straight, as the API cannot add it now).
    await env.DB.prepare("INSERT INTO wishlist_items (wishlist_id, sku, price_seen, currency) VALUES (?, 'HIDE-PEND', 1500, 'USD')")
      .bind(`wlu_${shopper.user.id}`)
      .run();
    expect(skusOf(await json(await shopper.send("/api/wishlist")))).toEqual(["HIDE-STORE"]);
    await approveVendor(env, staff, pending.id, ORIGIN);
    expect(skusOf(await json(await shopper.send("/api/wishlist")))).toEqual(["HIDE-PEND", "HIDE-STORE"]);
  });
});

describe("the reviews API while a seller is hidden", () => {
  it("answers 404 for the product's reviews, a new review, and votes and reports on its reviews; reinstated, all work again", async () => {
    const product = await env.DB.prepare("SELECT id FROM products WHERE slug = 'hide-cup'").first<{ id: string }>();
    const author = await insertUser(env.DB);
    const reviewId = `rev_hide_${Date.now().toString(36)}`;
    await env.DB.prepare(
      "INSERT INTO reviews (id, product_id, user_id, order_line_id, author_name, rating, title, body, status) VALUES (?, ?, ?, 'oli_hide', 'Hana H.', 5, 'Lovely glaze', 'The glaze is even lovelier in daylight.', 'published')",
    )
      .bind(reviewId, product?.id ?? "", author.id)
      .run();
    const reader = await signedIn();
    expect((await reader.send("/api/products/hide-cup/reviews")).status).toBe(200);

    await suspendVendor(env, staff, seller.id, "Unanswered complaints", ORIGIN);
    const listed = await reader.send("/api/products/hide-cup/reviews");
    expect(listed.status).toBe(404);
    expect(await listed.text()).not.toContain("Lovely glaze");
    const review = { rating: 4, title: "Nice cup overall", body: "Holds heat well and the handle is comfortable." };
    expect((await reader.send("/api/products/hide-cup/reviews", "POST", review)).status).toBe(404);
    expect((await reader.send(`/api/reviews/${reviewId}/votes`, "POST", {})).status).toBe(404);
    expect((await reader.send(`/api/reviews/${reviewId}/reports`, "POST", { reason: "spam" })).status).toBe(404);
    const row = await env.DB.prepare("SELECT helpful_count, open_reports FROM reviews WHERE id = ?").bind(reviewId).first();
    expect(row).toEqual({ helpful_count: 0, open_reports: 0 });

    await reinstateVendor(env, staff, seller.id, ORIGIN);
    const back = await json(await reader.send("/api/products/hide-cup/reviews"));
    expect(back.items.map((r: { id: string }) => r.id)).toEqual([reviewId]);
    expect((await reader.send(`/api/reviews/${reviewId}/votes`, "POST", {})).status).toBe(200);
  });

  it("sends no review request for a hidden seller's delivered line until the seller is back", async () => {
    const product = await env.DB.prepare("SELECT id FROM products WHERE slug = 'hide-cup'").first<{ id: string }>();
    const buyer = await insertUser(env.DB);
    const order = await insertOrder("delivered", [{ sku: "HIDE-CUP", quantity: 1, unitPrice: 2100 }]);
    const lineId = `${order.id}_l0`;
    await env.DB.batch([
      env.DB.prepare("UPDATE orders SET user_id = ?, email = ? WHERE id = ?").bind(buyer.id, buyer.email, order.id),
      env.DB.prepare("UPDATE order_lines SET product_id = ? WHERE id = ?").bind(product?.id ?? "", lineId),
    ]);
    const requested = () =>
      env.DB.prepare("SELECT count(*) AS n FROM review_requests WHERE order_line_id = ?")
        .bind(lineId)
        .first<{ n: number }>()
        .then((r) => r?.n);
    await suspendVendor(env, staff, seller.id, "Unanswered complaints", ORIGIN);
    await sendReviewRequests(env, ORIGIN);
    expect(await requested()).toBe(0);
    await reinstateVendor(env, staff, seller.id, ORIGIN);
    await sendReviewRequests(env, ORIGIN);
    expect(await requested()).toBe(1);
  });
});
