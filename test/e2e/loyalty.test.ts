import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, screenshot, submitAndLoad, VIEWPORTS } from "./browser";
import { signInOnPage } from "./staff-sign-in";
import { signUpByRequest } from "./sign-up";
import { type RunningStore, startStore } from "./store";

// A shopper earns points on a delivered order once its return window has passed (the cron run at a time 31 days
// on), sees them on /account/loyalty, redeems some in the web checkout without JavaScript, and staff see the
// history on /admin/loyalty and adjust the balance with a reason; the order page and the confirmation email name
// the code and the points, and a staff refund takes the points back. Its own store, in this file's port slot.
const PORT = Number(process.env.E2E_LOYALTY_PORT ?? Number(process.env.E2E_PORT ?? 8790) + 50);
const ADMIN = { email: "loyalty-desk@example.test", password: "loyalty desk password 42" };
const SHOPPER = { email: "points-shopper@example.test", password: "points shopper password 42", name: "Pia Points" };
const DAY = 86_400_000;

let store: RunningStore;
let browser: Browser;

beforeAll(async () => {
  [store, browser] = await Promise.all([startStore({ port: PORT, admin: ADMIN, products: 20 }), launchBrowser()]);
}, 480_000);
afterAll(async () => {
  await browser?.close();
  store?.stop();
});

async function shootBoth(page: Page, name: string) {
  for (const viewport of [VIEWPORTS.phone, VIEWPORTS.desktop]) {
    await page.setViewportSize(viewport);
    await screenshot(page, name);
  }
}

/** An in-stock single-variant product and its price (minor units). */
async function product(): Promise<{ sku: string; price: number; available: number }> {
  const list = (await (await fetch(`${store.baseUrl}/api/products?inStock=true&perPage=20`)).json()) as { items: { slug: string }[] };
  for (const { slug } of list.items) {
    const detail = (await (await fetch(`${store.baseUrl}/api/products/${slug}`)).json()) as {
      variants: { sku: string; stockStatus: string; price: { amount: number }; available?: number }[];
    };
    const v = detail.variants.find((x) => x.stockStatus === "in_stock");
    if (v) return { sku: v.sku, price: v.price.amount, available: v.available ?? 5 };
  }
  throw new Error("no product in stock");
}

const memberAvailable = async (page: Page) => Number(await page.locator('[data-testid="member-available"]').getAttribute("data-points"));
const numberIn = async (page: Page, selector: string) => Number((await page.locator(selector).first().innerText()).replace(/[^\d-]/g, ""));

describe("loyalty in the browser", () => {
  it("earn on a delivered order, see it, redeem at checkout without JavaScript, staff see the history and adjust", async () => {
    const { baseUrl } = store;
    const headers = { Origin: baseUrl };

    // Staff first lower the redeem minimum on the rules form, so one order's points can be used at once.
    const admin = await browser.newContext({ viewport: VIEWPORTS.desktop, baseURL: baseUrl });
    const ap = await admin.newPage();
    await ap.goto("/account/login?returnTo=%2Fadmin%2Floyalty");
    await signInOnPage(ap, ADMIN);
    await ap.waitForURL(/\/admin\/loyalty$/);
    await ap.getByLabel("Fewest points one order may redeem").fill("10");
    // No welcome bonus, so the balances below are the order's points alone.
    await ap.getByLabel("Sign-up bonus (points)").fill("0");
    await ap.getByRole("button", { name: "Save rules" }).click();
    await ap.waitForURL(/\/admin\/loyalty\?done=settings$/);
    expect(await ap.getByRole("status").first().innerText()).toBe("Rules saved.");
    expect(await ap.getByLabel("Fewest points one order may redeem").inputValue()).toBe("10");

    // The shopper's browser runs no JavaScript: every step below is a plain page or form.
    const shopper: BrowserContext = await browser.newContext({ viewport: VIEWPORTS.phone, baseURL: baseUrl, javaScriptEnabled: false });
    const page = await shopper.newPage();
    const registered = await signUpByRequest(page.request, store, SHOPPER);
    expect(registered.status()).toBe(201);
    const userId = ((await registered.json()) as { user: { id: string } }).user.id;

    // A first order of at least $50 (points are whole dollars paid), paid with the test provider.
    const item = await product();
    const quantity = Math.max(1, Math.min(Math.ceil(5000 / item.price), 9));
    expect((await page.request.post("/api/cart/items", { data: { sku: item.sku, quantity }, headers })).status()).toBe(200);
    const placed = await page.request.post("/api/checkout", {
      data: {
        shippingAddress: { fullName: "Pia Points", line1: "1 Market St", city: "San Francisco", region: "CA", postalCode: "94105", country: "US" },
        shippingOption: "standard",
      },
      headers,
    });
    expect(placed.status(), await placed.text()).toBe(201);
    const first = (await placed.json()) as { orderId: string; payment: { redirectUrl: string } };
    const paymentId = first.payment.redirectUrl.split("/").pop();
    expect((await page.request.post(`/api/checkout/test-payments/${paymentId}`, { data: { outcome: "succeeded" }, headers })).status()).toBe(200);

    await page.goto("/account/loyalty");
    const pending = await numberIn(page, '[data-testid="loyalty-pending"]');
    expect(pending).toBeGreaterThanOrEqual(50);
    expect(await numberIn(page, '[data-testid="loyalty-available"]')).toBe(0);

    // Shipped and delivered by staff; then the quarter-hourly cron runs as if 31 days had passed (the return
    // window is 30), which makes the points available.
    expect(
      (
        await admin.request.post(`/api/admin/orders/${first.orderId}/shipments`, { data: { carrier: "UPS", trackingNumber: "1ZLOYALTY0001" }, headers })
      ).status(),
    ).toBe(200);
    expect((await admin.request.post(`/api/admin/orders/${first.orderId}/delivered`, { data: {}, headers })).status()).toBe(200);
    const cron = await fetch(`${store.triggersUrl}/cdn-cgi/local/scheduled?cron=${encodeURIComponent("*/15 * * * *")}&time=${Date.now() + 31 * DAY}`);
    expect(cron.status, await cron.clone().text()).toBe(200);

    await page.goto("/account/loyalty");
    const earned = await numberIn(page, '[data-testid="loyalty-available"]');
    expect(earned).toBe(pending);
    expect(await numberIn(page, '[data-testid="loyalty-pending"]')).toBe(0);
    expect(await page.locator('tr[data-kind="mature"]').first().innerText()).toContain(`+${earned}`);
    await shootBoth(page, "loyalty-account");

    // A code on the cart: each line shows its share of the saving.
    const promo = await admin.request.post("/api/admin/promotions", { data: { name: "Five off", code: "FIVEOFF", kind: "percentage", value: 500 }, headers });
    expect(promo.status(), await promo.text()).toBe(201);
    expect((await page.request.post("/api/cart/items", { data: { sku: item.sku, quantity: 1 }, headers })).status()).toBe(200);
    await page.setViewportSize(VIEWPORTS.phone);
    await page.goto("/cart");
    await page.getByRole("textbox", { name: "Discount code" }).fill("fiveoff");
    await page.getByRole("button", { name: "Apply" }).click();
    await page.waitForURL(/\/cart$/);
    const saving = await page.locator("[data-line-saving]").innerText();
    expect(saving).toMatch(/^You save \$\d+\.\d\d on this line$/);
    expect(saving).toContain((await page.locator("[data-discount-line] dd").innerText()).replace("−", ""));
    await shootBoth(page, "loyalty-cart-line-saving");

    // Redeeming at checkout: the field shows the balance and the cap; a form post re-renders the totals.
    await page.setViewportSize(VIEWPORTS.phone);
    await page.goto("/checkout");
    const field = page.locator("[data-checkout-points]");
    expect(await field.locator("[data-points-available]").innerText()).toBe(`${earned.toLocaleString("en-US")} points`);
    await page.getByLabel("Full name").fill("Pia Points");
    await page.getByLabel("Address line 1").fill("1 Market St");
    await page.getByLabel("City").fill("San Francisco");
    await page.getByLabel("State").fill("CA");
    await page.getByLabel("ZIP code").fill("94105");

    // More than the balance: the field names the problem and nothing is taken off.
    await page.getByRole("textbox", { name: "Points to use" }).fill(String(earned + 1));
    await page.getByRole("button", { name: "Apply points" }).click();
    expect(await page.locator("#redeemPoints-error").innerText()).toMatch(/At most|Only/);
    expect(await page.locator("[data-points-line]").count()).toBe(0);

    const points = Math.min(earned, 25);
    await page.getByRole("textbox", { name: "Points to use" }).fill(String(points));
    await submitAndLoad(page, () => page.getByRole("button", { name: "Apply points" }).click());
    expect(await page.locator("[data-points-line] dt").innerText()).toBe(`Points redeemed (${points})`);
    expect(await page.locator("[data-points-line] dd").innerText()).toBe(`−$${(points / 100).toFixed(2)}`);
    // The address typed before the re-render is still there.
    expect(await page.getByLabel("City").inputValue()).toBe("San Francisco");
    await field.scrollIntoViewIfNeeded();
    await shootBoth(page, "loyalty-checkout-points");

    await page.getByRole("button", { name: "Place order and pay" }).click();
    await page.waitForURL(/\/checkout\/pay\/pay_/);
    await page.getByRole("button", { name: "Pay now" }).click();
    await page.waitForURL(/\/checkout\/complete\?order=ord_/);
    const secondId = new URL(page.url()).searchParams.get("order") as string;
    // The promotion and the points, each named.
    expect(await page.locator('[data-total-line="discount"]').allInnerTexts()).toEqual([
      expect.stringContaining("Five off (code FIVEOFF)"),
      expect.stringContaining(`Points redeemed (${points})`),
    ]);
    // The same two lines on the shopper's order page.
    await page.goto(`/account/orders/${secondId}`);
    expect(await page.locator('[data-total-line="discount"]').allInnerTexts()).toEqual([
      expect.stringContaining("Five off (code FIVEOFF)"),
      expect.stringContaining(`Points redeemed (${points})`),
    ]);

    await page.goto("/account/loyalty");
    expect(await numberIn(page, '[data-testid="loyalty-available"]')).toBe(earned - points);
    expect(await page.locator('tr[data-kind="redeem"]').first().innerText()).toContain(`-${points}`);

    // Staff: from the customer's page to their points, the whole history, and an adjustment with a reason.
    await ap.goto(`/admin/users/${userId}`);
    await ap.getByRole("link", { name: "Points balance and history" }).click();
    await ap.waitForURL(new RegExp(`/admin/loyalty\\?user=${userId}$`));
    const history = ap.locator('[data-testid="member-history"]');
    // The cron wrote the "now available" line at the time it was run for (31 days on), so it sorts first; the
    // second order redeemed points and, once paid, earned its own (pending).
    expect(await history.locator("tbody tr").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-kind")))).toEqual(["mature", "earn", "redeem", "earn"]);
    expect(await memberAvailable(ap)).toBe(earned - points);

    // A reason is required: the form says so next to the field.
    await ap.getByLabel("Points (negative to take off)").fill("40");
    await ap.getByRole("button", { name: "Adjust points" }).click();
    expect(await ap.locator("#adjust-reason + .field-error, #adjust-reason ~ .field-error").first().innerText()).toBe("Give a reason");
    await ap.getByLabel("Points (negative to take off)").fill("40");
    await ap.getByLabel("Reason (the member sees it)").fill("Sorry for the late parcel");
    await ap.getByRole("button", { name: "Adjust points" }).click();
    await ap.waitForURL(/done=adjusted$/);
    expect(await memberAvailable(ap)).toBe(earned - points + 40);
    expect(await history.locator('tr[data-kind="adjust"]').innerText()).toMatch(/Adjusted by the store[\s\S]*Sorry for the late parcel[\s\S]*\+40/);
    await shootBoth(ap, "loyalty-admin");

    await page.goto("/account/loyalty");
    expect(await numberIn(page, '[data-testid="loyalty-available"]')).toBe(earned - points + 40);
    expect(await page.locator('tr[data-kind="adjust"]').first().innerText()).toContain("Sorry for the late parcel");
    const pendingSecond = await numberIn(page, '[data-testid="loyalty-pending"]');
    expect(pendingSecond).toBeGreaterThan(0);

    // The confirmation email names the promotion and the points too (staff's view of the outbox).
    // The email queue's consumer writes it after the payment: until then the page is a 404, so look again.
    const confirmation = ap.locator("pre.admin-email-text");
    await expect
      .poll(
        async () => {
          await ap.goto(`/admin/emails/order-confirmed:${secondId}`);
          return confirmation.count();
        },
        { timeout: 20_000, interval: 500 },
      )
      .toBe(1);
    const mail = await confirmation.innerText();
    expect(mail).toContain("Five off (code FIVEOFF)");
    expect(mail).toContain(`Points redeemed (${points})`);

    // Staff refund the second order in full: its earned points are taken back and the redeemed ones returned.
    await ap.goto(`/admin/orders/${secondId}`);
    await ap.locator("#refund-reason").fill("Customer changed their mind");
    await ap.getByLabel("Yes, send this refund").check();
    await submitAndLoad(ap, () => ap.getByRole("button", { name: "Refund", exact: true }).click());
    expect(await ap.getByRole("status").first().innerText()).toContain("Refund sent");
    await page.goto("/account/loyalty");
    expect(await numberIn(page, '[data-testid="loyalty-available"]')).toBe(earned + 40);
    expect(await numberIn(page, '[data-testid="loyalty-pending"]')).toBe(0);
    expect(await page.locator('tr[data-kind="return"]').first().innerText()).toContain(`+${points}`);
    expect(await page.locator('tr[data-kind="reverse"]').first().innerText()).toContain(`-${pendingSecond}`);
    await shootBoth(page, "loyalty-after-refund");
    await admin.close();
    await shopper.close();
  }, 300_000);
});
