import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codeFor } from "../support/second-factor";
import { launchBrowser, screenshot, VIEWPORTS } from "./browser";
import { signInOnPage } from "./staff-sign-in";
import { signUpByApi } from "./sign-up";
import { startStore } from "./store";

// Its own store in this file's port slot (E2E_PORT + 62 by default).
const PORT = Number(process.env.E2E_STAFF_PERMISSIONS_PORT ?? Number(process.env.E2E_PORT ?? 8790) + 58);
const ADMIN = { email: "roles-admin@example.test", password: "roles admin password 77" };
const CLERK = { email: "catalog-clerk@example.test", password: "catalog clerk password 31", name: "Cat Clerk" };

let browser: Browser;
let store: Awaited<ReturnType<typeof startStore>>;

beforeAll(async () => {
  browser = await launchBrowser();
  store = await startStore({ port: PORT, products: 3, admin: ADMIN });
}, 300_000);
afterAll(async () => {
  await browser?.close();
  await store?.stop();
});

/** A paid guest order placed through the API, as the shop's own pages would. */
async function paidOrder(context: BrowserContext): Promise<string> {
  const headers = { Origin: store.baseUrl };
  const list = (await (await context.request.get("/api/products?inStock=true&perPage=50")).json()) as { items: { slug: string }[] };
  for (const { slug } of list.items) {
    const detail = (await (await context.request.get(`/api/products/${slug}`)).json()) as { variants: { sku: string; stockStatus: string }[] };
    const variant = detail.variants.find((v) => v.stockStatus === "in_stock");
    if (!variant) continue;
    expect((await context.request.post("/api/cart/items", { data: { sku: variant.sku, quantity: 1 }, headers })).status()).toBe(200);
    const placed = await context.request.post("/api/checkout", {
      data: {
        email: "cancel-form@example.test",
        shippingAddress: { fullName: "Ada", line1: "1 Market St", city: "San Francisco", region: "CA", postalCode: "94105", country: "US" },
        shippingOption: "standard",
      },
      headers,
    });
    expect(placed.status()).toBe(201);
    const body = (await placed.json()) as { orderId: string; payment: { redirectUrl: string } };
    const paymentId = body.payment.redirectUrl.split("/").pop();
    expect((await context.request.post(`/api/checkout/test-payments/${paymentId}`, { data: { outcome: "succeeded" }, headers })).status()).toBe(200);
    return body.orderId;
  }
  throw new Error("no product in stock");
}

const navLinks = async (page: Page) =>
  (await page.getByRole("navigation", { name: "Admin sections" }).getByRole("link").allTextContents()).map((t) => t.trim()).filter((t) => t.length > 0);

describe("staff roles by permission: /admin/settings/roles and the admin navigation", () => {
  it("with an old factor the cancel and role forms ask for a code; an admin creates a role, gives it to a staff member, who sees only the sections they may open", async () => {
    // The clerk starts as a shopper; the admin makes them staff below.
    const registered = await signUpByApi(store, CLERK, { "CF-Connecting-IP": "198.51.100.71" });
    expect(registered.status).toBe(201);
    const clerkId = ((await registered.json()) as { user: { id: string } }).user.id;

    const admin = await browser.newContext({ viewport: VIEWPORTS.desktop, baseURL: store.baseUrl, javaScriptEnabled: false });
    const page = await admin.newPage();
    await page.goto("/account/login?returnTo=%2Fadmin");
    await signInOnPage(page, ADMIN);
    await page.waitForURL(/\/admin$/);
    const signedInAt = Date.now();
    // Sensitive changes need a factor from the last minute (the smallest setting), so the sign-in's code goes stale quickly.
    const shorter = await page.request.patch("/api/admin/settings/security", { data: { reauthMinutes: 1 }, headers: { Origin: store.baseUrl } });
    expect(shorter.status()).toBe(200);
    expect(await navLinks(page)).toEqual(expect.arrayContaining(["Overview", "Settings", "Audit log", "Analytics"]));
    const shopper = await browser.newContext({ baseURL: store.baseUrl });
    const orderId = await paidOrder(shopper);
    await shopper.close();
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, signedInAt + 62_000 - Date.now())));

    await page.goto("/admin/settings/roles");
    const create = page.getByRole("region", { name: "New staff role" });
    await create.getByLabel("Name").fill("Catalog desk");
    await create.locator('input[name="permissions"][value="catalog"]').check();
    await create.locator('input[name="permissions"][value="inventory"]').check();
    await create.getByRole("button", { name: /Create/ }).click();
    // Refused until the code is typed: the field says so, nothing was created.
    await expect
      .poll(() =>
        page
          .getByText(/Confirm it is you/)
          .first()
          .isVisible(),
      )
      .toBe(true);
    expect(await page.getByTestId("staff-roles").getByRole("rowheader", { name: "Catalog desk" }).count()).toBe(0);
    await screenshot(page, "staff-roles-reauth-1280");
    await page.setViewportSize(VIEWPORTS.phone);
    await screenshot(page, "staff-roles-reauth-390");
    await page.setViewportSize(VIEWPORTS.desktop);

    // A staff cancel moves stock and money back: with the factor old, the order page's cancel form asks for a code.
    await page.goto(`/admin/orders/${orderId}`);
    const cancel = page.getByRole("form", { name: "Cancel order" });
    await cancel.getByLabel("Reason").fill("customer asked by phone");
    await cancel.getByRole("checkbox").check();
    const [refused] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === "POST"),
      cancel.getByRole("button", { name: "Cancel order" }).click(),
    ]);
    expect(refused.status()).toBe(403);
    await expect.poll(() => page.locator("#cancel-reauth-error").textContent()).toMatch(/code/i);
    expect((await (await page.request.get(`/api/admin/orders/${orderId}`)).json()).status).toBe("paid");
    await screenshot(page, "staff-cancel-reauth-1280");
    // Back to the default window, so the code typed next covers the rest of this test however slow the machine.
    expect((await page.request.patch("/api/admin/settings/security", { data: { reauthMinutes: 10 }, headers: { Origin: store.baseUrl } })).status()).toBe(200);
    const again = page.getByRole("form", { name: "Cancel order" });
    await again.getByLabel("Reason").fill("customer asked by phone");
    await again.getByRole("checkbox").check();
    await again.getByLabel("Code from your authenticator").fill(await codeFor(ADMIN.email));
    await again.getByRole("button", { name: "Cancel order" }).click();
    await page.waitForURL(/done=cancel/);
    expect((await (await page.request.get(`/api/admin/orders/${orderId}`)).json()).status).toBe("cancelled");
    // That code made this session's factor fresh again: the role form below takes it without asking.
    await page.goto("/admin/settings/roles");

    const retry = page.getByRole("region", { name: "New staff role" });
    await retry.getByLabel("Name").fill("Catalog desk");
    await retry.locator('input[name="permissions"][value="catalog"]').check();
    await retry.locator('input[name="permissions"][value="inventory"]').check();
    await retry.getByRole("button", { name: /Create/ }).click();
    await expect.poll(() => page.getByRole("status").first().textContent()).toContain("Staff role created");
    expect(
      await page
        .getByTestId("staff-roles")
        .getByRole("row", { name: /Catalog desk/ })
        .textContent(),
    ).toContain("catalog, inventory");

    // Make the shopper a support member, then give them the new role (the factor is fresh now: no code asked).
    await page.goto(`/admin/users/${clerkId}`);
    await page.getByLabel("Role", { exact: true }).selectOption("support");
    await page.getByRole("button", { name: "Change role" }).click();
    await page.waitForURL(/done=role/);
    await page.getByLabel("Staff role").selectOption({ label: "Catalog desk" });
    await page.getByRole("button", { name: "Change staff role" }).click();
    await page.waitForURL(/done=staff-role/);
    expect(await page.getByTestId("user-staff-role").textContent()).toBe("Catalog desk");
    await admin.close();

    for (const viewport of [VIEWPORTS.phone, VIEWPORTS.desktop]) {
      const context = await browser.newContext({ viewport, baseURL: store.baseUrl, javaScriptEnabled: false });
      const clerk = await context.newPage();
      await clerk.goto("/account/login?returnTo=%2Fadmin%2Fproducts");
      await signInOnPage(clerk, CLERK);
      await clerk.waitForURL(/\/admin\/products$/);
      const links = await navLinks(clerk);
      // What the role adds (catalog, inventory) and what every support member reads; nothing they would be refused.
      expect(links).toEqual(expect.arrayContaining(["Products", "Categories", "Reviews", "Inventory", "Orders", "Customers", "Support"]));
      for (const hidden of ["Overview", "Analytics", "Settings", "Audit log"]) expect(links).not.toContain(hidden);
      await screenshot(clerk, `staff-permissions-nav-${viewport.width}`);
      for (const refused of ["/admin", "/admin/settings", "/admin/audit", "/admin/analytics"]) {
        expect((await clerk.goto(refused))?.status(), refused).toBe(403);
      }
      for (const allowed of ["/admin/inventory", "/admin/categories"]) {
        expect((await clerk.goto(allowed))?.status(), allowed).toBe(200);
      }
      await context.close();
    }
  }, 240_000);
});
