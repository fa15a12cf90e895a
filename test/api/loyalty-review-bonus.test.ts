import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { expireInactivePoints, forgetLoyaltySettings, maturePendingPoints } from "../../worker/loyalty";
import { loyaltyMaturityCheck } from "../../worker/returns";
import { json, postJson } from "../support/http";
import { signedIn, US_ADDRESS } from "../support/orders";
import { buyer, goodReview, reviewableProduct, type Staff } from "../support/reviews";
import { type Caller, send, signIn } from "../support/staff";

// The review bonus: written in the same D1 batch as a review published at once (both or neither), and taken back
// after its points were spent as a debt the member sees and later points pay first.
let admin: Staff;
let adminApi: Caller;
const DAY = 86_400_000;
type Member = Awaited<ReturnType<typeof signedIn>>;

const summary = async (m: Member) => json(await m.send("/api/loyalty"));
const bonusRows = (userId: string) =>
  env.DB.prepare("select kind, points from loyalty_entries where user_id = ? and key like 'bonus:review:%' order by created_at, rowid")
    .bind(userId)
    .all<{ kind: string; points: number }>()
    .then((r) => r.results.map((e) => [e.kind, e.points]));
const reviewsOf = (userId: string) =>
  env.DB.prepare("select count(*) as n from reviews where user_id = ?")
    .bind(userId)
    .first<{ n: number }>()
    .then((r) => r?.n ?? 0);

beforeAll(async () => {
  admin = await signedIn("admin");
  adminApi = await signIn("admin");
  forgetLoyaltySettings();
}, 60_000);

describe("a review published at once and its bonus: one batch", { timeout: 120_000 }, () => {
  it("a failure writing the bonus leaves no review; a failure writing the review leaves no bonus; then both", async () => {
    const slug = await reviewableProduct("LRB-ONE");
    const owner = await buyer(admin, "LRB-ONE");
    const product = await env.DB.prepare("select id, rating_count as n from products where slug = ?").bind(slug).first<{ id: string; n: number }>();

    await env.DB.prepare(
      "create trigger lrb_fail_bonus before insert on loyalty_entries when new.key like 'bonus:review:%' begin select raise(abort, 'bonus write failed'); end",
    ).run();
    try {
      const failed = await owner.send(`/api/products/${slug}/reviews`, "POST", goodReview());
      expect(failed.status).toBe(500);
    } finally {
      await env.DB.prepare("drop trigger lrb_fail_bonus").run();
    }
    expect(await reviewsOf(owner.user.id)).toBe(0);
    expect(await bonusRows(owner.user.id)).toEqual([]);
    const unchanged = await env.DB.prepare("select rating_count as n from products where id = ?").bind(product?.id).first<{ n: number }>();
    expect(unchanged?.n).toBe(product?.n);

    await env.DB.prepare("create trigger lrb_fail_review before insert on reviews begin select raise(abort, 'review write failed'); end").run();
    try {
      expect((await owner.send(`/api/products/${slug}/reviews`, "POST", goodReview())).status).toBe(500);
    } finally {
      await env.DB.prepare("drop trigger lrb_fail_review").run();
    }
    expect(await reviewsOf(owner.user.id)).toBe(0);
    expect(await bonusRows(owner.user.id)).toEqual([]);

    const posted = await owner.send(`/api/products/${slug}/reviews`, "POST", goodReview());
    expect(posted.status, await posted.clone().text()).toBe(201);
    expect(await reviewsOf(owner.user.id)).toBe(1);
    expect(await bonusRows(owner.user.id)).toEqual([["bonus", 50]]);
  });

  it("race: the same review posted twice at once is written once with one bonus", async () => {
    const slug = await reviewableProduct("LRB-TWO");
    const owner = await buyer(admin, "LRB-TWO");
    const posts = await Promise.all([0, 1, 2].map(() => owner.send(`/api/products/${slug}/reviews`, "POST", goodReview())));
    expect(posts.map((r) => r.status).sort()).toEqual([201, 409, 409]);
    expect(await reviewsOf(owner.user.id)).toBe(1);
    expect(await bonusRows(owner.user.id)).toEqual([["bonus", 50]]);
  });
});

describe("a review bonus taken back after its points were spent", { timeout: 180_000 }, () => {
  it("leaves a debt the member sees (available below 0, `owed`), that blocks redeeming and that later points pay first; it never expires", async () => {
    const slug = await reviewableProduct("LRB-DEBT");
    const owner = await buyer(admin, "LRB-DEBT");
    const review = await json(await owner.send(`/api/products/${slug}/reviews`, "POST", goodReview()));
    const credit = await send("/api/admin/loyalty/adjustments", "POST", adminApi.headers, { userId: owner.user.id, points: 100, reason: "Goodwill" });
    expect(credit.status).toBe(201);
    expect((await summary(owner)).available).toBe(150);

    // All 150 points spent on an order.
    expect((await owner.send("/api/cart/items", "POST", { sku: "LRB-DEBT", quantity: 1 })).status).toBe(200);
    const placed = await json(await owner.send("/api/checkout", "POST", { shippingAddress: US_ADDRESS, shippingOption: "standard", redeemPoints: 150 }));
    expect((await postJson(`/api/checkout/test-payments/${placed.payment.redirectUrl.split("/").pop()}`, { outcome: "succeeded" })).status).toBe(200);
    expect((await summary(owner)).available).toBe(0);

    // The review goes: its 50 points come back off a balance of 0.
    expect((await owner.send(`/api/reviews/${review.id}`, "DELETE")).status).toBe(204);
    const s = await summary(owner);
    expect(s).toMatchObject({ available: -50, owed: 50, availableValue: { amount: 0 } });
    expect(s.statement[0]).toMatchObject({ kind: "reverse", points: -50, reason: "Review removed: its bonus taken back" });

    // Nothing to redeem while owing.
    expect((await owner.send("/api/cart/items", "POST", { sku: "LRB-DEBT", quantity: 1 })).status).toBe(200);
    const refused = await owner.send("/api/checkout", "POST", { shippingAddress: US_ADDRESS, shippingOption: "standard", redeemPoints: 100 });
    expect(refused.status).toBe(409);
    expect(await json(refused)).toMatchObject({ code: "loyalty.insufficient_points", errors: [{ path: "redeemPoints", message: "Only 0 available" }] });

    // A debt never expires (there is nothing to expire).
    await expireInactivePoints(env, "http://store.test", Date.now() + 800 * DAY);
    const expired = await env.DB.prepare("select count(*) as n from loyalty_entries where user_id = ? and kind = 'expire'")
      .bind(owner.user.id)
      .first<{ n: number }>();
    expect(expired?.n).toBe(0);

    // The first order's 25 points become available (delivered, window over): they pay the debt first.
    const pending = (await summary(owner)).pending;
    expect(pending).toBeGreaterThan(0);
    await maturePendingPoints(env, loyaltyMaturityCheck, Date.now() + 31 * DAY);
    const after = await summary(owner);
    const firstOrder = await env.DB.prepare("select points from loyalty_entries where key = ?").bind(`earn:${owner.orderId}`).first<{ points: number }>();
    expect(after.available).toBe((firstOrder?.points ?? 0) - 50);
    expect(after.owed).toBe(Math.max(0, 50 - (firstOrder?.points ?? 0)));
  });
});
