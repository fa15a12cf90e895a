import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { call, json } from "../support/http";
import { buy, client, signedIn } from "../support/orders";
import { buyer, deliver, goodReview, reviewableProduct, type Staff } from "../support/reviews";

// Every test signs in several shoppers (a real scrypt hash each) on a shared 2-core machine.
vi.setConfig({ testTimeout: 120_000 });

let admin: Staff;
beforeAll(async () => {
  admin = await signedIn("admin");
});

const productRating = (slug: string) =>
  env.DB.prepare("SELECT rating_avg_x100 AS avg, rating_count AS n, rating_dist AS dist FROM products WHERE slug = ?")
    .bind(slug)
    .first<{ avg: number; n: number; dist: string }>();

describe("eligibility matrix: POST /api/products/{slug}/reviews", () => {
  it("allows only a customer with a delivered order line of the product, once", async () => {
    const slug = await reviewableProduct("REV-ELIG");
    const other = await reviewableProduct("REV-OTHER");

    // No order at all.
    const noOrder = await signedIn("customer");
    const a = await noOrder.send(`/api/products/${slug}/reviews`, "POST", goodReview());
    expect(a.status).toBe(403);
    expect((await json(a)).code).toBe("reviews.not_eligible");

    // Paid but not delivered (and shipped but not delivered).
    const waiting = await buyer(admin, "REV-ELIG", false);
    const b = await waiting.send(`/api/products/${slug}/reviews`, "POST", goodReview());
    expect(b.status).toBe(403);
    expect((await admin.send(`/api/admin/orders/${waiting.orderId}/shipments`, "POST", { carrier: "UPS", trackingNumber: "1ZSHIPPED1" })).status).toBe(200);
    expect((await waiting.send(`/api/products/${slug}/reviews`, "POST", goodReview())).status).toBe(403);

    // Another customer's delivered order does not make this one eligible; a delivered order of ANOTHER product neither.
    const owner = await buyer(admin, "REV-ELIG");
    const stranger = await buyer(admin, "REV-OTHER");
    const c = await stranger.send(`/api/products/${slug}/reviews`, "POST", goodReview());
    expect(c.status).toBe(403);

    // A guest (not signed in).
    expect((await client().send(`/api/products/${slug}/reviews`, "POST", goodReview())).status).toBe(401);

    // Delivered → allowed, published at once (auto moderation), shown with the verified badge.
    const d = await owner.send(`/api/products/${slug}/reviews`, "POST", goodReview(4));
    expect(d.status).toBe(201);
    const review = await json(d);
    expect(review).toMatchObject({
      status: "published",
      rating: 4,
      verifiedBuyer: true,
      authorName: expect.stringMatching(/^User \d+$|^User \S\.$|^\S+ \S\.$/),
    });

    // Already reviewed → 409 (edit instead).
    const e = await owner.send(`/api/products/${slug}/reviews`, "POST", goodReview(1));
    expect(e.status).toBe(409);
    expect((await json(e)).code).toBe("reviews.already_reviewed");

    // The other product's buyer may review THAT product.
    expect((await stranger.send(`/api/products/${other}/reviews`, "POST", goodReview())).status).toBe(201);
    expect(await productRating(slug)).toEqual({ avg: 400, n: 1, dist: "[0,0,0,1,0]" });
  });

  it("answers 400 naming each invalid field, 404 for an unknown product", async () => {
    const shopper = await signedIn("customer");
    const bad = await shopper.send("/api/products/anything/reviews", "POST", {
      rating: 6,
      title: "",
      body: "short",
      extra: 1,
      photos: ["https://evil.example/x.png"],
    });
    expect(bad.status).toBe(400);
    const paths = (await json(bad)).errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(expect.arrayContaining(["rating", "title", "body", "photos.0"]));
    expect((await shopper.send("/api/products/no-such-product/reviews", "POST", goodReview())).status).toBe(404);
  });

  it("a race of duplicate posts writes one review", async () => {
    const slug = await reviewableProduct("REV-RACE");
    const owner = await buyer(admin, "REV-RACE");
    const answers = await Promise.all([1, 2, 3, 4].map(() => owner.send(`/api/products/${slug}/reviews`, "POST", goodReview())));
    expect(answers.map((r) => r.status).sort()).toEqual([201, 409, 409, 409]);
    expect((await productRating(slug))?.n).toBe(1);
  });
});

describe("GET /api/products/{slug}/reviews", () => {
  it("lists published reviews with the summary, sorts, filters by stars and pages", async () => {
    const slug = await reviewableProduct("REV-LIST");
    const ratings = [5, 3, 5, 1];
    const authors = [];
    for (const rating of ratings) {
      const who = await buyer(admin, "REV-LIST");
      expect((await who.send(`/api/products/${slug}/reviews`, "POST", goodReview(rating))).status).toBe(201);
      authors.push(who);
    }
    const all = await json(await call(`/api/products/${slug}/reviews`));
    expect(all.summary).toEqual({ average: 3.5, count: 4, distribution: { 1: 1, 2: 0, 3: 1, 4: 0, 5: 2 } });
    expect(all.total).toBe(4);
    expect(all.items.map((r: { rating: number }) => r.rating)).toEqual([1, 5, 3, 5]);
    const five = await json(await call(`/api/products/${slug}/reviews?rating=5`));
    expect(five.total).toBe(2);
    expect(five.items.every((r: { rating: number }) => r.rating === 5)).toBe(true);
    const low = await json(await call(`/api/products/${slug}/reviews?sort=rating_asc&perPage=2&page=2`));
    expect(low.items.map((r: { rating: number }) => r.rating)).toEqual([5, 5]);
    // Most helpful: the 3-star review gets two votes.
    const threeStar = all.items.find((r: { rating: number }) => r.rating === 3);
    for (const voter of [authors[0], authors[3]]) expect((await voter?.send(`/api/reviews/${threeStar.id}/votes`, "POST"))?.status).toBe(200);
    const helpful = await json(await call(`/api/products/${slug}/reviews?sort=helpful`));
    expect(helpful.items[0]).toMatchObject({ id: threeStar.id, helpfulCount: 2 });
    expect((await call(`/api/products/${slug}/reviews?sort=loudest`)).status).toBe(400);
    expect((await call("/api/products/no-such-product/reviews")).status).toBe(404);
  });

  it("keeps text as plain text (the page escapes it)", async () => {
    const slug = await reviewableProduct("REV-XSS");
    const who = await buyer(admin, "REV-XSS");
    const body = { rating: 5, title: "<script>alert(1)</script>", body: "<img src=x onerror=alert(1)> works well enough" };
    expect((await who.send(`/api/products/${slug}/reviews`, "POST", body)).status).toBe(201);
    const listed = await json(await call(`/api/products/${slug}/reviews`));
    expect(listed.items[0].title).toBe(body.title);
  });
});

describe("PATCH and DELETE /api/reviews/{id}", () => {
  it("lets the author edit and delete; others get 404; the summary follows", async () => {
    const slug = await reviewableProduct("REV-EDIT");
    const owner = await buyer(admin, "REV-EDIT");
    const created = await json(await owner.send(`/api/products/${slug}/reviews`, "POST", goodReview(2)));
    const other = await signedIn("customer");
    expect((await other.send(`/api/reviews/${created.id}`, "PATCH", { rating: 1 })).status).toBe(404);
    expect((await other.send(`/api/reviews/${created.id}`, "DELETE")).status).toBe(404);
    expect((await client().send(`/api/reviews/${created.id}`, "PATCH", { rating: 1 })).status).toBe(401);
    expect((await owner.send(`/api/reviews/${created.id}`, "PATCH", { rating: 9 })).status).toBe(400);
    const edited = await owner.send(`/api/reviews/${created.id}`, "PATCH", { rating: 5, title: "Better than I thought" });
    expect(edited.status).toBe(200);
    expect(await json(edited)).toMatchObject({ rating: 5, title: "Better than I thought", status: "published" });
    expect((await productRating(slug))?.avg).toBe(500);
    expect((await owner.send(`/api/reviews/${created.id}`, "DELETE")).status).toBe(204);
    expect(await productRating(slug)).toEqual({ avg: 0, n: 0, dist: "[0,0,0,0,0]" });
    expect((await owner.send(`/api/reviews/${created.id}`, "DELETE")).status).toBe(404);
  });
});

describe("POST /api/reviews/{id}/votes and /reports", () => {
  it("counts one helpful vote per shopper, even when concurrent and repeated", async () => {
    const slug = await reviewableProduct("REV-VOTE");
    const owner = await buyer(admin, "REV-VOTE");
    const review = await json(await owner.send(`/api/products/${slug}/reviews`, "POST", goodReview()));
    expect((await owner.send(`/api/reviews/${review.id}/votes`, "POST")).status).toBe(403);
    expect((await client().send(`/api/reviews/${review.id}/votes`, "POST")).status).toBe(401);
    const voters = await Promise.all([1, 2, 3, 4, 5].map(() => signedIn("customer")));
    const answers = await Promise.all(
      voters.flatMap((v) => [v.send(`/api/reviews/${review.id}/votes`, "POST"), v.send(`/api/reviews/${review.id}/votes`, "POST")]),
    );
    expect(answers.every((r) => r.status === 200)).toBe(true);
    const listed = await json(await call(`/api/products/${slug}/reviews`));
    expect(listed.items[0].helpfulCount).toBe(5);
    expect((await voters[0]?.send("/api/reviews/rev_nope/votes", "POST"))?.status).toBe(404);
  });

  it("records one open report per shopper and puts the review in the reported queue", async () => {
    const slug = await reviewableProduct("REV-REPORT");
    const owner = await buyer(admin, "REV-REPORT");
    const review = await json(await owner.send(`/api/products/${slug}/reviews`, "POST", goodReview()));
    const reporter = await signedIn("customer");
    expect((await reporter.send(`/api/reviews/${review.id}/reports`, "POST", { reason: "because" })).status).toBe(400);
    expect((await reporter.send(`/api/reviews/${review.id}/reports`, "POST", { reason: "spam", note: "Copied text" })).status).toBe(201);
    expect((await reporter.send(`/api/reviews/${review.id}/reports`, "POST", { reason: "spam" })).status).toBe(201);
    const queue = await json(await admin.send("/api/admin/reviews?queue=reported"));
    const item = queue.items.find((r: { id: string }) => r.id === review.id);
    expect(item.openReports).toBe(1);
    expect(item.reports).toEqual([expect.objectContaining({ reason: "spam", note: "Copied text" })]);
  });

  it("rate-limits votes per shopper with 429 and Retry-After", async () => {
    const slug = await reviewableProduct("REV-LIMIT");
    const owner = await buyer(admin, "REV-LIMIT");
    const review = await json(await owner.send(`/api/products/${slug}/reviews`, "POST", goodReview()));
    const voter = await signedIn("customer");
    const statuses: number[] = [];
    for (let i = 0; i < 61; i++) statuses.push((await voter.send(`/api/reviews/${review.id}/votes`, "POST")).status);
    expect(statuses.slice(0, 60).every((s) => s === 200)).toBe(true);
    const limited = await voter.send(`/api/reviews/${review.id}/votes`, "POST");
    expect(limited.status).toBe(429);
    expect(limited.headers.get("Retry-After")).toMatch(/^\d+$/);
  });
});

describe("order not delivered in full but its parcel was", () => {
  it("a delivered parcel carrying the line makes the buyer eligible", async () => {
    const slug = await reviewableProduct("REV-PARCEL");
    const shopper = await signedIn("customer");
    const order = await buy([{ sku: "REV-PARCEL", quantity: 1 }], shopper);
    await deliver(admin, order.orderId);
    // A partial refund after delivery moves the order on; the delivered parcel still counts.
    expect((await admin.send(`/api/admin/orders/${order.orderId}/refunds`, "POST", { amount: 100, reason: "scratched" })).status).toBe(200);
    expect((await shopper.send(`/api/products/${slug}/reviews`, "POST", goodReview())).status).toBe(201);
  });
});

describe("POST /api/reviews/photos", () => {
  const seg = (marker: number, payload: number[]) => [0xff, marker, ((payload.length + 2) >> 8) & 0xff, (payload.length + 2) & 0xff, ...payload];
  const text = (s: string) => [...new TextEncoder().encode(s)];
  // A JPEG whose APP1 carries EXIF with a GPS position and whose COM carries a comment.
  const jpegWithExif = new Uint8Array([
    0xff,
    0xd8,
    ...seg(0xe0, text("JFIF\0\x01\x01\0\0\x01\0\x01\0\0")),
    ...seg(0xe1, text("Exif\0\0GPSLatitude 51.5007 GPSLongitude -0.1246")),
    ...seg(0xfe, text("shot at home")),
    ...seg(0xdb, [0, ...Array(64).fill(1)]),
    0xff,
    0xda,
    0,
    8,
    1,
    1,
    0,
    0,
    0x3f,
    0,
    0x12,
    0x34,
    0xff,
    0xd9,
  ]);
  const upload = (
    who: { send: (p: string, m?: string, b?: unknown, h?: Record<string, string>) => Promise<Response>; cookie: () => string },
    bytes: Uint8Array<ArrayBuffer>,
    type: string,
  ) => call("/api/reviews/photos", { method: "POST", headers: { "Content-Type": type, Cookie: who.cookie(), Origin: "http://store.test" }, body: bytes });

  it("stores the picture without its metadata and answers its path", async () => {
    const shopper = await signedIn("customer");
    const res = await upload(shopper, jpegWithExif, "image/jpeg");
    expect(res.status).toBe(201);
    const photo = await json(res);
    expect(photo.url).toMatch(/^\/media\/uploads\/[0-9a-f]{64}\.jpg$/);
    const stored = await env.MEDIA.get(photo.url.replace("/media/", ""));
    const bytes = new Uint8Array(await (stored as R2ObjectBody).arrayBuffer());
    const asText = new TextDecoder("latin1").decode(bytes);
    expect(asText).not.toContain("GPSLatitude");
    expect(asText).not.toContain("shot at home");
    expect(asText).toContain("JFIF");
    expect([bytes[0], bytes[1], bytes.at(-2), bytes.at(-1)]).toEqual([0xff, 0xd8, 0xff, 0xd9]);
    expect(photo.bytes).toBe(bytes.length);
  });

  it("refuses SVG, HTML and GIF by their bytes, whatever the declared type, and callers not signed in", async () => {
    const shopper = await signedIn("customer");
    const svg = new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
    expect((await upload(shopper, svg, "image/png")).status).toBe(415);
    expect((await upload(shopper, svg, "image/svg+xml")).status).toBe(415);
    expect((await upload(shopper, new TextEncoder().encode("GIF89a......"), "image/jpeg")).status).toBe(415);
    expect((await upload(client(), jpegWithExif, "image/jpeg")).status).toBe(401);
  });

  it("a review carries at most 4 uploaded photos", async () => {
    const slug = await reviewableProduct("REV-PHOTO");
    const owner = await buyer(admin, "REV-PHOTO");
    const photo = (await json(await upload(owner, jpegWithExif, "image/jpeg"))).url as string;
    expect((await owner.send(`/api/products/${slug}/reviews`, "POST", { ...goodReview(), photos: [photo, photo, photo, photo, photo] })).status).toBe(400);
    const created = await json(await owner.send(`/api/products/${slug}/reviews`, "POST", { ...goodReview(), photos: [photo] }));
    expect(created.photos).toEqual([photo]);
  });
});
