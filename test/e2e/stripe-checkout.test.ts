import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, screenshot, VIEWPORTS } from "./browser";
import { DECLINED_CARD, FakeStripe } from "./fake-stripe";
import { signInByApi } from "./staff-sign-in";
import { signUpByRequest } from "./sign-up";
import { startStore } from "./store";

// A shopper's browser leaves the store for Stripe's hosted Checkout on another origin and comes back.
// Its own store and fake Stripe on ports after the shared e2e store's (files run one at a time).
const STORE_PORT = Number(process.env.E2E_STRIPE_CHECKOUT_PORT ?? Number(process.env.E2E_PORT ?? 8790) + 4);
const WEBHOOK_SECRET = "whsec_browser_checkout_secret";
const ADMIN = { email: "checkout-admin@example.test", password: "checkout desk password 5" };
const fake = new FakeStripe(STORE_PORT + 1);
let store: Awaited<ReturnType<typeof startStore>>;
let browser: Browser;

beforeAll(async () => {
  await fake.start();
  store = await startStore({
    port: STORE_PORT,
    products: 20,
    admin: ADMIN,
    vars: { STRIPE_SECRET_KEY: "sk_test_fake_key", STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET, STRIPE_API_BASE: fake.base },
  });
  fake.webhook = { url: `${store.baseUrl}/api/webhooks/stripe`, secret: WEBHOOK_SECRET };
  browser = await launchBrowser();
}, 400_000);
afterAll(async () => {
  await browser?.close();
  store?.stop();
  await fake.stop();
});

interface Detail {
  slug: string;
  name: string;
  variants: { sku: string; stockStatus: string }[];
}

/** In-stock single-variant products (so "Add to cart" needs no choice), cheapest first. */
async function simpleProducts(): Promise<Detail[]> {
  const list = (await (await fetch(`${store.baseUrl}/api/products?inStock=true&sort=price_asc&perPage=50`)).json()) as { items: { slug: string }[] };
  const found: Detail[] = [];
  for (const { slug } of list.items) {
    const detail = (await (await fetch(`${store.baseUrl}/api/products/${slug}`)).json()) as Detail;
    if (detail.variants.length === 1 && detail.variants[0]?.stockStatus === "in_stock") found.push(detail);
  }
  return found;
}
let products: Detail[] = [];
let nextProduct = 0;
async function freshProduct(): Promise<Detail & { sku: string }> {
  if (!products.length) products = await simpleProducts();
  const product = products[nextProduct++];
  if (!product) throw new Error("no single-variant product in stock left");
  return { ...product, sku: product.variants[0]?.sku as string };
}

let adminToken: string | undefined;
/** What staff see through the admin API (stock levels, order status). */
async function adminGet<T>(path: string): Promise<T> {
  if (!adminToken) {
    const login = await signInByApi(store.baseUrl, ADMIN, { "X-Auth-Mode": "token" });
    adminToken = ((await login.json()) as { accessToken: string }).accessToken;
  }
  const res = await fetch(`${store.baseUrl}/api/admin${path}`, { headers: { Authorization: `Bearer ${adminToken}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}
async function stock(sku: string) {
  const { onHand, reserved, available } = await adminGet<{ onHand: number; reserved: number; available: number }>(`/inventory/${encodeURIComponent(sku)}`);
  return { onHand, reserved, available };
}

/** A browser tab that records what the console says (a CSP violation is reported there). */
async function openShopper(viewport: keyof typeof VIEWPORTS): Promise<{ context: BrowserContext; page: Page; console: string[] }> {
  const context = await browser.newContext({ viewport: VIEWPORTS[viewport], baseURL: store.baseUrl });
  const page = await context.newPage();
  const messages: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") messages.push(m.text());
  });
  return { context, page, console: messages };
}

/** Waits for the hosted Checkout page, failing with the console's errors (e.g. a blocked form-action) if it never comes. */
async function expectOnStripe(page: Page, console: string[]): Promise<string> {
  const url = new RegExp(`^${fake.base.replace(/[.:/]/g, "\\$&")}/pay/cs_test_\\w+$`);
  try {
    await page.waitForURL(url, { timeout: 30_000 });
  } catch {
    throw new Error(`The browser did not reach the hosted Checkout page (still on ${page.url()}). Console errors:\n${console.join("\n")}`);
  }
  expect(new URL(page.url()).origin).not.toBe(store.baseUrl);
  return page.url().split("/").pop() as string;
}

/** Cart → Checkout → the guest form → "Place order and pay", all by clicking. */
async function checkOutAsGuest(page: Page, product: { sku: string }, email: string) {
  const added = await page.request.post("/api/cart/items", { data: { sku: product.sku, quantity: 1 }, headers: { Origin: store.baseUrl } });
  expect(added.ok()).toBe(true);
  await page.goto("/cart");
  expect(await page.locator(".cart-line").count()).toBe(1);
  await page.getByRole("link", { name: "Checkout", exact: true }).first().click();
  await page.waitForURL(/\/checkout$/);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Full name").fill("Stella Stripe");
  await page.getByLabel("Address line 1").fill("1 Main St");
  await page.getByLabel("City").fill("Portland");
  await page.getByLabel("State").fill("OR");
  await page.getByLabel("ZIP code").fill("97201");
  await page.getByRole("button", { name: "Place order and pay" }).click();
}

function orderOf(sessionId: string): Promise<{ id: string; status: string }> {
  return adminGet(`/orders/${fake.sessions.get(sessionId)?.metadata.orderId}`);
}

describe("Stripe Checkout from a browser (hosted page on another origin)", { timeout: 120_000 }, () => {
  it("a guest goes from /checkout to Stripe, pays, comes back to the confirmation, and the signed webhook marks the order paid", async () => {
    const product = await freshProduct();
    const before = await stock(product.sku);
    const { context, page, console } = await openShopper("desktop");
    await checkOutAsGuest(page, product, "stripe-guest@example.test");
    const sessionId = await expectOnStripe(page, console);
    expect(await page.getByRole("heading", { level: 1 }).innerText()).toMatch(/^Pay \d+\.\d\d USD$/);
    expect((await stock(product.sku)).reserved).toBe(before.reserved + 1);
    await screenshot(page, "stripe-hosted-checkout");
    await page.setViewportSize(VIEWPORTS.phone);
    await screenshot(page, "stripe-hosted-checkout");
    await page.setViewportSize(VIEWPORTS.desktop);

    await page.getByRole("button", { name: "Pay" }).click();
    await page.waitForURL(new RegExp(`^${store.baseUrl}/checkout/complete\\?order=ord_`));
    expect(fake.deliveries.filter((d) => d.sessionId === sessionId)).toEqual([
      { type: "checkout.session.completed", sessionId, status: 200, body: JSON.stringify({ received: true, applied: true }) },
    ]);
    expect(await page.getByRole("heading", { level: 1 }).innerText()).toBe("Thank you — your order is confirmed");
    expect(await page.locator(".timeline li").allInnerTexts()).toEqual([expect.stringMatching(/^Waiting for payment/), expect.stringMatching(/^Paid/)]);
    expect((await orderOf(sessionId)).status).toBe("paid");
    await screenshot(page, "stripe-order-confirmed");
    await page.setViewportSize(VIEWPORTS.phone);
    await screenshot(page, "stripe-order-confirmed");
    // Paid: the hold became a sale and the cart is empty.
    expect(await stock(product.sku)).toMatchObject({ onHand: before.onHand - 1, reserved: before.reserved });
    await page.goto("/cart");
    expect(await page.getByRole("heading", { name: "Your cart is empty" }).isVisible()).toBe(true);
    expect(console.filter((m) => /Content Security Policy/i.test(m))).toEqual([]);
    await context.close();
  });

  it("a declined card keeps the shopper on Stripe with the order unpaid; another card then pays it", async () => {
    const product = await freshProduct();
    const { context, page, console } = await openShopper("phone");
    await checkOutAsGuest(page, product, "stripe-declined@example.test");
    const sessionId = await expectOnStripe(page, console);
    await page.getByLabel("Card number").fill(DECLINED_CARD);
    await page.getByRole("button", { name: "Pay" }).click();
    expect(await page.getByRole("alert").innerText()).toBe("Your card was declined.");
    expect(new URL(page.url()).origin).toBe(fake.base);
    expect(fake.deliveries.filter((d) => d.sessionId === sessionId)).toEqual([]);
    expect((await orderOf(sessionId)).status).toBe("pending_payment");
    await screenshot(page, "stripe-hosted-checkout-declined");

    await page.getByLabel("Card number").fill("4242 4242 4242 4242");
    await page.getByRole("button", { name: "Pay" }).click();
    await page.waitForURL(new RegExp(`^${store.baseUrl}/checkout/complete\\?order=ord_`));
    expect(await page.getByRole("heading", { level: 1 }).innerText()).toBe("Thank you — your order is confirmed");
    expect((await orderOf(sessionId)).status).toBe("paid");
    await context.close();
  });

  it("cancel on Stripe returns to the cart with the order unpaid; when the session expires the order is cancelled and the stock released", async () => {
    const product = await freshProduct();
    const before = await stock(product.sku);
    const { context, page, console } = await openShopper("desktop");
    await checkOutAsGuest(page, product, "stripe-cancel@example.test");
    const sessionId = await expectOnStripe(page, console);
    await page.getByRole("link", { name: "Back to the store" }).click();
    await page.waitForURL(`${store.baseUrl}/cart`);
    // The cart is kept so the shopper can try again; the order waits, its stock held, until the session ends.
    expect(await page.locator(".cart-line").count()).toBe(1);
    expect((await orderOf(sessionId)).status).toBe("pending_payment");
    expect((await stock(product.sku)).reserved).toBe(before.reserved + 1);

    expect(await fake.expire(sessionId)).toBe(200);
    expect((await orderOf(sessionId)).status).toBe("cancelled");
    expect(await stock(product.sku)).toEqual(before);
    // The hosted page of an expired session takes no payment.
    await page.goto(`${fake.base}/pay/${sessionId}`);
    expect(await page.getByRole("button", { name: "Pay" }).count()).toBe(0);
    await context.close();
  });

  it("a signed-in shopper's mini-cart Checkout (a form post) also reaches Stripe and comes back paid", async () => {
    const product = await freshProduct();
    const { context, page, console } = await openShopper("phone");
    const register = await signUpByRequest(page.request, store, {
      email: `mini-cart-stripe-${Date.now()}@example.test`,
      password: "mini cart to stripe 42",
      name: "Mina Cart",
    });
    expect(register.status()).toBe(201);
    const address = await page.request.post("/api/me/addresses", {
      data: { fullName: "Mina Cart", line1: "1 Market St", city: "San Francisco", region: "CA", postalCode: "94105", country: "US" },
      headers: { Origin: store.baseUrl },
    });
    expect(address.status()).toBe(201);
    await page.goto(`/p/${product.slug}`);
    await page.getByRole("button", { name: "Add to cart" }).first().click();
    const miniCart = page.locator("[data-mini-cart]");
    await expect.poll(() => miniCart.isVisible()).toBe(true);
    await miniCart.getByRole("button", { name: "Checkout" }).click();
    const sessionId = await expectOnStripe(page, console);
    await page.getByRole("button", { name: "Pay" }).click();
    await page.waitForURL(new RegExp(`^${store.baseUrl}/checkout/complete\\?order=ord_`));
    expect(await page.getByRole("heading", { level: 1 }).innerText()).toBe("Thank you — your order is confirmed");
    expect((await orderOf(sessionId)).status).toBe("paid");
    await context.close();
  });
});
