import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, screenshot, VIEWPORTS } from "./browser";
import { solidPng } from "./fake-image-host";
import { signInByApi, signInOnPage } from "./staff-sign-in";
import { cookieHeader, signUpByApi } from "./sign-up";
import { startStore } from "./store";

// Its own store (held moderation, an admin), on a port inside this file's range after the shared store's.
const STORE_PORT = Number(process.env.E2E_REVIEWS_PORT ?? Number(process.env.E2E_PORT ?? 8790) + 20);
const ADMIN = { email: "reviews-admin@example.test", password: "reviews admin e2e password 31" };
const BUYER = { email: "reviews-buyer@example.test", password: "reviews buyer e2e password 47", name: "Grace Hopper" };
const PHOTO = solidPng(240, [74, 128, 96]);

let store: Awaited<ReturnType<typeof startStore>>;
let browser: Browser;

beforeAll(async () => {
  store = await startStore({ port: STORE_PORT, products: 40, admin: ADMIN });
  browser = await launchBrowser();
}, 600_000);
afterAll(async () => {
  await browser?.close();
  store?.stop();
});

/** A JSON API call from the test (not the browser), keeping cookies or a bearer token. */
function apiClient(auth: { cookie?: string; token?: string } = {}) {
  let cookie = auth.cookie ?? "";
  return async (path: string, method = "GET", body?: unknown) => {
    const res = await fetch(`${store.baseUrl}${path}`, {
      method,
      headers: {
        "Content-Type": "application/json",
        Origin: store.baseUrl,
        ...(cookie ? { Cookie: cookie } : {}),
        ...(auth.token ? { Authorization: `Bearer ${auth.token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const set = res.headers.getSetCookie().map((c) => c.split(";")[0]);
    if (set.length) cookie = [cookie, ...set].filter(Boolean).join("; ");
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
}

async function signIn(page: Page, who: { email: string; password: string }, returnTo: string) {
  await page.goto(`/account/login?returnTo=${encodeURIComponent(returnTo)}`);
  await signInOnPage(page, who);
  await page.waitForURL((url) => url.pathname === returnTo.split("?")[0]);
}

describe("reviews in a real browser", () => {
  it("a buyer with a delivered order reviews with a photo, an admin approves, the rating and the listing sort change", async () => {
    const adminLogin = await signInByApi(store.baseUrl, ADMIN);
    const admin = apiClient({ token: ((await adminLogin.json()) as { accessToken: string }).accessToken });
    expect((await admin("/api/admin/settings/reviews", "PUT", { moderation: "hold", reminderDays: 7 })).status).toBe(200);

    // The lowest-rated product in stock of a category: reviewing it with five stars must move it up.
    const category = (await apiClient()("/api/categories")).body.items[0].slug as string;
    const before = (await apiClient()(`/api/products?category=${category}&inStock=true&sort=rating&perPage=100`)).body.items as { slug: string }[];
    expect(before.length).toBeGreaterThan(1);
    const slug = before[before.length - 1]?.slug as string;
    const product = (await apiClient()(`/api/products/${slug}`)).body;
    const sku = product.variants.find((v: { stockStatus: string }) => v.stockStatus !== "out_of_stock").sku as string;

    // The buyer registers, buys it, pays, and the store ships and delivers it.
    const signedUp = await signUpByApi(store, BUYER);
    expect(signedUp.status).toBe(201);
    const buyer = apiClient({ cookie: cookieHeader(signedUp) });
    expect((await buyer("/api/cart/items", "POST", { sku, quantity: 1 })).status).toBe(200);
    const address = { fullName: BUYER.name, line1: "1 Market St", city: "San Francisco", region: "CA", postalCode: "94105", country: "US" };
    const placed = await buyer("/api/checkout", "POST", { email: BUYER.email, shippingAddress: address, shippingOption: "standard" });
    expect(placed.status).toBe(201);
    const paymentId = (placed.body.payment.redirectUrl as string).split("/").pop();
    expect((await buyer(`/api/checkout/test-payments/${paymentId}`, "POST", { outcome: "succeeded" })).status).toBe(200);
    const orderId = placed.body.orderId as string;

    const context = await browser.newContext({ viewport: VIEWPORTS.desktop, baseURL: store.baseUrl });
    const page = await context.newPage();
    // Not delivered yet: the form is not offered.
    await signIn(page, BUYER, `/p/${slug}/reviews`);
    await expect.poll(() => page.locator("main").innerText()).toContain("Once your order arrives");

    expect((await admin(`/api/admin/orders/${orderId}/shipments`, "POST", { carrier: "UPS", trackingNumber: "1ZREVIEWE2E1" })).status).toBe(200);
    expect((await admin(`/api/admin/orders/${orderId}/delivered`, "POST", {})).status).toBe(200);

    await page.reload();
    await page.getByLabel("5 stars").check();
    await page.getByLabel("Title").fill("Exactly as pictured <b>bold?</b>");
    await page.getByLabel("Your review").fill("Sturdy, well finished and it arrived two days early. Would buy again.");
    await page.setInputFiles("#field-photos", { name: "in-use.png", mimeType: "image/png", buffer: PHOTO });
    await page.getByRole("button", { name: "Submit review" }).click();
    await page.waitForURL(/\/reviews\?done=saved$/);
    expect(await page.getByRole("status").innerText()).toContain("waiting for the store's approval");
    await screenshot(page, "reviews-write");

    // Held: not on the product page yet.
    const productPage = await context.newPage();
    await productPage.goto(`/p/${slug}`);
    expect(await productPage.locator("#reviews").innerText()).not.toContain("Exactly as pictured");

    // The admin approves it in /admin/reviews.
    const adminContext = await browser.newContext({ viewport: VIEWPORTS.desktop, baseURL: store.baseUrl });
    const adminPage = await adminContext.newPage();
    await signIn(adminPage, ADMIN, "/admin/reviews");
    const card = adminPage.locator("article", { hasText: "Exactly as pictured" });
    await expect.poll(() => card.count()).toBe(1);
    expect(await card.getByRole("img").count()).toBe(1);
    await screenshot(adminPage, "reviews-admin");
    await card.getByRole("button", { name: /^Approve/ }).click();
    await adminPage.waitForURL(/done=approve/);
    expect(await adminPage.getByRole("status").first().innerText()).toContain("Review published.");

    // The product page shows it (text escaped, verified badge, photo) and the new rating, to a new visitor
    // (the buyer's browser may keep its copy of the page for its 30-second max-age).
    const visitorContext = await browser.newContext({ viewport: VIEWPORTS.desktop, baseURL: store.baseUrl });
    const visitor = await visitorContext.newPage();
    await visitor.goto(`/p/${slug}#reviews`);
    const reviews = visitor.locator("#reviews");
    await expect.poll(() => reviews.innerText()).toContain("Exactly as pictured <b>bold?</b>");
    expect(await reviews.locator("b").count()).toBe(0);
    expect(await reviews.innerText()).toContain("Verified buyer");
    const photo = reviews.getByRole("img", { name: /Photo 1 from Grace H\.'s review/ });
    expect(await photo.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
    expect(await visitor.locator(".product-rating").innerText()).toContain("5.0 · 1 review");
    await screenshot(visitor, "reviews-product");
    await visitor.setViewportSize(VIEWPORTS.phone);
    await visitor.reload();
    await screenshot(visitor, "reviews-product");
    await visitorContext.close();

    // The listing sorted by rating now ranks it higher than before.
    const after = (await apiClient()(`/api/products?category=${category}&inStock=true&sort=rating&perPage=100`)).body.items as { slug: string }[];
    expect(after.findIndex((p) => p.slug === slug)).toBeLessThan(before.length - 1);

    // A shopper who did not buy it cannot review it; voting "helpful" without JavaScript works.
    await context.close();
    const voterContext = await browser.newContext({ viewport: VIEWPORTS.phone, baseURL: store.baseUrl, javaScriptEnabled: false });
    const voter = await voterContext.newPage();
    const stranger = { email: "reviews-voter@example.test", password: "reviews voter e2e password 59", name: "Alan Turing" };
    expect((await signUpByApi(store, stranger)).status).toBe(201);
    await signIn(voter, stranger, `/p/${slug}`);
    await voter
      .getByRole("button", { name: /^Helpful/ })
      .first()
      .click();
    await voter.waitForURL(/review=voted/);
    expect(await voter.locator("#reviews").innerText()).toContain("Thanks, your vote is counted.");
    expect(
      await voter
        .getByRole("button", { name: /^Helpful/ })
        .first()
        .innerText(),
    ).toContain("1");
    await voter.goto(`/p/${slug}/reviews`);
    expect(await voter.locator("main").innerText()).toContain("Once your order arrives");
    await voterContext.close();
    await adminContext.close();
  }, 300_000);
});
