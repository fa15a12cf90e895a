import { createHmac } from "node:crypto";
import type { Browser, BrowserContext, Page } from "playwright-core";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, screenshot, VIEWPORTS } from "./browser";
import { FakeStripe } from "./fake-stripe";
import { signInByRequest } from "./staff-sign-in";
import { signUpByRequest } from "./sign-up";
import { startStore } from "./store";

const SECRET = "generic-tracking-secret-for-e2e";
const ADMIN = { email: "ship-desk@example.test", password: "ship desk password 42" };
const PORT = Number(process.env.E2E_ORDERS_PORT ?? (process.env.E2E_PORT ? Number(process.env.E2E_PORT) + 2 : 8797));
let store: Awaited<ReturnType<typeof startStore>>;
let browser: Browser;

beforeAll(async () => {
  [store, browser] = await Promise.all([
    startStore({ port: PORT, admin: ADMIN, vars: { SHIPPING_WEBHOOK_SECRET_GENERIC: SECRET }, products: 40 }),
    launchBrowser(),
  ]);
}, 300_000);
afterAll(async () => {
  await browser?.close();
  store?.stop();
});

/** Sends a carrier event in the generic signed format, as a carrier would. */
async function carrierEvent(event: { eventId: string; trackingNumber: string; status: string; occurredAt: string; description?: string; location?: string }) {
  const raw = JSON.stringify(event);
  const t = Math.floor(Date.now() / 1000);
  const v1 = createHmac("sha256", SECRET).update(`${t}.${raw}`).digest("hex");
  const res = await fetch(`${store.baseUrl}/api/webhooks/shipping/generic`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Signature": `t=${t},v1=${v1}` },
    body: raw,
  });
  expect(res.status).toBe(200);
  return res.json();
}

async function singleVariantProduct(): Promise<string> {
  const list = (await (await fetch(`${store.baseUrl}/api/products?inStock=true&perPage=50`)).json()) as { items: { slug: string }[] };
  for (const { slug } of list.items) {
    const detail = (await (await fetch(`${store.baseUrl}/api/products/${slug}`)).json()) as { variants: { stockStatus: string }[] };
    if (detail.variants.length === 1 && detail.variants[0]?.stockStatus === "in_stock") return slug;
  }
  throw new Error("no single-variant product in stock");
}

/** A guest buys with the test provider; answers the order id. */
async function guestBuys(page: Page, slug: string): Promise<string> {
  await page.goto(`/p/${slug}`);
  await page.getByRole("button", { name: "Add to cart" }).first().click();
  await expect.poll(() => page.locator("[data-cart-count]").first().innerText()).toBe("1");
  await page.goto("/checkout");
  // Signed-in shoppers have no email field: the order goes to their account's address.
  if (await page.getByLabel("Email", { exact: true }).count()) await page.getByLabel("Email", { exact: true }).fill("tracking-guest@example.test");
  await page.getByLabel("Full name").fill("Tracy Tracking");
  await page.getByLabel("Address line 1").fill("500 Howard St");
  await page.getByLabel("City").fill("San Francisco");
  await page.getByLabel("State").fill("CA");
  await page.getByLabel("ZIP code").fill("94105");
  await page.getByRole("button", { name: "Place order and pay" }).click();
  await page.waitForURL(/\/checkout\/pay\/pay_/);
  await page.getByRole("button", { name: "Pay now" }).click();
  await page.waitForURL(/\/checkout\/complete\?order=ord_/);
  return new URL(page.url()).searchParams.get("order") as string;
}

async function signedInAdmin(viewport: (typeof VIEWPORTS)[keyof typeof VIEWPORTS]): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport, baseURL: store.baseUrl });
  expect(await signInByRequest(context.request, ADMIN, store.baseUrl)).toBe(200);
  return context;
}

describe("following an order from payment to the door", () => {
  it("the open order page shows shipping, transit and delivery without a reload", async () => {
    const shopperContext = await browser.newContext({ viewport: VIEWPORTS.desktop, baseURL: store.baseUrl });
    const shopper = await shopperContext.newPage();
    const orderId = await guestBuys(shopper, await singleVariantProduct());
    await shopper.goto(`/orders/${orderId}`);
    const status = shopper.locator("[data-order-status]");
    expect(await status.innerText()).toBe("Paid");
    // Marks this document: a reload or navigation would lose it.
    await shopper.evaluate(() => {
      (window as unknown as { __stillHere: boolean }).__stillHere = true;
    });
    await screenshot(shopper, "orders-shopper-paid");

    // The admin ships it from the admin order page (a real browser, real form).
    const adminContext = await signedInAdmin(VIEWPORTS.desktop);
    const admin = await adminContext.newPage();
    await admin.goto("/admin/orders");
    await expect.poll(() => admin.getByRole("link", { name: /^NW-/ }).count()).toBeGreaterThan(0);
    await screenshot(admin, "orders-admin-list");
    await admin.goto(`/admin/orders/${orderId}`);
    expect(await admin.locator("[data-order-status]").innerText()).toBe("Paid");
    // Staff read the same totals as the shopper: a US order's sales tax is its own (added) line.
    const totals = admin.locator("[data-order-totals]");
    expect(await totals.locator("[data-total-line]").evaluateAll((els) => els.map((e) => e.getAttribute("data-total-line")))).toEqual([
      "subtotal",
      "shipping",
      "tax",
      "total",
    ]);
    expect(await totals.locator('[data-total-line="tax"] dt').innerText()).toBe("Sales tax");
    await admin.getByLabel("Carrier", { exact: true }).fill("UPS");
    await admin.getByLabel("Tracking number", { exact: true }).fill("1Z999AA10123456784");
    await admin.getByRole("button", { name: "Create shipment" }).click();
    await admin.waitForURL(/done=ship/);
    expect(await admin.getByRole("status").first().innerText()).toContain("Shipment recorded");
    expect(await admin.locator("[data-order-status]").innerText()).toBe("Shipped");
    await screenshot(admin, "orders-admin-detail-shipped");

    await expect.poll(() => status.innerText(), { timeout: 15_000 }).toBe("Shipped");
    const parcel = shopper.locator("[data-shipment-status]");
    expect(await parcel.getByRole("link").getAttribute("href")).toBe("https://www.ups.com/track?loc=en_US&tracknum=1Z999AA10123456784");

    const now = Date.now();
    await carrierEvent({
      eventId: "e2e-1",
      trackingNumber: "1Z999AA10123456784",
      status: "in_transit",
      occurredAt: new Date(now - 60_000).toISOString(),
      description: "Departed facility",
      location: "Louisville, KY",
    });
    await expect.poll(() => parcel.getAttribute("data-shipment-status"), { timeout: 15_000 }).toBe("in_transit");
    expect(await shopper.locator(".timeline li").first().innerText()).toContain("In transit (Departed facility — Louisville, KY)");
    await screenshot(shopper, "orders-shopper-in-transit");

    await carrierEvent({
      eventId: "e2e-2",
      trackingNumber: "1Z999AA10123456784",
      status: "delivered",
      occurredAt: new Date(now).toISOString(),
      description: "Left at front door",
    });
    await expect.poll(() => status.innerText(), { timeout: 15_000 }).toBe("Delivered");
    expect(await parcel.getAttribute("data-shipment-status")).toBe("delivered");
    expect(await shopper.evaluate(() => (window as unknown as { __stillHere?: boolean }).__stillHere)).toBe(true);
    await screenshot(shopper, "orders-shopper-delivered");
    await shopper.setViewportSize(VIEWPORTS.phone);
    await screenshot(shopper, "orders-shopper-delivered");

    await admin.setViewportSize(VIEWPORTS.phone);
    await admin.reload();
    await screenshot(admin, "orders-admin-detail-delivered");
    await admin.goto("/admin/orders?status=delivered");
    await screenshot(admin, "orders-admin-list");
    await admin.setViewportSize(VIEWPORTS.desktop);
    await admin.goto(`/admin/orders/${orderId}`);
    await screenshot(admin, "orders-admin-detail-delivered");
    await shopperContext.close();
    await adminContext.close();
  });

  it("a guest cancels from the order page without JavaScript, and the page says so", async () => {
    const context = await browser.newContext({ viewport: VIEWPORTS.phone, baseURL: store.baseUrl });
    const page = await context.newPage();
    const orderId = await guestBuys(page, await singleVariantProduct());
    const noJs = await browser.newContext({
      viewport: VIEWPORTS.phone,
      baseURL: store.baseUrl,
      javaScriptEnabled: false,
      storageState: await context.storageState(),
    });
    const plain = await noJs.newPage();
    await plain.goto(`/orders/${orderId}`);
    expect(await plain.locator("[data-order-status]").innerText()).toBe("Paid");
    await screenshot(plain, "orders-shopper-cancel-form");
    await plain.getByLabel(/Reason/).fill("Bought twice by mistake");
    await plain.getByRole("button", { name: "Cancel order" }).click();
    // The browser's own required checkbox stops the first try.
    expect(new URL(plain.url()).searchParams.get("done")).toBeNull();
    await plain.getByLabel(/Yes, cancel order/).check();
    await plain.getByRole("button", { name: "Cancel order" }).click();
    await plain.waitForURL(/done=cancelled/);
    expect(await plain.locator("[data-order-status]").innerText()).toBe("Cancelled");
    expect(await plain.getByRole("status").first().innerText()).toContain("is cancelled");
    await screenshot(plain, "orders-shopper-cancelled");
    await noJs.close();
    await context.close();
  });

  it("a signed-in shopper finds the order in their account's order history", async () => {
    const context = await browser.newContext({ viewport: VIEWPORTS.desktop, baseURL: store.baseUrl });
    const page = await context.newPage();
    const email = `history-${Date.now()}@example.test`;
    const register = await signUpByRequest(page.request, store, { email, password: "order history reader 42", name: "Hana History" });
    expect(register.status()).toBe(201);
    const orderId = await guestBuys(page, await singleVariantProduct());
    await page.goto("/account/orders");
    const row = page.locator(".order-row").first();
    expect(await row.getByRole("link").getAttribute("href")).toBe(`/orders/${orderId}`);
    expect(await row.textContent()).toContain("Paid");
    await screenshot(page, "orders-account-history");
    await page.setViewportSize(VIEWPORTS.phone);
    await screenshot(page, "orders-account-history");
    await row.getByRole("link").click();
    await page.waitForURL(new RegExp(`/orders/${orderId}$`));
    expect(await page.locator("[data-order-status]").textContent()).toBe("Paid");
    await context.close();
  });
});

describe("cancelling an order paid through Stripe", () => {
  const WEBHOOK_SECRET = "whsec_orders_cancel_test";
  const fake = new FakeStripe(PORT + 1);
  let stripeStore: Awaited<ReturnType<typeof startStore>>;
  beforeAll(async () => {
    await fake.start();
    stripeStore = await startStore({
      port: PORT + 2,
      products: 20,
      vars: { STRIPE_SECRET_KEY: "sk_test_fake_key", STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET, STRIPE_API_BASE: fake.base },
    });
  }, 180_000);
  afterAll(async () => {
    stripeStore?.stop();
    await fake.stop();
  });

  it("the guest's cancel refunds the whole payment through Stripe once, with a deterministic idempotency key", async () => {
    const base = stripeStore.baseUrl;
    const list = (await (await fetch(`${base}/api/products?inStock=true&perPage=5`)).json()) as { items: { slug: string }[] };
    const detail = (await (await fetch(`${base}/api/products/${list.items[0]?.slug}`)).json()) as { variants: { sku: string; stockStatus: string }[] };
    const sku = detail.variants.find((v) => v.stockStatus === "in_stock")?.sku;
    const headers = { "Content-Type": "application/json", Origin: base };
    const add = await fetch(`${base}/api/cart/items`, { method: "POST", headers, body: JSON.stringify({ sku, quantity: 1 }) });
    const cookie = add.headers
      .getSetCookie()
      .map((c) => c.split(";")[0])
      .join("; ");
    const placed = (await (
      await fetch(`${base}/api/checkout`, {
        method: "POST",
        headers: { ...headers, Cookie: cookie },
        body: JSON.stringify({
          email: "stripe-cancel@example.test",
          shippingOption: "standard",
          shippingAddress: { fullName: "Sam Stripe", line1: "1 Main St", city: "Portland", region: "OR", postalCode: "97201", country: "US" },
        }),
      })
    ).json()) as { orderId: string; orderUrl: string; total: { amount: number }; payment: { redirectUrl: string } };
    const sessionId = placed.payment.redirectUrl.split("/").pop() as string;
    const session = fake.settle(sessionId, "paid");
    const payload = JSON.stringify({
      id: "evt_cancel_1",
      object: "event",
      type: "checkout.session.completed",
      data: { object: { id: sessionId, object: "checkout.session" } },
    });
    const paid = await fetch(`${base}/api/webhooks/stripe`, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "Stripe-Signature": await Stripe.webhooks.generateTestHeaderStringAsync({ payload, secret: WEBHOOK_SECRET }),
      },
      body: payload,
    });
    expect(await paid.json()).toEqual({ received: true, applied: true });

    const token = new URL(placed.orderUrl).searchParams.get("token");
    const cancel = () =>
      fetch(`${base}/api/orders/${placed.orderId}/cancel?token=${token}`, { method: "POST", headers, body: JSON.stringify({ reason: "changed my mind" }) });
    const res = await cancel();
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ orderId: placed.orderId, status: "cancelled", refunded: { amount: placed.total.amount, currency: "USD" } });
    expect((await cancel()).status).toBe(409);
    const refunds = fake.calls.filter((c) => c.path === "/v1/refunds" && c.form.get("payment_intent") === session.payment_intent);
    expect(refunds).toHaveLength(1);
    expect(refunds[0]?.form.get("amount")).toBe(String(placed.total.amount));
    expect(refunds[0]?.idempotencyKey).toMatch(new RegExp(`^refund:pay_\\w+:0:${placed.total.amount}$`));
  }, 120_000);
});
