import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, screenshot, VIEWPORTS } from "./browser";
import { linkIn, waitForEmail } from "./outbox";
import { signInByApi } from "./staff-sign-in";
import { type RunningStore, startStore } from "./store";

// A guest's order is delivered; the quarter-hourly cron emails the review request; its link opens the review form
// of that product without an account; the review is published as a verified purchase and can be edited through
// the same link. Forms only (JavaScript off), as a guest on a phone.

const PORT = Number(process.env.E2E_PORT ?? 8790) + 16;
const ADMIN = { email: "guest-link-admin@example.test", password: "guest link admin password 8" };
const GUEST = "gwen-guest@example.test";
let store: RunningStore;
let browser: Browser;
let adminCookie = "";

beforeAll(async () => {
  [browser, store] = await Promise.all([
    launchBrowser(),
    startStore({ port: PORT, admin: ADMIN, products: 10, vars: { PUBLIC_ORIGIN: `http://127.0.0.1:${PORT}` } }),
  ]);
  const login = await signInByApi(store.baseUrl, ADMIN);
  expect(login.status).toBe(200);
  adminCookie = login.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
}, 300_000);
afterAll(async () => {
  await browser?.close();
  store?.stop();
});

async function api(path: string, method = "GET", body?: unknown, cookie = "") {
  const res = await fetch(`${store.baseUrl}${path}`, {
    method,
    headers: { "Content-Type": "application/json", Origin: store.baseUrl, ...(cookie ? { Cookie: cookie } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, cookies: res.headers.getSetCookie().map((c) => c.split(";")[0]) };
}

async function shootBoth(page: Page, name: string) {
  for (const viewport of [VIEWPORTS.desktop, VIEWPORTS.phone]) {
    await page.setViewportSize(viewport);
    await screenshot(page, name);
    const sideways = await page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);
    expect(sideways, `${name} scrolls sideways at ${viewport.width}px`).toBe(false);
  }
}

describe("a guest reviews from the review-request email", () => {
  it("the emailed link opens the product's form without signing in; the review is published and editable by the same link", async () => {
    const list = (await api("/api/products?perPage=10")).body.items as { slug: string; name: string; inStock: boolean }[];
    const product = list.find((p) => p.inStock);
    if (!product) throw new Error("no product in stock");
    const detail = (await api(`/api/products/${product.slug}`)).body as { variants: { sku: string }[] };

    // A guest buys it; staff ship and deliver; the cron sends the request.
    const cart = await api("/api/cart/items", "POST", { sku: detail.variants[0]?.sku, quantity: 1 });
    expect(cart.status).toBe(200);
    const address = { fullName: "Gwen Guest", line1: "1 Market St", city: "San Francisco", region: "CA", postalCode: "94105", country: "US" };
    const placed = await api("/api/checkout", "POST", { email: GUEST, shippingAddress: address, shippingOption: "standard" }, cart.cookies.join("; "));
    expect(placed.status, JSON.stringify(placed.body)).toBe(201);
    const paymentId = (placed.body.payment.redirectUrl as string).split("/").pop();
    expect((await api(`/api/checkout/test-payments/${paymentId}`, "POST", { outcome: "succeeded" })).status).toBe(200);
    const orderId = placed.body.orderId as string;
    expect((await api(`/api/admin/orders/${orderId}/shipments`, "POST", { carrier: "UPS", trackingNumber: "1ZGUESTLINK01" }, adminCookie)).status).toBe(200);
    expect((await api(`/api/admin/orders/${orderId}/delivered`, "POST", {}, adminCookie)).status).toBe(200);
    const cron = await fetch(`${store.triggersUrl}/cdn-cgi/local/scheduled?cron=${encodeURIComponent("*/15 * * * *")}&time=${Date.now()}`);
    expect(cron.status, await cron.clone().text()).toBe(200);
    const mail = await waitForEmail(store.persist, GUEST, "review_request");
    expect(mail.subject).toBe(`How is your ${product.name}?`);
    const link = linkIn(mail.text, "/reviews/write?token=");

    // A browser that never signed in, with JavaScript off: the link is the whole proof of purchase.
    const context = await browser.newContext({ viewport: VIEWPORTS.phone, baseURL: store.baseUrl, javaScriptEnabled: false });
    const guest = await context.newPage();
    await guest.goto(link);
    expect(await guest.getByRole("heading", { level: 1 }).innerText()).toBe(`Review ${product.name}`);
    await guest.getByRole("button", { name: "Publish review" }).click();
    expect(await guest.getByRole("alert").first().innerText()).toContain("Rating");
    await guest.getByLabel("Name to show").fill("Gwen Guest");
    await guest.getByLabel("5 stars").check();
    await guest.getByLabel("Title").fill("Sturdy and handsome");
    await guest.getByLabel("Your review").fill("Arrived well packed, and it looks even better on the shelf than in the pictures.");
    await shootBoth(guest, "reviews-guest-link-form");
    await guest.getByRole("button", { name: "Publish review" }).click();
    await guest.waitForURL(/saved=published/);
    expect(await guest.getByRole("status").first().innerText()).toContain("your review is published");

    // Published on the product page, as a verified purchase.
    await guest.getByRole("link", { name: `See ${product.name}` }).click();
    const reviews = guest.locator("#reviews");
    await expect.poll(() => reviews.innerText()).toContain("Sturdy and handsome");
    expect(await reviews.innerText()).toContain("Gwen G.");
    expect(await reviews.innerText()).toContain("Verified buyer");

    // The same link edits it.
    await guest.goto(link);
    expect(await guest.getByRole("heading", { level: 1 }).innerText()).toBe(`Edit your review of ${product.name}`);
    expect(await guest.getByLabel("Title").inputValue()).toBe("Sturdy and handsome");
    await guest.getByLabel("4 stars").check();
    await guest.getByLabel("Title").fill("Sturdy, a little heavy");
    await guest.getByRole("button", { name: "Save changes" }).click();
    await guest.waitForURL(/saved=published/);
    await shootBoth(guest, "reviews-guest-link-saved");
    // Catalog pages may be kept by the browser for 30 s (max-age): a reload asks the store again.
    await guest.goto(`/p/${product.slug}`);
    await expect
      .poll(
        async () => {
          await guest.reload();
          return guest.locator("#reviews").innerText();
        },
        { timeout: 15_000, interval: 500 },
      )
      .toContain("Sturdy, a little heavy");
    expect(await guest.locator("#reviews").innerText()).not.toContain("Sturdy and handsome");

    // A link edited by hand (a later expiry) opens nothing.
    await guest.goto(link.replace(/\.(\d+)\./, (_m, expires: string) => `.${Number(expires) + 86_400}.`));
    expect(await guest.getByRole("heading", { level: 1 }).innerText()).toBe("This link does not open a review");
    await context.close();
  });
});
