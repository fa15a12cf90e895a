import type { Browser, BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, screenshot, VIEWPORTS } from "./browser";
import { signInByRequest, signInOnPage } from "./staff-sign-in";
import { signUpByRequest } from "./sign-up";
import { startStore } from "./store";

// Its own store inside this suite's port range: its vendors, sales and payouts are its own.
const STORE_PORT = Number(process.env.E2E_PORT ?? 8790) + 50;
const ADMIN = { email: "payouts-admin@example.test", password: "payouts admin passphrase 7" };
const SELLER = { email: "potter@example.test", password: "clay studio passphrase 3", name: "Pia Potter" };

let store: Awaited<ReturnType<typeof startStore>>;
let browser: Browser;
let desk: BrowserContext;
let vendorId: string;

beforeAll(async () => {
  [store, browser] = await Promise.all([startStore({ port: STORE_PORT, products: 4, admin: ADMIN }), launchBrowser()]);
  const origin = { Origin: store.baseUrl };
  // The seller registers and applies; staff approve (the vendors suite covers these pages).
  const seller = await browser.newContext({ baseURL: store.baseUrl });
  expect((await signUpByRequest(seller.request, store, SELLER)).status()).toBe(201);
  const applied = await seller.request.post("/api/vendor-applications", {
    data: { name: "Clay Studio", handle: "clay-studio", contactEmail: SELLER.email, country: "US", description: "Hand-thrown stoneware mugs and bowls." },
    headers: origin,
  });
  expect(applied.status()).toBe(201);
  vendorId = ((await applied.json()) as { id: string }).id;
  await seller.close();
  desk = await browser.newContext({ viewport: VIEWPORTS.desktop, baseURL: store.baseUrl });
  expect(await signInByRequest(desk.request, ADMIN, store.baseUrl)).toBe(200);
  expect((await desk.request.post(`/api/admin/vendors/${vendorId}/approve`, { data: {}, headers: origin })).status()).toBe(200);
  // No hold, so today's sale can be paid today (the hold is the return window).
  expect((await desk.request.patch("/api/admin/settings/returns", { data: { windowDays: 0 }, headers: origin })).status()).toBe(200);
}, 600_000);
afterAll(async () => {
  await browser?.close();
  store?.stop();
});

/**
 * A shopper buys two of the seller's `sku` and pays; the seller ships its part (the API, as the vendor suite covers
 * the pages) and staff record the delivery now. A sale is payable once its parcel is delivered plus the hold.
 */
async function sellAndDeliver(sku: string, trackingNumber: string) {
  const origin = { Origin: store.baseUrl };
  const shopper = await browser.newContext({ baseURL: store.baseUrl });
  expect((await shopper.request.post("/api/cart/items", { data: { sku, quantity: 2 }, headers: origin })).status()).toBe(200);
  const placed = await shopper.request.post("/api/checkout", {
    data: {
      email: "mugs@example.test",
      shippingAddress: { fullName: "Ada", line1: "1 Market St", city: "San Francisco", region: "CA", postalCode: "94105", country: "US" },
      shippingOption: "standard",
    },
    headers: origin,
  });
  expect(placed.status()).toBe(201);
  const paymentId = ((await placed.json()) as { payment: { redirectUrl: string } }).payment.redirectUrl.split("/").pop();
  expect((await shopper.request.post(`/api/checkout/test-payments/${paymentId}`, { data: { outcome: "succeeded" }, headers: origin })).status()).toBe(200);
  const orderId = ((await placed.json()) as { orderId: string }).orderId;
  await shopper.close();
  const shipper = await browser.newContext({ baseURL: store.baseUrl });
  expect(await signInByRequest(shipper.request, SELLER, store.baseUrl)).toBe(200);
  const vendorOrders = (await (await shipper.request.get("/api/vendor/orders?status=paid")).json()) as { items: { id: string }[] };
  const vendorOrder = vendorOrders.items[0]?.id;
  const shipped = await shipper.request.post(`/api/vendor/orders/${vendorOrder}/shipments`, { data: { carrier: "UPS", trackingNumber }, headers: origin });
  expect(shipped.status()).toBe(200);
  await shipper.close();
  expect((await desk.request.post(`/api/admin/orders/${orderId}/delivered`, { data: {}, headers: origin })).status()).toBe(200);
}

describe("paying a vendor", () => {
  it("staff run payouts and record the bank transfer; the seller sees the payout and its reference on a phone", async () => {
    const origin = { Origin: store.baseUrl };
    // One product becomes the seller's (the product form's vendor field), and a shopper buys it.
    const products = (await (await desk.request.get("/api/admin/products?perPage=1")).json()) as { items: { id: string; name: string }[] };
    const product = products.items[0] as { id: string; name: string };
    const page = await desk.newPage();
    await page.goto(`/admin/products/${product.id}`);
    await page.getByLabel("Vendor id").fill(vendorId);
    await page.getByRole("button", { name: "Save changes" }).click();
    await page.waitForURL(/\?saved=updated$/);
    const detail = (await (await desk.request.get(`/api/admin/products/${product.id}`)).json()) as { variants: { sku: string }[] };
    const sku = detail.variants[0]?.sku as string;
    await sellAndDeliver(sku, "1ZPAYOUT0000000001");

    // Staff run payouts from the page: one manual payout of the seller's whole balance.
    await page.goto("/admin/vendors/payouts");
    await page.getByRole("button", { name: "Run payouts now" }).click();
    await page.waitForURL(/done=run/);
    expect(await page.locator("p.admin-notice[role=status]").textContent()).toContain("1 payout queued");
    // The payouts queue creates it a moment later.
    const row = page.locator("tbody tr", { hasText: "Clay Studio" });
    await expect
      .poll(
        async () => {
          await page.reload();
          return row.count();
        },
        { timeout: 20_000, interval: 500 },
      )
      .toBe(1);
    expect(await row.getByText("pending").count()).toBe(1);
    const amount = (await row.locator("td.num").textContent())?.trim() ?? "";
    expect(amount).toMatch(/^\$\d/);
    await screenshot(page, "vendor-payouts-admin-pending-desktop");

    // A second run finds nothing left to pay.
    await page.getByRole("button", { name: "Run payouts now" }).click();
    await page.waitForURL(/done=run/);
    expect(await page.locator("p.admin-notice[role=status]").textContent()).toContain("no vendor has an available balance");

    // The bank transfer is recorded with its reference; filters find it.
    await row.getByRole("textbox", { name: /Bank reference for Clay Studio/ }).fill("BANK-2026-0042");
    await row.getByRole("button", { name: "Mark paid" }).click();
    await page.waitForURL(/done=paid/);
    await page.getByLabel("Vendor", { exact: true }).selectOption({ label: "Clay Studio" });
    await page.getByLabel("Status", { exact: true }).selectOption("paid");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.waitForURL(/status=paid/);
    const paid = page.locator("tbody tr", { hasText: "Clay Studio" });
    expect(await paid.getByText("BANK-2026-0042").count()).toBe(1);
    expect(await paid.getByText("paid", { exact: true }).count()).toBe(1);
    await screenshot(page, "vendor-payouts-admin-paid-desktop");
    const phoneAdmin = await browser.newContext({ viewport: VIEWPORTS.phone, isMobile: true, hasTouch: true, baseURL: store.baseUrl });
    expect(await signInByRequest(phoneAdmin.request, ADMIN, store.baseUrl)).toBe(200);
    const adminPhone = await phoneAdmin.newPage();
    await adminPhone.goto("/admin/vendors/payouts");
    await screenshot(adminPhone, "vendor-payouts-admin-phone");
    await phoneAdmin.close();

    // The seller (signed in again after approval changed their role) sees the payout, its reference and a zero balance.
    const sellerPhone = await browser.newContext({ viewport: VIEWPORTS.phone, isMobile: true, hasTouch: true, baseURL: store.baseUrl });
    const phone = await sellerPhone.newPage();
    await phone.goto("/account/login?returnTo=/vendor/payouts");
    await signInOnPage(phone, SELLER);
    await phone.waitForURL(/\/vendor\/payouts$/);
    const history = phone.getByRole("region", { name: "Payouts", exact: true });
    const payoutRow = history.locator("tbody tr").first();
    expect(await payoutRow.getByText("Paid", { exact: true }).count()).toBe(1);
    expect(await payoutRow.getByText("BANK-2026-0042").count()).toBe(1);
    expect((await payoutRow.locator("th").textContent())?.trim()).toBe(amount);
    // The row names the order it paid, linked to the seller's vendor order.
    expect(await payoutRow.getByRole("link", { name: /^Order / }).getAttribute("href")).toMatch(/^\/vendor\/orders\/vor_/);
    expect((await phone.locator(".vendor-money-figure").textContent())?.trim()).toBe("$0.00");
    // The statement shows the sale and the payout that took it, with the bank reference read from the payout.
    expect(await phone.getByRole("rowheader", { name: "Payout" }).count()).toBe(1);
    expect(await phone.getByTestId("ledger-payout-ref").textContent()).toBe("Bank reference BANK-2026-0042");
    // Everything is paid: no next payout is shown.
    expect(await phone.getByTestId("next-payout").count()).toBe(0);
    expect(await phone.getByTestId("payout-method").textContent()).toContain("bank transfer");
    await screenshot(phone, "vendor-payouts-seller-phone");
    await phone.setViewportSize(VIEWPORTS.desktop);
    await screenshot(phone, "vendor-payouts-seller-desktop");

    // With a 14-day hold, the next sale delivered today is the next payout, payable 14 days from its delivery:
    // the seller's overview says how much and from which date.
    expect((await desk.request.patch("/api/admin/settings/returns", { data: { windowDays: 14 }, headers: origin })).status()).toBe(200);
    const before = Date.now();
    await sellAndDeliver(sku, "1ZPAYOUT0000000002");
    const after = Date.now();
    await phone.setViewportSize(VIEWPORTS.phone);
    await phone.goto("/vendor");
    const next = phone.getByTestId("next-payout");
    expect((await next.textContent())?.replace(/\s+/g, " ").trim()).toMatch(/^Next payout: \$[\d,.]+, payable from [A-Z][a-z]{2} \d{1,2}, \d{4}$/);
    const payableAt = Date.parse((await next.locator("time").getAttribute("datetime")) ?? "");
    expect(payableAt).toBeGreaterThanOrEqual(before - 1_000 + 14 * 86_400_000);
    expect(payableAt).toBeLessThanOrEqual(after + 14 * 86_400_000);
    expect(await phone.getByTestId("payout-available").textContent()).toContain("Available for the next payout: $0.00");
    await screenshot(phone, "vendor-overview-next-payout-phone");
    await phone.setViewportSize(VIEWPORTS.desktop);
    await screenshot(phone, "vendor-overview-next-payout-desktop");
    await sellerPhone.close();
  });
});
