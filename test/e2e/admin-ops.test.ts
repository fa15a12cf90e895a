import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, screenshot, submitAndLoad, VIEWPORTS } from "./browser";
import { cookieHeader, signUpByApi } from "./sign-up";
import { signInOnPage } from "./staff-sign-in";
import { startStore } from "./store";

// Its own store (with an admin account) on a port of this branch's range.
const PORT = Number(process.env.E2E_ADMIN_OPS_PORT ?? Number(process.env.E2E_PORT ?? 8790) + 18);
const ADMIN = { email: "ops-admin@example.test", password: "ops admin correct horse battery" };
const ADDRESS = { fullName: "Ada Lovelace", line1: "1 Market St", city: "San Francisco", region: "CA", postalCode: "94105", country: "US" };

let store: Awaited<ReturnType<typeof startStore>>;
let browser: Browser;

/** A JSON client with its own cookie jar (a shopper in another browser). */
function client(baseUrl: string, signedIn = "") {
  let cookie = signedIn;
  return async (path: string, method = "GET", body?: unknown) => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { "Content-Type": "application/json", Origin: baseUrl, ...(cookie ? { Cookie: cookie } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
      redirect: "manual",
    });
    const set = res.headers
      .getSetCookie()
      .map((c) => c.split(";")[0])
      .filter((c) => c && !c.endsWith("="));
    if (set.length) cookie = [cookie, ...set].filter(Boolean).join("; ");
    return res;
  };
}

/** A paid order through the checkout API and the test provider, so the overview has revenue. */
async function placePaidOrder(baseUrl: string, sku: string) {
  const api = client(baseUrl);
  expect((await api("/api/cart/items", "POST", { sku, quantity: 1 })).status).toBe(200);
  const placed = (await (await api("/api/checkout", "POST", { email: "buyer@example.test", shippingAddress: ADDRESS, shippingOption: "standard" })).json()) as {
    payment: { redirectUrl: string };
  };
  const paid = await api(`/api/checkout/test-payments/${placed.payment.redirectUrl.split("/").pop()}`, "POST", { outcome: "succeeded" });
  expect(((await paid.json()) as { orderStatus: string }).orderStatus).toBe("paid");
}

async function shootBoth(page: Page, name: string) {
  for (const viewport of [VIEWPORTS.phone, VIEWPORTS.desktop]) {
    await page.setViewportSize(viewport);
    await screenshot(page, name);
  }
  await page.setViewportSize(VIEWPORTS.desktop);
}

beforeAll(async () => {
  store = await startStore({ port: PORT, admin: ADMIN, products: 40 });
  browser = await launchBrowser();
}, 300_000);
afterAll(async () => {
  await browser?.close();
  store?.stop();
});

describe("admin operations", () => {
  it("an admin sees the overview with its chart, adjusts a SKU with a reason and sees the movement, disables a user, and finds it all in the audit log", async () => {
    const { baseUrl } = store;
    const list = (await (await fetch(`${baseUrl}/api/products?inStock=true&perPage=20`)).json()) as { items: { slug: string }[] };
    let sku = "";
    for (const { slug } of list.items) {
      const detail = (await (await fetch(`${baseUrl}/api/products/${slug}`)).json()) as { variants: { sku: string; stockStatus: string }[] };
      const v = detail.variants.find((x) => x.stockStatus === "in_stock");
      if (v) {
        sku = v.sku;
        break;
      }
    }
    expect(sku).not.toBe("");
    await placePaidOrder(baseUrl, sku);
    // A customer to disable, signed in elsewhere.
    const email = `disable-me-${Date.now()}@example.test`;
    const signedUp = await signUpByApi(store, { email, password: "a long enough password 123", name: "Disable Me" });
    expect(signedUp.status).toBe(201);
    const customer = client(baseUrl, cookieHeader(signedUp));
    expect((await customer("/api/me")).status).toBe(200);

    const context = await browser.newContext({ viewport: VIEWPORTS.desktop, baseURL: baseUrl });
    const page = await context.newPage();
    await page.goto("/admin");
    await page.waitForURL(/\/account\/login\?returnTo=%2Fadmin$/);
    await signInOnPage(page, ADMIN);
    await page.waitForURL(/\/admin$/);

    // Overview: the figures and the chart, with its accessible name and a data table.
    expect(await page.getByRole("heading", { level: 1 }).innerText()).toBe("Overview");
    expect(await page.locator("[data-kpi=revenue-today]").innerText()).not.toBe("$0.00");
    const chart = page.getByRole("img", { name: /Revenue, last 30 days/ });
    await chart.waitFor();
    expect(await page.locator(".admin-chart-bars rect").count()).toBe(30);
    expect(await page.locator("#revenue-chart-desc").textContent()).toMatch(/from 1 orders? in total/);
    await shootBoth(page, "admin-overview");

    // Inventory: find the SKU, adjust with a reason, see the movement.
    await page.getByRole("link", { name: "Inventory" }).click();
    await page.waitForURL(/\/admin\/inventory$/);
    await page.getByLabel("SKU or product").fill(sku);
    await page.getByRole("button", { name: "Search" }).click();
    await shootBoth(page, "admin-inventory");
    await page.getByRole("link", { name: sku, exact: true }).click();
    await page.waitForURL(new RegExp(`/admin/inventory/${sku}$`));
    const onHand = Number(await page.locator("[data-stock=onHand]").innerText());
    // A mistake first: the errors show next to the fields.
    await page.getByLabel("Change (units)").fill("lots");
    await page.getByRole("button", { name: "Adjust stock" }).click();
    expect(await page.locator("#field-delta-error").innerText()).toMatch(/whole number/);
    expect(await page.locator("#field-reason-error").innerText()).toMatch(/at least 3/);
    expect(await page.getByLabel("Change (units)").getAttribute("aria-invalid")).toBe("true");
    await shootBoth(page, "admin-inventory-sku-errors");
    await page.getByLabel("Change (units)").fill("12");
    await page.getByLabel("Reason").fill("Delivery from the e2e supplier");
    await page.getByRole("button", { name: "Adjust stock" }).click();
    await page.waitForURL(/\?done=adjusted$/);
    expect(Number(await page.locator("[data-stock=onHand]").innerText())).toBe(onHand + 12);
    const newest = page.locator("[data-testid=movements] tbody tr").first();
    expect(await newest.innerText()).toMatch(/Adjusted\s+\+12[\s\S]*Delivery from the e2e supplier/);
    await shootBoth(page, "admin-inventory-sku");

    // Users: find the customer, disable after confirming; their session ends at once.
    await page.getByRole("link", { name: "Customers" }).click();
    await page.getByLabel("Email or name").fill(email);
    await submitAndLoad(page, () => page.getByRole("button", { name: "Search" }).click());
    await shootBoth(page, "admin-users");
    await page.getByRole("link", { name: "Disable Me" }).click();
    await page.getByRole("link", { name: "Disable account…" }).click();
    await page.getByRole("heading", { name: `Disable ${email}?` }).waitFor();
    await shootBoth(page, "admin-user-confirm");
    await page.getByRole("button", { name: "Yes, disable the account" }).click();
    await page.waitForURL(/\?done=disabled$/);
    expect(await page.getByTestId("user-status").innerText()).toBe("disabled");
    expect((await customer("/api/me")).status).toBe(401);
    await shootBoth(page, "admin-user");

    // The audit log has both writes, newest first, with before → after.
    await page.getByRole("link", { name: "Audit log" }).click();
    const rows = page.locator("[data-testid=audit-table] tbody tr");
    expect(await rows.nth(0).innerText()).toMatch(/user\.disable[\s\S]*active[\s\S]*disabled/);
    expect(await rows.nth(1).innerText()).toMatch(/inventory\.adjust/);
    await shootBoth(page, "admin-audit");
    await page.getByLabel("Action").fill("inventory.");
    await submitAndLoad(page, () => page.getByRole("button", { name: "Search" }).click());
    expect(await rows.count()).toBe(1);
    await context.close();
  }, 120_000);

  it("an admin makes a customer support staff; support then reads customers but cannot change them or open admin-only pages", async () => {
    const { baseUrl } = store;
    const email = `future-support-${Date.now()}@example.test`;
    const password = "support staff long password 42";
    expect((await signUpByApi(store, { email, password, name: "Future Support" })).status).toBe(201);

    const admin = await browser.newContext({ viewport: VIEWPORTS.desktop, baseURL: baseUrl });
    const page = await admin.newPage();
    await page.goto("/admin/users");
    await signInOnPage(page, ADMIN);
    await page.waitForURL(/\/admin\/users$/);
    await page.getByLabel("Email or name").fill("future-support");
    await page.getByRole("button", { name: "Search" }).click();
    await page.getByRole("link", { name: "Future Support" }).click();
    const userId = decodeURIComponent(new URL(page.url()).pathname.split("/").pop() ?? "");
    await page.getByLabel("Role").selectOption("support");
    const posted = page.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname === `/admin/users/${userId}`);
    await page.getByRole("button", { name: "Change role" }).click();
    const answer = await posted;
    await page.waitForURL(/\?done=role$/);
    expect(await page.getByTestId("user-role-badge").innerText()).toBe("support");
    // The page's audit entry carries the request id its answer was given, as an API write's does.
    const requestId = await answer.headerValue("x-request-id");
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    const audit = await page.request.get(`/api/admin/audit?action=user.role&entityId=${encodeURIComponent(userId)}`);
    expect(audit.status()).toBe(200);
    const entries = ((await audit.json()) as { items: { requestId: string | null; actorEmail: string; after: { role: string } }[] }).items;
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ requestId, actorEmail: ADMIN.email, after: { role: "support" } });
    await admin.close();

    const support = await browser.newContext({ viewport: VIEWPORTS.desktop, baseURL: baseUrl });
    const sp = await support.newPage();
    await sp.goto("/account/login");
    await signInOnPage(sp, { email: email, password: password });
    await sp.waitForURL((url) => !url.pathname.startsWith("/account/login"));
    expect((await sp.goto("/admin"))?.status()).toBe(403);
    expect((await sp.goto("/admin/inventory"))?.status()).toBe(403);
    expect((await sp.goto("/admin/audit"))?.status()).toBe(403);
    expect((await sp.goto("/admin/users"))?.status()).toBe(200);
    expect(await sp.getByRole("navigation", { name: "Admin sections" }).innerText()).not.toMatch(/Inventory|Audit log/);
    await sp.getByRole("link", { name: "ops-admin" }).click();
    await sp.getByRole("heading", { name: "Profile" }).waitFor();
    expect(await sp.getByRole("heading", { name: "Manage access" }).count()).toBe(0);
    // Posting the form anyway is refused on the server.
    const post = await sp.request.post(sp.url(), { form: { intent: "disable" }, headers: { Origin: baseUrl }, maxRedirects: 0 });
    expect(post.status()).toBe(403);
    expect(await post.text()).toMatch(/does not have the "customers" permission/);
    await shootBoth(sp, "admin-user-support-view");
    await support.close();
  }, 120_000);
});
