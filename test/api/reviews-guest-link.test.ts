import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { openReviewLink, reviewLinkToken, sendReviewRequests } from "../../worker/reviews";
import { call, json, postJson } from "../support/http";
import { buy, signedIn, stockProduct } from "../support/orders";

// A guest's review-request email: once per delivered order line, through the queue, with a signed link that
// opens the review form of that line's product without an account. The eligibility matrix of the link (wrong
// product, someone else's or a forged token, expired, not delivered, an account's order, already reviewed).

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const ORIGIN = "https://shop.example";
const DAY = 86_400_000;
const deliver = (orderId: string) => env.DB.prepare("UPDATE orders SET status = 'delivered' WHERE id = ?").bind(orderId).run();
const linesOf = async (orderId: string) =>
  (
    await env.DB.prepare("SELECT ol.id, p.slug FROM order_lines ol JOIN products p ON p.id = ol.product_id WHERE ol.order_id = ? ORDER BY p.slug")
      .bind(orderId)
      .all<{ id: string; slug: string }>()
  ).results;
const outbox = async (id: string) =>
  (
    await env.DB.prepare("SELECT to_address, template, subject, text FROM email_outbox WHERE id = ?")
      .bind(id)
      .all<{ to_address: string; template: string; subject: string; text: string }>()
  ).results;
const open = (token: string) => call(`/api/review-link?token=${encodeURIComponent(token)}`);
const save = (token: string, body: Record<string, unknown>) => postJson(`/api/review-link?token=${encodeURIComponent(token)}`, body, {}, "PUT");
const good = { name: "Grace Hopper", rating: 4, title: "Solid kettle", body: "Boils fast and pours without dripping." };
/** The token of the review link in an email's text. */
const tokenIn = (text: string) => {
  const url = /https:\/\/shop\.example\/reviews\/write\?token=([^\s)>\]]+)/.exec(text)?.[1];
  if (!url) throw new Error(`no review link in: ${text}`);
  return decodeURIComponent(url);
};

let guestOrder: { orderId: string; token: string };
let kettleLine: string;
let toasterLine: string;
let kettleToken: string;
let toasterToken: string;

beforeAll(async () => {
  await stockProduct("GRL-KETTLE", 50, 3000);
  await stockProduct("GRL-TOASTER", 50, 4000);
  await stockProduct("GRL-SPARE", 50, 1000);
  guestOrder = await buy([
    { sku: "GRL-KETTLE", quantity: 1 },
    { sku: "GRL-TOASTER", quantity: 1 },
  ]);
  await deliver(guestOrder.orderId);
  const lines = await linesOf(guestOrder.orderId);
  kettleLine = lines.find((l) => l.slug === "grl-kettle")?.id as string;
  toasterLine = lines.find((l) => l.slug === "grl-toaster")?.id as string;
});

describe("review-request emails to guests", () => {
  it("go once per delivered line of a guest order, through the queue, each with its own signed link", async () => {
    const now = Date.now();
    const [first, second] = [await sendReviewRequests(env, ORIGIN, now), await sendReviewRequests(env, ORIGIN, now)];
    expect(first.requested).toBeGreaterThanOrEqual(2);
    expect(second.requested).toBe(0);
    for (const line of [kettleLine, toasterLine])
      await expect.poll(async () => (await outbox(`review-request:${line}`)).length, { timeout: 15_000, interval: 250 }).toBe(1);
    const [kettleMail] = await outbox(`review-request:${kettleLine}`);
    const [toasterMail] = await outbox(`review-request:${toasterLine}`);
    expect(kettleMail).toMatchObject({ to_address: "buyer@example.test", template: "review_request" });
    expect(kettleMail?.text).toContain("no account is needed");
    kettleToken = tokenIn(kettleMail?.text ?? "");
    toasterToken = tokenIn(toasterMail?.text ?? "");
    expect(kettleToken).not.toBe(toasterToken);
    // Recorded under the guest order's reviewer id (what its reviews carry), so the reminder can see a review.
    const recorded = await env.DB.prepare("SELECT user_id FROM review_requests WHERE order_line_id = ?").bind(kettleLine).first<{ user_id: string }>();
    expect(recorded?.user_id).toBe(`guest:${guestOrder.orderId}`);
  });

  it("open the form of that line's product; the review is a verified purchase, editable through the same link", async () => {
    const opened = await open(kettleToken);
    expect(opened.status).toBe(200);
    expect(opened.headers.get("cache-control")).toBe("private, no-store");
    expect(await json(opened)).toMatchObject({ product: { slug: "grl-kettle" }, review: null });

    const written = await save(kettleToken, good);
    expect(written.status).toBe(201);
    const review = await json(written);
    expect(review).toMatchObject({ authorName: "Grace H.", rating: 4, verifiedBuyer: true, status: "published" });
    const listed = await json(await call("/api/products/grl-kettle/reviews"));
    expect(listed.items.map((r: { id: string }) => r.id)).toEqual([review.id]);
    expect(listed.summary).toMatchObject({ count: 1, average: 4 });

    // Opened again: the same review, to edit; saving changes it in place (one review per product per email).
    expect((await json(await open(kettleToken))).review).toMatchObject({ id: review.id, title: "Solid kettle" });
    const edited = await save(kettleToken, { ...good, rating: 2, title: "Lid broke" });
    expect(edited.status).toBe(200);
    expect(await json(edited)).toMatchObject({ id: review.id, rating: 2, title: "Lid broke", status: "published" });
    const after = await json(await call("/api/products/grl-kettle/reviews"));
    expect(after.items).toHaveLength(1);
    expect(after.summary).toMatchObject({ count: 1, average: 2 });
  });

  it("send the reminder to a guest who has not reviewed, and none to one who has", async () => {
    const now = Date.now();
    const reminded = await sendReviewRequests(env, ORIGIN, now + 8 * DAY);
    expect(reminded.reminded).toBeGreaterThanOrEqual(1);
    await expect.poll(async () => (await outbox(`review-reminder:${toasterLine}`)).length, { timeout: 15_000, interval: 250 }).toBe(1);
    // The kettle was reviewed through its link: no reminder for it.
    expect(await outbox(`review-reminder:${kettleLine}`)).toEqual([]);
    // The reminder carries a working link to the same line.
    const [mail] = await outbox(`review-reminder:${toasterLine}`);
    expect((await json(await open(tokenIn(mail?.text ?? "")))).product.slug).toBe("grl-toaster");
  });
});

describe("what a review link cannot do", () => {
  it("reviews only its own line's product: the body names no product, and a token edited to another line is refused", async () => {
    const withProduct = await save(toasterToken, { ...good, productSlug: "grl-spare" });
    expect(withProduct.status).toBe(400);
    const [, expires, signature] = toasterToken.split(".");
    const moved = `${kettleLine}.${expires}.${signature}`;
    const res = await save(moved, good);
    expect(res.status).toBe(404);
    expect((await json(res)).code).toBe("reviews.link_not_found");
    const count = await env.DB.prepare("SELECT count(*) AS n FROM reviews WHERE user_id = ?").bind(`guest:${guestOrder.orderId}`).first<{ n: number }>();
    expect(count?.n).toBe(1);
  });

  it("refuses a forged token, an expired one, a line not delivered and an account's order", async () => {
    expect((await save(`${toasterLine}.9999999999.${"A".repeat(43)}`, good)).status).toBe(404);
    expect((await open("not-a-token")).status).toBe(404);

    const expired = await reviewLinkToken(env, toasterLine, Date.now() - 1000);
    const late = await save(expired, good);
    expect(late.status).toBe(410);
    expect((await json(late)).code).toBe("reviews.link_expired");
    // Still valid now, expired later: the expiry is the link's own.
    await expect(openReviewLink(env, toasterToken, Date.now() + 61 * DAY)).rejects.toMatchObject({ code: "reviews.link_expired" });

    const waiting = await buy([{ sku: "GRL-SPARE", quantity: 1 }]);
    const [waitingLine] = await linesOf(waiting.orderId);
    const notYet = await save(await reviewLinkToken(env, waitingLine?.id as string, Date.now() + DAY), good);
    expect(notYet.status).toBe(403);
    expect((await json(notYet)).code).toBe("reviews.not_eligible");

    const customer = await signedIn("customer");
    const own = await buy([{ sku: "GRL-SPARE", quantity: 1 }], customer);
    await deliver(own.orderId);
    const [ownLine] = await linesOf(own.orderId);
    const account = await save(await reviewLinkToken(env, ownLine?.id as string, Date.now() + DAY), good);
    expect(account.status).toBe(403);
    expect((await json(account)).code).toBe("reviews.sign_in");
    const none = await env.DB.prepare("SELECT count(*) AS n FROM reviews r JOIN products p ON p.id = r.product_id WHERE p.slug = 'grl-spare'").first<{
      n: number;
    }>();
    expect(none?.n).toBe(0);
  });

  it("someone else's link writes only their own order's review, never this order's", async () => {
    const other = await buy([{ sku: "GRL-TOASTER", quantity: 1 }]);
    await deliver(other.orderId);
    const [otherLine] = await linesOf(other.orderId);
    const res = await save(await reviewLinkToken(env, otherLine?.id as string, Date.now() + DAY), { ...good, title: "Other buyer" });
    expect(res.status).toBe(201);
    const rows = await env.DB.prepare("SELECT user_id, title FROM reviews r JOIN products p ON p.id = r.product_id WHERE p.slug = 'grl-toaster'").all<{
      user_id: string;
      title: string;
    }>();
    expect(rows.results).toEqual([{ user_id: `guest:${other.orderId}`, title: "Other buyer" }]);
  });

  it("opens a review written on the order page for editing instead of writing a second one", async () => {
    const order = await buy([{ sku: "GRL-SPARE", quantity: 1 }]);
    await deliver(order.orderId);
    const first = await postJson(`/api/orders/${order.orderId}/reviews?token=${encodeURIComponent(order.token)}`, { ...good, productSlug: "grl-spare" });
    expect(first.status).toBe(201);
    const [line] = await linesOf(order.orderId);
    const token = await reviewLinkToken(env, line?.id as string, Date.now() + DAY);
    expect((await json(await open(token))).review).toMatchObject({ id: (await json(first)).id });
    const edited = await save(token, { ...good, title: "Edited by link" });
    expect(edited.status).toBe(200);
    const count = await env.DB.prepare("SELECT count(*) AS n FROM reviews WHERE user_id = ?").bind(`guest:${order.orderId}`).first<{ n: number }>();
    expect(count?.n).toBe(1);
  });

  it("two first posts at once leave one review", async () => {
    const order = await buy([{ sku: "GRL-KETTLE", quantity: 1 }]);
    await deliver(order.orderId);
    const [line] = await linesOf(order.orderId);
    const token = await reviewLinkToken(env, line?.id as string, Date.now() + DAY);
    const answers = await Promise.all([save(token, good), save(token, { ...good, title: "At once" })]);
    expect(answers.map((r) => r.status).sort()).toEqual([200, 201]);
    const count = await env.DB.prepare("SELECT count(*) AS n FROM reviews WHERE user_id = ?").bind(`guest:${order.orderId}`).first<{ n: number }>();
    expect(count?.n).toBe(1);
  });
});
