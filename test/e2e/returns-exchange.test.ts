import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, screenshot, VIEWPORTS } from "./browser";
import { waitForEmail } from "./outbox";
import { signInByRequest } from "./staff-sign-in";
import { startStore } from "./store";

// A shopper asks to exchange a delivered item for another variant of the same product (no JavaScript), staff approve
// (the replacement is held), mark the parcel received, restock it and ship the exchange: a zero-charge replacement
// order, which staff ship from its own order page; the shopper sees it linked from the original order.
const ADMIN = { email: "exchange-desk@example.test", password: "exchange desk password 42" };
const SHOPPER = "swapper@example.test";
const PORT = Number(process.env.E2E_EXCHANGE_PORT ?? Number(process.env.E2E_PORT ?? 8790) + 40);
let store: Awaited<ReturnType<typeof startStore>>;
let browser: Browser;

beforeAll(async () => {
  [store, browser] = await Promise.all([startStore({ port: PORT, admin: ADMIN, products: 20 }), launchBrowser()]);
  // Seeding on a shared 2-core machine has taken three minutes.
}, 420_000);
afterAll(async () => {
  await browser?.close();
  store?.stop();
});

type Variant = { sku: string; title: string; price: { amount: number }; stockStatus: string };

/** A paid guest order of the dearest in-stock variant of a product that has another in-stock variant costing no more. */
async function orderWithSwap(context: BrowserContext) {
  const headers = { Origin: store.baseUrl };
  const list = (await (await context.request.get("/api/products?inStock=true&perPage=50")).json()) as { items: { slug: string }[] };
  let pick: { bought: Variant; swap: Variant } | null = null;
  for (const { slug } of list.items) {
    const detail = (await (await context.request.get(`/api/products/${slug}`)).json()) as { variants: Variant[] };
    const inStock = detail.variants.filter((v) => v.stockStatus === "in_stock").sort((a, b) => b.price.amount - a.price.amount);
    if (inStock.length >= 2) {
      pick = { bought: inStock[0] as Variant, swap: inStock[1] as Variant };
      break;
    }
  }
  if (!pick) throw new Error("the seed has no product with two in-stock variants");
  expect((await context.request.post("/api/cart/items", { data: { sku: pick.bought.sku, quantity: 1 }, headers })).status()).toBe(200);
  const placed = await context.request.post("/api/checkout", {
    data: {
      email: SHOPPER,
      shippingAddress: { fullName: "Sam Swapper", line1: "1 Market St", city: "San Francisco", region: "CA", postalCode: "94105", country: "US" },
      shippingOption: "standard",
    },
    headers,
  });
  expect(placed.status()).toBe(201);
  const body = (await placed.json()) as { orderId: string; orderUrl: string; payment: { redirectUrl: string } };
  const paymentId = body.payment.redirectUrl.split("/").pop();
  expect((await context.request.post(`/api/checkout/test-payments/${paymentId}`, { data: { outcome: "succeeded" }, headers })).status()).toBe(200);
  const url = new URL(body.orderUrl, store.baseUrl);
  return { orderId: body.orderId, orderPath: url.pathname + url.search, ...pick };
}

async function shots(page: Page, name: string) {
  for (const viewport of [VIEWPORTS.phone, VIEWPORTS.desktop]) {
    await page.setViewportSize(viewport);
    await screenshot(page, name);
  }
}

describe("exchanges in the browser", () => {
  it("shopper requests an exchange, staff approve, receive, restock and ship it; the replacement order ships", async () => {
    const shopper = await browser.newContext({ viewport: VIEWPORTS.phone, baseURL: store.baseUrl });
    const admin = await browser.newContext({ viewport: VIEWPORTS.desktop, baseURL: store.baseUrl });
    const headers = { Origin: store.baseUrl };
    const { orderId, orderPath, bought, swap } = await orderWithSwap(shopper);
    expect(await signInByRequest(admin.request, ADMIN, store.baseUrl)).toBe(200);
    expect(
      (await admin.request.post(`/api/admin/orders/${orderId}/shipments`, { data: { carrier: "UPS", trackingNumber: "1ZEXCHANGEE2E01" }, headers })).status(),
    ).toBe(200);
    expect((await admin.request.post(`/api/admin/orders/${orderId}/delivered`, { data: {}, headers })).status()).toBe(200);

    // The shopper asks for the exchange without JavaScript.
    const noJs = await browser.newContext({ viewport: VIEWPORTS.phone, baseURL: store.baseUrl, javaScriptEnabled: false });
    const page = await noJs.newPage();
    await page.goto(orderPath);
    await page.getByRole("link", { name: "Return items" }).click();
    await expect.poll(async () => (await page.getByRole("heading", { level: 1 }).textContent())?.trim()).toBe("Return items");
    await page.getByRole("combobox", { name: "Quantity" }).first().selectOption("1");
    await page.getByRole("combobox", { name: "Reason" }).first().selectOption("Too small");
    await page.getByRole("combobox", { name: "If exchanging, swap for" }).first().selectOption(swap.sku);
    await page.getByRole("radio", { name: /An exchange/ }).check();
    await shots(page, "exchange-request-form");
    await page.getByRole("button", { name: "Request return" }).click();
    await page.waitForURL(/\/orders\//);
    const card = page.locator("[data-return]");
    await expect.poll(() => card.getAttribute("data-return-status")).toBe("requested");
    expect(await card.textContent()).toContain(`exchange for ${swap.sku}`);
    const returnId = (await card.getAttribute("data-return")) as string;
    const heldBefore = (await (await admin.request.get(`/api/admin/inventory/${swap.sku}`)).json()) as { reserved: number };

    // Staff approve (the replacement unit is held), mark it received and restock it.
    const staff = await admin.newPage();
    await staff.goto(`/admin/returns/${returnId}`);
    await staff.getByRole("button", { name: "Approve return" }).click();
    await staff.waitForURL(/done=approve/);
    const heldAfter = (await (await admin.request.get(`/api/admin/inventory/${swap.sku}`)).json()) as { reserved: number };
    expect(heldAfter.reserved).toBe(heldBefore.reserved + 1);
    await staff.getByRole("button", { name: "Mark received" }).click();
    await staff.waitForURL(/done=received/);
    await staff.getByRole("button", { name: "Restock" }).click();
    await staff.waitForURL(/done=inspect/);
    await shots(staff, "exchange-admin-ready");
    await staff.getByRole("button", { name: "Create the replacement order" }).click();
    await staff.waitForURL(/done=exchange/);
    await expect.poll(() => staff.locator("[data-return-status]").getAttribute("data-return-status")).toBe("exchanged");
    await shots(staff, "exchange-admin-exchanged");

    // The replacement ships through the normal shipment form of its own order page.
    await staff.getByRole("link", { name: "The replacement order" }).click();
    await staff.waitForURL(/\/admin\/orders\/ord_x/);
    // The carrier field suggests the known carriers (a combobox, not a plain text box).
    await staff.getByRole("combobox", { name: "Carrier" }).fill("UPS");
    await staff.getByRole("textbox", { name: /^Tracking number/ }).fill("1ZREPLACEMENT01");
    const replacementId = new URL(staff.url()).pathname.split("/").pop() as string;
    await staff.getByRole("button", { name: "Create shipment" }).click();
    type Replacement = { status: string; totals: { grandTotal: { amount: number } }; lines: { sku: string }[] };
    const replacementNow = async () => (await (await admin.request.get(`/api/admin/orders/${replacementId}`)).json()) as Replacement;
    // The form post answers with a redirect; poll the order rather than race the navigation.
    await expect.poll(async () => (await replacementNow()).status, { timeout: 30_000 }).toBe("shipped");
    const replacement = await replacementNow();
    expect(replacement.lines.map((l) => l.sku)).toEqual([swap.sku]);
    expect(replacement.totals.grandTotal.amount).toBe(0);
    expect(bought.price.amount).toBeGreaterThanOrEqual(swap.price.amount);

    // The shopper sees the replacement linked from the original order, and can open it with the guest link.
    await page.goto(orderPath);
    await expect.poll(() => card.getAttribute("data-return-status")).toBe("exchanged");
    await page.locator("#returns").scrollIntoViewIfNeeded();
    await shots(page, "exchange-order-page");
    await page.locator("[data-return-exchange] a").click();
    await page.waitForURL(/\/orders\/ord_x/);
    expect(await page.locator("main").textContent()).toContain("1ZREPLACEMENT01");
    await shots(page, "exchange-replacement-order");
    // The return's earlier updates (approved, arrived) went to the same address with the same template.
    const email = await waitForEmail(store.persist, SHOPPER, "return_update", /^Exchange R-/);
    expect(email.subject).toMatch(/^Exchange R-/);
    expect(email.text).toContain("X-");
    await Promise.all([noJs.close(), shopper.close(), admin.close()]);
  }, 240_000);
});
