import { env } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { call, json } from "../support/http";
import { signedIn } from "../support/orders";
import { buyer, goodReview, productsInCategory, reviewableProduct, type Staff } from "../support/reviews";

// Every test signs in several shoppers (a real scrypt hash each) on a shared 2-core machine.
vi.setConfig({ testTimeout: 120_000 });

let admin: Staff;
let support: Staff;
beforeAll(async () => {
  admin = await signedIn("admin");
  support = await signedIn("support");
});

// Each test starts from auto-publish, whatever the one before left.
afterEach(async () => {
  await env.DB.prepare("UPDATE review_settings SET moderation = 'auto' WHERE id = 1").run();
});

const setModeration = (moderation: "auto" | "hold") => admin.send("/api/admin/settings/reviews", "PUT", { moderation, reminderDays: 7 });
const rating = (slug: string) =>
  env.DB.prepare("SELECT rating_avg_x100 AS avg, rating_count AS n FROM products WHERE slug = ?").bind(slug).first<{ avg: number; n: number }>();
const audits = (id: string) =>
  env.DB.prepare("SELECT action FROM audit_log WHERE entity_type = 'review' AND entity_id = ? ORDER BY at, rowid").bind(id).all<{ action: string }>();

describe("review settings: GET/PUT /api/admin/settings/reviews", () => {
  it("switches between auto-publish and hold (settings permission, audited, validated)", async () => {
    expect(await json(await admin.send("/api/admin/settings/reviews"))).toEqual({ moderation: "auto", reminderDays: 7 });
    expect((await admin.send("/api/admin/settings/reviews", "PUT", { moderation: "sometimes", reminderDays: 7 })).status).toBe(400);
    expect((await support.send("/api/admin/settings/reviews", "PUT", { moderation: "hold", reminderDays: 7 })).status).toBe(403);
    expect((await setModeration("hold")).status).toBe(200);
    const audit = await env.DB.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'settings.reviews'").first<{ n: number }>();
    expect(audit?.n).toBe(1);
    expect((await setModeration("auto")).status).toBe(200);
  });
});

describe("moderation: /api/admin/reviews", () => {
  it("holds new reviews, publishes on approval and recomputes the rating; rejection takes it out again", async () => {
    expect((await setModeration("hold")).status).toBe(200);
    const slug = await reviewableProduct("MOD-HOLD");
    const owner = await buyer(admin, "MOD-HOLD");
    const held = await json(await owner.send(`/api/products/${slug}/reviews`, "POST", goodReview(2)));
    expect(held.status).toBe("pending");
    expect((await json(await call(`/api/products/${slug}/reviews`))).total).toBe(0);
    expect(await rating(slug)).toEqual({ avg: 0, n: 0 });

    const queue = await json(await admin.send("/api/admin/reviews?queue=pending"));
    expect(queue.items.map((r: { id: string }) => r.id)).toContain(held.id);

    // Moderation needs the catalog permission: support staff neither read nor change it.
    expect((await support.send("/api/admin/reviews?queue=pending")).status).toBe(403);
    expect((await support.send(`/api/admin/reviews/${held.id}/approve`, "POST", {})).status).toBe(403);
    expect((await owner.send(`/api/admin/reviews/${held.id}/approve`, "POST", {})).status).toBe(403);
    expect((await admin.send("/api/admin/reviews/rev_missing/approve", "POST", {})).status).toBe(404);

    const approved = await admin.send(`/api/admin/reviews/${held.id}/approve`, "POST", {});
    expect(approved.status).toBe(200);
    expect((await json(approved)).status).toBe("published");
    expect(await rating(slug)).toEqual({ avg: 200, n: 1 });
    expect((await json(await call(`/api/products/${slug}/reviews`))).total).toBe(1);

    // Never for a low rating: that is not a reason on the list.
    const lowRating = await admin.send(`/api/admin/reviews/${held.id}/reject`, "POST", { reason: "low_rating" });
    expect(lowRating.status).toBe(400);
    expect((await json(lowRating)).errors[0].path).toBe("reason");
    const rejected = await admin.send(`/api/admin/reviews/${held.id}/reject`, "POST", { reason: "personal_information", note: "Phone number in text" });
    expect(rejected.status).toBe(200);
    expect(await json(rejected)).toMatchObject({ status: "rejected", rejectReason: "personal_information: Phone number in text" });
    expect(await rating(slug)).toEqual({ avg: 0, n: 0 });

    // Editing a rejected review sends it back to the queue.
    const edited = await owner.send(`/api/reviews/${held.id}`, "PATCH", { body: "Without the phone number this time, still a fair product." });
    expect((await json(edited)).status).toBe("pending");
    expect((await audits(held.id)).results.map((a) => a.action)).toEqual(["review.approve", "review.reject"]);
    expect((await setModeration("auto")).status).toBe(200);
  });

  it("publishes a public store reply and handles reports", async () => {
    const slug = await reviewableProduct("MOD-REPLY");
    const owner = await buyer(admin, "MOD-REPLY");
    const review = await json(await owner.send(`/api/products/${slug}/reviews`, "POST", goodReview(3)));
    expect((await admin.send(`/api/admin/reviews/${review.id}/reply`, "PUT", { body: "" })).status).toBe(400);
    const replied = await admin.send(`/api/admin/reviews/${review.id}/reply`, "PUT", { body: "Thanks, we have passed this on." });
    expect(replied.status).toBe(200);
    const listed = await json(await call(`/api/products/${slug}/reviews`));
    expect(listed.items[0].reply).toMatchObject({ body: "Thanks, we have passed this on." });

    const reporter = await signedIn("customer");
    expect((await reporter.send(`/api/reviews/${review.id}/reports`, "POST", { reason: "off_topic" })).status).toBe(201);
    const dismissed = await admin.send(`/api/admin/reviews/${review.id}/reports/dismiss`, "POST", {});
    expect((await json(dismissed)).openReports).toBe(0);
    const reported = await json(await admin.send("/api/admin/reviews?queue=reported"));
    expect(reported.items.map((r: { id: string }) => r.id)).not.toContain(review.id);

    expect((await admin.send(`/api/admin/reviews/${review.id}/reply`, "DELETE")).status).toBe(204);
    expect((await admin.send(`/api/admin/reviews/${review.id}/reply`, "DELETE")).status).toBe(404);
    expect((await audits(review.id)).results.map((a) => a.action)).toEqual(["review.reply", "review.reports_dismiss", "review.reply_delete"]);
  });

  it("keeps the listing's rating sort and rating facet in step with published reviews", async () => {
    const [high, low] = (await productsInCategory("c-mod-sort", ["MOD-SORT-A", "MOD-SORT-B"])) as [string, string];
    const a = await buyer(admin, "MOD-SORT-A");
    const b = await buyer(admin, "MOD-SORT-B");
    expect((await a.send(`/api/products/${high}/reviews`, "POST", goodReview(2))).status).toBe(201);
    expect((await b.send(`/api/products/${low}/reviews`, "POST", goodReview(5))).status).toBe(201);
    const listing = await json(await call("/api/products?category=c-mod-sort&sort=rating"));
    expect(listing.items[0]).toMatchObject({ slug: low, rating: { average: 5, count: 1 } });
    const facet = await json(await call("/api/products?category=c-mod-sort&rating=4"));
    expect(facet.items.map((p: { slug: string }) => p.slug)).toEqual([low]);
  });
});
