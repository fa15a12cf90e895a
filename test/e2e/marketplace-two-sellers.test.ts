import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, screenshot, VIEWPORTS } from "./browser";
import { signUpByApi } from "./sign-up";
import { signInByApi, signInByRequest, signInOnPage } from "./staff-sign-in";
import { startStore } from "./store";

// Its own store inside this file's port block: two sellers, one shopper buying from both in one checkout.
const STORE_PORT = Number(process.env.E2E_PORT ?? 8790) + 62;
const ADMIN = { email: "market-admin@example.test", password: "market admin passphrase 9" };
const SELLERS = [
  { email: "alder@example.test", password: "oak shavings and glue 4", name: "Ada Alder", shop: "Alder Woodshop", handle: "alder-woodshop" },
  { email: "birch@example.test", password: "linen loom weaving 6", name: "Ben Birch", shop: "Birch Textiles", handle: "birch-textiles" },
];

let store: Awaited<ReturnType<typeof startStore>>;
let browser: Browser;
let desk: BrowserContext;
const vendorIds: string[] = [];
const productNames: string[] = [];
const productIds: string[] = [];

const tokenOf = async (res: Response) => ((await res.json()) as { accessToken: string }).accessToken;
async function api(path: string, token: string, body?: unknown, method = body === undefined ? "GET" : "POST") {
  const res = await fetch(`${store.baseUrl}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<Record<string, unknown>>;
}

beforeAll(async () => {
  [store, browser] = await Promise.all([startStore({ port: STORE_PORT, products: 4, admin: ADMIN }), launchBrowser()]);
  const admin = await tokenOf(await signInByApi(store.baseUrl, ADMIN));
  // Each seller registers, applies, and is approved (the vendors suite covers those pages).
  for (const s of SELLERS) {
    const registered = await signUpByApi(store, { email: s.email, password: s.password, name: s.name });
    expect(registered.status, await registered.clone().text()).toBe(201);
    const token = await tokenOf(await signInByApi(store.baseUrl, s));
    const applied = await api("/api/vendor-applications", token, {
      name: s.shop,
      handle: s.handle,
      contactEmail: s.email,
      country: "US",
      description: `${s.shop}: small-batch goods from one workshop.`,
    });
    await api(`/api/admin/vendors/${applied.id}/approve`, admin, {});
    vendorIds.push(applied.id as string);
  }
  desk = await browser.newContext({ viewport: VIEWPORTS.desktop, baseURL: store.baseUrl });
  expect(await signInByRequest(desk.request, ADMIN, store.baseUrl)).toBe(200);
  // No hold, so a sale delivered today can be paid today (the hold is the return window).
  expect((await desk.request.patch("/api/admin/settings/returns", { data: { windowDays: 0 }, headers: { Origin: store.baseUrl } })).status()).toBe(200);
  // Each seller pays its own commission rate (10% and 15% of the goods).
  for (const [i, vendorId] of vendorIds.entries()) {
    const rule = await desk.request.post("/api/admin/commissions", {
      data: { scope: "vendor", target: vendorId, kind: "percent", rateBps: i === 0 ? 1_000 : 1_500 },
      headers: { Origin: store.baseUrl },
    });
    expect(rule.status()).toBe(201);
  }
  // One product becomes each seller's, through the staff product form's vendor field.
  const products = (await (await desk.request.get("/api/admin/products?perPage=2")).json()) as { items: { id: string; name: string }[] };
  const page = await desk.newPage();
  for (const [i, vendorId] of vendorIds.entries()) {
    const product = products.items[i] as { id: string; name: string };
    await page.goto(`/admin/products/${product.id}`);
    await page.getByLabel("Vendor id").fill(vendorId);
    await page.getByRole("button", { name: "Save changes" }).click();
    await page.waitForURL(/\?saved=updated$/);
    productNames.push(product.name);
    productIds.push(product.id);
  }
  await page.close();
}, 600_000);
afterAll(async () => {
  await browser?.close();
  store?.stop();
});

async function sellerPage(index: number, returnTo: string, viewport: { width: number; height: number } = VIEWPORTS.desktop): Promise<Page> {
  const context = await browser.newContext({ viewport, baseURL: store.baseUrl, ...(viewport === VIEWPORTS.phone ? { isMobile: true, hasTouch: true } : {}) });
  const page = await context.newPage();
  await page.goto(`/account/login?returnTo=${encodeURIComponent(returnTo)}`);
  await signInOnPage(page, SELLERS[index] as { email: string; password: string });
  await page.waitForURL((url) => url.pathname === returnTo);
  return page;
}

describe("one checkout, two sellers", () => {
  it("a shopper buys from both, each seller ships its part, the shopper sees two parcels, each ledger shows its own sale", async () => {
    const origin = { Origin: store.baseUrl };
    const shopper = await browser.newContext({ viewport: VIEWPORTS.phone, isMobile: true, hasTouch: true, baseURL: store.baseUrl });
    const skus: string[] = [];
    for (const id of productIds) {
      const detail = (await (await desk.request.get(`/api/admin/products/${id}`)).json()) as { variants: { sku: string }[] };
      skus.push(detail.variants[0]?.sku as string);
    }
    for (const sku of skus) expect((await shopper.request.post("/api/cart/items", { data: { sku, quantity: 1 }, headers: origin })).status()).toBe(200);

    // The cart page's estimate is the per-seller sum checkout charges.
    const cartPage = await shopper.newPage();
    await cartPage.goto("/cart?country=US");
    const quote = (await (await shopper.request.get("/api/shipping/quote?country=US")).json()) as { options: { id: string; price: { amount: number } }[] };
    const quoted = quote.options.find((o) => o.id === "standard")?.price.amount as number;
    await screenshot(cartPage, "marketplace-cart-phone");

    const placed = await shopper.request.post("/api/checkout", {
      data: {
        email: "two-sellers@example.test",
        shippingAddress: { fullName: "Grace Hopper", line1: "1 Market St", city: "San Francisco", region: "CA", postalCode: "94105", country: "US" },
        shippingOption: "standard",
      },
      headers: origin,
    });
    expect(placed.status()).toBe(201);
    const order = (await placed.json()) as { orderId: string; orderUrl: string; payment: { redirectUrl: string }; totals?: unknown };
    const paymentId = order.payment.redirectUrl.split("/").pop();
    expect((await shopper.request.post(`/api/checkout/test-payments/${paymentId}`, { data: { outcome: "succeeded" }, headers: origin })).status()).toBe(200);
    const charged = (await (await desk.request.get(`/api/admin/orders/${order.orderId}`)).json()) as { totals: { shipping: { amount: number } } };
    expect(charged.totals.shipping.amount).toBe(quoted);

    // The shopper's order page (the guest link) groups the lines by seller, nothing shipped yet.
    const orderPage = await shopper.newPage();
    await orderPage.goto(order.orderUrl);
    const parcels = orderPage.getByRole("region", { name: "Parcels by seller" });
    for (const s of SELLERS) expect(await parcels.getByRole("heading", { name: new RegExp(`Sold by ${s.shop}`) }).count()).toBe(1);
    expect(await parcels.getByText("Not shipped yet.").count()).toBe(2);

    // Each seller ships its own part from /vendor/orders, with its own carrier and tracking number.
    const tracking = ["1ZALDER000000000001", "9400BIRCH0000000002"];
    for (const [i, s] of SELLERS.entries()) {
      const page = await sellerPage(i, "/vendor/orders");
      await page.getByRole("rowheader").getByRole("link").first().click();
      await page.waitForURL(/\/vendor\/orders\/vor_/);
      // Only this seller's line is on its order.
      expect(await page.getByText(productNames[i] as string).count()).toBeGreaterThan(0);
      expect(await page.getByText(productNames[1 - i] as string).count()).toBe(0);
      await page.getByRole("combobox", { name: "Carrier" }).fill(i === 0 ? "UPS" : "USPS");
      await page.getByRole("textbox", { name: "Tracking number" }).fill(tracking[i] as string);
      await page.getByRole("button", { name: "Mark shipped" }).click();
      await page.waitForLoadState("networkidle");
      expect(await page.getByText(tracking[i] as string).count()).toBeGreaterThan(0);
      await screenshot(page, `marketplace-seller-${s.handle}-shipped-desktop`);
      await page.context().close();
    }

    // The shopper sees two parcels, each under its seller with its own tracking.
    await orderPage.reload();
    for (const [i, s] of SELLERS.entries()) {
      const group = parcels.getByRole("region", { name: new RegExp(`Sold by ${s.shop}`) });
      expect(await group.getByText(tracking[i] as string).count()).toBe(1);
      expect(await group.getByText(tracking[1 - i] as string).count()).toBe(0);
      expect(await group.getByText(productNames[i] as string).count()).toBeGreaterThan(0);
    }
    await screenshot(orderPage, "marketplace-order-two-parcels-phone");
    await orderPage.setViewportSize(VIEWPORTS.desktop);
    await screenshot(orderPage, "marketplace-order-two-parcels-desktop");

    // Delivered (staff record it), then a payout run: each ledger has its own sale, commission and payout.
    expect((await desk.request.post(`/api/admin/orders/${order.orderId}/delivered`, { data: {}, headers: origin })).status()).toBe(200);
    expect((await desk.request.post("/api/admin/payouts/run", { data: {}, headers: origin })).status()).toBe(200);
    await expect
      .poll(async () => ((await (await desk.request.get("/api/admin/payouts?status=pending")).json()) as { total: number }).total, {
        timeout: 20_000,
        interval: 500,
      })
      .toBe(2);
    for (const [i, s] of SELLERS.entries()) {
      const page = await sellerPage(i, "/vendor/payouts", VIEWPORTS.phone);
      const statement = page.getByRole("region", { name: "Statement" });
      expect(await statement.getByRole("rowheader", { name: /^Sale/ }).count()).toBe(1);
      expect(await statement.getByRole("rowheader", { name: /^Commission/ }).count()).toBe(1);
      expect(await statement.getByRole("rowheader", { name: /^Payout/ }).count()).toBe(1);
      await screenshot(page, `marketplace-ledger-${s.handle}-phone`);
      await page.setViewportSize(VIEWPORTS.desktop);
      await screenshot(page, `marketplace-ledger-${s.handle}-desktop`);
      await page.context().close();
    }
    await shopper.close();
  }, 300_000);
});
