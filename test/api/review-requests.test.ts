import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { sendReviewRequests } from "../../worker/reviews";
import { signedIn } from "../support/orders";
import { buyer, goodReview, reviewableProduct, type Staff } from "../support/reviews";

vi.setConfig({ testTimeout: 120_000 });

let admin: Staff;
beforeAll(async () => {
  admin = await signedIn("admin");
});

const lineOf = async (orderId: string) =>
  (await env.DB.prepare("SELECT id FROM order_lines WHERE order_id = ?").bind(orderId).first<{ id: string }>())?.id as string;
const outbox = async (id: string) =>
  (await env.DB.prepare("SELECT template, subject, text FROM email_outbox WHERE id = ?").bind(id).all<{ template: string; subject: string; text: string }>())
    .results;

describe("review request emails", () => {
  it("go once per delivered order line, with a link to the form, and one reminder later", async () => {
    const slug = await reviewableProduct("REQ-A");
    const delivered = await buyer(admin, "REQ-A");
    const waiting = await buyer(admin, "REQ-A", false);
    const reviewed = await buyer(admin, "REQ-A");
    expect((await reviewed.send(`/api/products/${slug}/reviews`, "POST", goodReview())).status).toBe(201);

    const now = Date.now();
    // Two sweeps (or two overlapping cron runs) request once.
    const [first, second] = [await sendReviewRequests(env, "https://shop.example", now), await sendReviewRequests(env, "https://shop.example", now)];
    expect(first.requested).toBe(1);
    expect(second.requested).toBe(0);
    const line = await lineOf(delivered.orderId);
    await expect.poll(async () => (await outbox(`review-request:${line}`)).length, { timeout: 15_000, interval: 250 }).toBe(1);
    const [mail] = await outbox(`review-request:${line}`);
    expect(mail?.template).toBe("review_request");
    expect(mail?.text).toContain(`https://shop.example/p/${slug}/reviews`);
    // Not delivered, or already reviewed: nothing.
    expect(await outbox(`review-request:${await lineOf(waiting.orderId)}`)).toEqual([]);
    expect(await outbox(`review-request:${await lineOf(reviewed.orderId)}`)).toEqual([]);

    // The reminder after the configured 7 days, once.
    expect((await sendReviewRequests(env, "https://shop.example", now + 6 * 86_400_000)).reminded).toBe(0);
    expect((await sendReviewRequests(env, "https://shop.example", now + 8 * 86_400_000)).reminded).toBe(1);
    expect((await sendReviewRequests(env, "https://shop.example", now + 9 * 86_400_000)).reminded).toBe(0);
    await expect.poll(async () => (await outbox(`review-reminder:${line}`)).length, { timeout: 15_000, interval: 250 }).toBe(1);
    expect((await outbox(`review-reminder:${line}`))[0]?.subject).toContain("reminder");
  });

  it("sends no reminder when the setting is 0, nor once the buyer has reviewed", async () => {
    const slug = await reviewableProduct("REQ-B");
    const a = await buyer(admin, "REQ-B");
    const b = await buyer(admin, "REQ-B");
    const now = Date.now();
    expect((await sendReviewRequests(env, "https://shop.example", now)).requested).toBe(2);
    expect((await a.send(`/api/products/${slug}/reviews`, "POST", goodReview())).status).toBe(201);
    expect((await sendReviewRequests(env, "https://shop.example", now + 8 * 86_400_000)).reminded).toBe(1);
    expect((await admin.send("/api/admin/settings/reviews", "PUT", { moderation: "auto", reminderDays: 0 })).status).toBe(200);
    await env.DB.prepare("UPDATE review_requests SET reminded_at = NULL").run();
    expect((await sendReviewRequests(env, "https://shop.example", now + 20 * 86_400_000)).reminded).toBe(0);
    void b;
  });
});
