import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, screenshot, VIEWPORTS } from "./browser";
import { signInByApi, signInOnPage } from "./staff-sign-in";
import { signUpByApi } from "./sign-up";
import { type RunningStore, startStore } from "./store";

// A guest who bought reviews from the order's emailed link (no account), and the product's seller answers in
// public from /vendor/reviews, once. Forms only (JavaScript off) for the guest and the seller.

const PORT = Number(process.env.E2E_REVIEWS_GUEST_PORT ?? Number(process.env.E2E_PORT ?? 8790) + 54);
const ADMIN = { email: "guest-reviews-admin@example.test", password: "guest reviews admin password 5" };
const SELLER = { email: "kiln-owner@example.test", password: "kiln owner passphrase 12", name: "Kira Kiln" };
let store: RunningStore;
let browser: Browser;
let adminCookie = "";

beforeAll(async () => {
  [browser, store] = await Promise.all([launchBrowser(), startStore({ port: PORT, admin: ADMIN, products: 10 })]);
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

describe("a guest's verified review and the seller's one public reply", () => {
  it("guest reviews by the order link; the seller replies once from /vendor/reviews; both show on the product page", async () => {
    // A seller: registered, applied, approved by staff.
    expect((await signUpByApi(store, SELLER)).status).toBe(201);
    const sellerLogin = await signInByApi(store.baseUrl, SELLER);
    const sellerCookie = sellerLogin.headers
      .getSetCookie()
      .map((c) => c.split(";")[0])
      .join("; ");
    const applied = await api(
      "/api/vendor-applications",
      "POST",
      {
        name: "Kiln & Co",
        handle: "kiln-and-co",
        contactEmail: SELLER.email,
        country: "US",
        description: "Stoneware mugs and bowls, thrown and fired in a small studio.",
      },
      sellerCookie,
    );
    expect(applied.status, JSON.stringify(applied.body)).toBe(201);
    const vendorId = applied.body.id as string;
    expect((await api(`/api/admin/vendors/${vendorId}/approve`, "POST", {}, adminCookie)).status).toBe(200);

    // Staff give one product to the seller in the product form.
    const products = (await api("/api/admin/products?status=active&perPage=20", "GET", undefined, adminCookie)).body.items as {
      id: string;
      slug: string;
      name: string;
      variantCount: number;
      stockAvailable: number;
    }[];
    const product = products.find((p) => p.variantCount === 1 && p.stockAvailable > 0);
    if (!product) throw new Error("no single-variant product in stock");
    const adminContext = await browser.newContext({ viewport: VIEWPORTS.desktop, baseURL: store.baseUrl, javaScriptEnabled: false });
    const admin = await adminContext.newPage();
    await admin.goto(`/account/login?returnTo=${encodeURIComponent(`/admin/products/${product.id}`)}`);
    await signInOnPage(admin, ADMIN);
    await admin.waitForURL(new RegExp(`/admin/products/${product.id}$`));
    await admin.getByLabel("Vendor id").fill(vendorId);
    await admin.getByRole("button", { name: "Save changes", exact: true }).click();
    await admin.waitForURL(/\?saved=updated$/);
    expect((await api(`/api/admin/products/${product.id}`, "GET", undefined, adminCookie)).body.vendorId).toBe(vendorId);

    // A guest buys it; staff ship and deliver.
    const detail = (await api(`/api/products/${product.slug}`)).body as { variants: { sku: string }[] };
    const cart = await api("/api/cart/items", "POST", { sku: detail.variants[0]?.sku, quantity: 1 });
    expect(cart.status).toBe(200);
    const guestCookie = cart.cookies.join("; ");
    const address = { fullName: "Grace Hopper", line1: "1 Market St", city: "San Francisco", region: "CA", postalCode: "94105", country: "US" };
    const placed = await api("/api/checkout", "POST", { email: "grace@example.test", shippingAddress: address, shippingOption: "standard" }, guestCookie);
    expect(placed.status, JSON.stringify(placed.body)).toBe(201);
    const paymentId = (placed.body.payment.redirectUrl as string).split("/").pop();
    expect((await api(`/api/checkout/test-payments/${paymentId}`, "POST", { outcome: "succeeded" })).status).toBe(200);
    const orderId = placed.body.orderId as string;
    const orderUrl = new URL(placed.body.orderUrl as string);
    expect(orderUrl.searchParams.get("token")).toBeTruthy();

    const guestContext = await browser.newContext({ viewport: VIEWPORTS.phone, baseURL: store.baseUrl, javaScriptEnabled: false });
    const guest = await guestContext.newPage();
    // Not delivered yet: nothing to review.
    await guest.goto(orderUrl.pathname + orderUrl.search);
    expect(await guest.getByRole("heading", { name: "Review what you bought" }).count()).toBe(0);

    expect((await api(`/api/admin/orders/${orderId}/shipments`, "POST", { carrier: "UPS", trackingNumber: "1ZGUESTREVIEW1" }, adminCookie)).status).toBe(200);
    expect((await api(`/api/admin/orders/${orderId}/delivered`, "POST", {}, adminCookie)).status).toBe(200);

    await guest.goto(orderUrl.pathname + orderUrl.search);
    await guest.getByRole("link", { name: `Review ${product.name}` }).click();
    await guest.waitForURL(/\/review\?product=/);
    // A missing field is named; what was typed stays.
    await guest.getByLabel("Name to show").fill("Grace Hopper");
    await guest.getByRole("button", { name: "Publish review" }).click();
    expect(await guest.getByRole("alert").first().innerText()).toContain("Rating");
    expect(await guest.getByLabel("Name to show").inputValue()).toBe("Grace Hopper");
    await guest.getByLabel("4 stars").check();
    await guest.getByLabel("Title").fill("Lovely glaze");
    await guest.getByLabel("Your review").fill("The glaze is even deeper in daylight, and it keeps tea hot for ages.");
    await shootBoth(guest, "reviews-guest-form");
    await guest.getByRole("button", { name: "Publish review" }).click();
    await guest.waitForURL(/reviewed=/);
    expect(await guest.locator("#review-these").innerText()).toContain("reviewed");

    const shopper = await browser.newPage({ viewport: VIEWPORTS.desktop });
    await shopper.goto(`${store.baseUrl}/p/${product.slug}`);
    const reviews = shopper.locator("#reviews");
    await expect.poll(() => reviews.innerText()).toContain("Lovely glaze");
    expect(await reviews.innerText()).toContain("Grace H.");
    expect(await reviews.innerText()).toContain("Verified buyer");

    // The seller answers once from /vendor/reviews.
    const sellerContext = await browser.newContext({ viewport: VIEWPORTS.desktop, baseURL: store.baseUrl, javaScriptEnabled: false });
    const seller = await sellerContext.newPage();
    await seller.goto("/account/login?returnTo=%2Fvendor%2Freviews");
    await signInOnPage(seller, SELLER);
    await seller.waitForURL(/\/vendor\/reviews$/);
    const card = seller.locator("li.vendor-review", { hasText: "Lovely glaze" });
    await card.getByLabel("Your public reply").fill("Thank you, Grace! The glaze is our own ash recipe.");
    await card.getByRole("button", { name: "Publish reply" }).click();
    await seller.waitForURL(/done=replied/);
    expect(await seller.getByRole("status").first().innerText()).toContain("published");
    const answered = seller.locator("li.vendor-review", { hasText: "Lovely glaze" });
    expect(await answered.innerText()).toContain("ash recipe");
    expect(await answered.getByRole("button", { name: "Publish reply" }).count()).toBe(0);
    await shootBoth(seller, "reviews-vendor");

    await shopper.reload();
    await expect.poll(() => shopper.locator("#reviews").innerText()).toContain("ash recipe");
    expect(await shopper.locator("#reviews").innerText()).toContain("Reply from Kiln & Co");
    await shopper.close();
    await Promise.all([guestContext.close(), sellerContext.close(), adminContext.close()]);
  }, 180_000);
});
