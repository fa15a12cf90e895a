// biome-ignore-all lint/performance/useDomNodeTextContent: Playwright's Locator.innerText() reads the rendered text on purpose (what a person sees).
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, screenshot, VIEWPORTS } from "./browser";
import { cookieHeader, signUpByApi } from "./sign-up";
import { signInByRequest, signInOnPage } from "./staff-sign-in";
import { startStore } from "./store";

// The security settings page, the admin header's "(read-only)", and a guest's order page whose token never
// leaves its own address. Its own store in this file's port block.
const PORT = Number(process.env.E2E_PORT ?? 8790) + 2;
const ADMIN = { email: "security-admin@example.test", password: "security desk password 17" };
const ADDRESS = { fullName: "Gus Guest", line1: "500 Howard St", city: "San Francisco", region: "CA", postalCode: "94105", country: "US" };

let browser: Browser;
let store: Awaited<ReturnType<typeof startStore>>;
let adminContext: BrowserContext;
let adminCookie = "";

beforeAll(async () => {
  [browser, store] = await Promise.all([launchBrowser(), startStore({ port: PORT, products: 6, admin: ADMIN })]);
  // One staff sign-in (with its authenticator code) for the file: the admin's pages run without JavaScript.
  adminContext = await browser.newContext({ viewport: VIEWPORTS.desktop, baseURL: store.baseUrl, javaScriptEnabled: false });
  expect(await signInByRequest(adminContext.request, ADMIN, store.baseUrl)).toBe(200);
  adminCookie = (await adminContext.cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
}, 300_000);
afterAll(async () => {
  await browser?.close();
  store?.stop();
});

/** A JSON call with a cookie jar of its own (the guest's cart, or a signed-in session). */
function client(cookie = "") {
  let jar = cookie;
  return async (path: string, method = "GET", body?: unknown) => {
    const res = await fetch(`${store.baseUrl}${path}`, {
      method,
      headers: { "Content-Type": "application/json", Origin: store.baseUrl, ...(jar ? { Cookie: jar } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const set = cookieHeader(res);
    if (set) jar = [jar, set].filter(Boolean).join("; ");
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
}

async function adminPage(viewport: (typeof VIEWPORTS)[keyof typeof VIEWPORTS]): Promise<Page> {
  const page = await adminContext.newPage();
  await page.setViewportSize(viewport);
  return page;
}

describe("/admin/settings/security (no JavaScript needed)", () => {
  it("an admin sets how long guests' order links work: a bad value is named beside the field, a good one is saved and audited", async () => {
    const page = await adminPage(VIEWPORTS.desktop);
    await page.goto("/admin/settings");
    await page.getByRole("link", { name: "Security", exact: true }).click();
    await page.waitForURL(/\/admin\/settings\/security$/);
    const days = page.getByLabel("Guests' order links work for (days)");
    expect(await days.inputValue()).toBe("90");
    expect(await page.getByLabel("Staff must use a second factor").isChecked()).toBe(true);
    await screenshot(page, "admin-settings-security");

    await days.fill("0");
    await page.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => page.getByRole("alert").first().innerText()).toContain("Guests' order links work for (days)");
    expect(await days.getAttribute("aria-invalid")).toBe("true");
    expect(await days.inputValue()).toBe("0");
    expect(await page.locator("#field-guestLinkDays-error").innerText()).toContain("At least 1 day");
    await screenshot(page, "admin-settings-security-error");

    await days.fill("30");
    await page.getByRole("button", { name: "Save" }).click();
    await page.waitForURL(/done=saved$/);
    expect(await page.getByRole("status").first().innerText()).toContain("The security settings are saved");
    expect(await days.inputValue()).toBe("30");
    // The rest kept its value (the form sends every field).
    expect(await page.getByLabel("Staff must use a second factor").isChecked()).toBe(true);
    expect(await page.getByLabel(/^Refunds that need a fresh code/).inputValue()).toBe("100.00");

    const admin = client(adminCookie);
    const audit = await admin("/api/admin/audit?action=settings.security");
    expect(audit.status).toBe(200);
    const entry = audit.body.items[0];
    expect(entry).toMatchObject({ action: "settings.security", actorEmail: ADMIN.email });
    expect(JSON.stringify(entry)).toContain('"guestLinkDays":30');

    await page.setViewportSize(VIEWPORTS.phone);
    await screenshot(page, "admin-settings-security");
    await page.close();
  }, 120_000);
});

describe("the admin header", () => {
  it('names the role; "(read-only)" only for staff who may change nothing at all', async () => {
    const admin = await adminPage(VIEWPORTS.desktop);
    await admin.goto("/admin/orders");
    const adminWho = await admin.locator(".admin-who").innerText();
    expect(adminWho).toContain("admin");
    expect(adminWho).not.toContain("(read-only)");
    await admin.close();

    const READER = { email: "reader-desk@example.test", password: "reader desk password 23", name: "Rita Reader" };
    const signedUp = await signUpByApi(store, READER);
    expect(signedUp.status).toBe(201);
    const readerId = ((await signedUp.json()) as { user: { id: string } }).user.id;
    const api = client(adminCookie);
    expect((await api(`/api/admin/users/${readerId}/role`, "PUT", { role: "support" })).status).toBe(200);

    const context = await browser.newContext({ viewport: VIEWPORTS.phone, baseURL: store.baseUrl });
    const page = await context.newPage();
    await page.goto("/account/login?returnTo=%2Fadmin%2Forders");
    await signInOnPage(page, READER);
    await page.waitForURL(/\/admin\/orders$/);
    // Support holds the "support" permission: the role's name, nothing more.
    let who = await page.locator(".admin-who").innerText();
    expect(who).toContain("support");
    expect(who).not.toContain("(read-only)");

    // A staff role that grants nothing: now the header says so (it applies at the next request).
    const role = await api("/api/admin/staff-roles", "POST", { name: "Look, don't touch", permissions: [] });
    expect(role.status, JSON.stringify(role.body)).toBe(201);
    expect((await api(`/api/admin/users/${readerId}/staff-role`, "PUT", { roleId: role.body.id })).status).toBe(200);
    await page.reload();
    who = await page.locator(".admin-who").innerText();
    expect(who).toContain("support (read-only)");
    await screenshot(page, "admin-header-read-only");
    await context.close();
  }, 120_000);
});

describe("a guest's order page keeps the link's token out of every other URL", () => {
  it("no link, form or request the page makes carries the token, nor a Referer; returns and help work through the cookie", async () => {
    // A guest buys one unit (test provider).
    const list = (await (await fetch(`${store.baseUrl}/api/products?inStock=true&perPage=20`)).json()) as { items: { slug: string }[] };
    let sku = "";
    for (const { slug } of list.items) {
      const detail = (await (await fetch(`${store.baseUrl}/api/products/${slug}`)).json()) as { variants: { sku: string; stockStatus: string }[] };
      const variant = detail.variants.find((v) => v.stockStatus === "in_stock");
      if (variant) {
        sku = variant.sku;
        break;
      }
    }
    expect(sku).not.toBe("");
    const guest = client();
    expect((await guest("/api/cart/items", "POST", { sku, quantity: 1 })).status).toBe(200);
    const placed = await guest("/api/checkout", "POST", { email: "token-guest@example.test", shippingAddress: ADDRESS, shippingOption: "standard" });
    expect(placed.status).toBe(201);
    const paymentId = (placed.body.payment.redirectUrl as string).split("/").pop();
    expect((await guest(`/api/checkout/test-payments/${paymentId}`, "POST", { outcome: "succeeded" })).status).toBe(200);
    const orderId = placed.body.orderId as string;
    const orderUrl = new URL(placed.body.orderUrl as string);
    const token = orderUrl.searchParams.get("token") as string;
    expect(token.length).toBeGreaterThan(20);
    const context = await browser.newContext({ viewport: VIEWPORTS.phone, baseURL: store.baseUrl });
    const page = await context.newPage();
    const seen: { url: string; referer: string }[] = [];
    page.on("request", (request) => seen.push({ url: request.url(), referer: request.headers().referer ?? "" }));

    await page.goto(orderUrl.pathname + orderUrl.search);
    await expect.poll(() => page.getByRole("heading", { level: 1 }).innerText()).toMatch(/^Order /);
    // While the order is under way, the live island polls with the token in a header; wait for one poll.
    await expect.poll(() => seen.some((r) => r.url.includes(`/api/orders/${orderId}/tracking`)), { timeout: 20_000 }).toBe(true);

    // The store ships and delivers it; the page (reloaded by the address bar's link) now offers a return.
    const admin = client(adminCookie);
    expect((await admin(`/api/admin/orders/${orderId}/shipments`, "POST", { carrier: "UPS", trackingNumber: "1ZTOKENLESS01" })).status).toBe(200);
    expect((await admin(`/api/admin/orders/${orderId}/delivered`, "POST", {})).status).toBe(200);
    await page.reload();
    await expect.poll(() => page.getByRole("link", { name: "Return items" }).count()).toBe(1);
    const targets = await page.evaluate(() =>
      [...document.querySelectorAll("a[href], form[action], link[href], script[src], img[src], iframe[src]")].map(
        (el) => el.getAttribute("href") ?? el.getAttribute("action") ?? el.getAttribute("src") ?? "",
      ),
    );
    expect(targets.length).toBeGreaterThan(5);
    expect(targets.filter((t) => t.includes(token))).toEqual([]);
    const cookie = (await context.cookies()).find((c) => c.name === "__Host-order-access");
    expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: "Lax" });
    await screenshot(page, "order-guest-tokenless-links");

    await page.getByRole("link", { name: "Return items" }).click();
    await page.waitForURL(new RegExp(`/orders/${orderId}/returns$`));
    await expect.poll(() => page.getByRole("heading", { level: 1 }).innerText()).toBe("Return items");
    await page.goBack();
    await page.getByRole("link", { name: "Get help with this order" }).click();
    await page.waitForURL(new RegExp(`/support\\?order=${orderId}$`));
    await page.getByLabel("Your email").fill("token-guest@example.test");
    await page.getByLabel("Subject").fill("Where is the receipt?");
    await page.getByLabel("Message").fill("I would like a receipt for this order, please.");
    await page.getByRole("button", { name: "Send" }).click();
    // The ticket was linked to the order: the token came from the cookie, not the URL.
    await expect.poll(() => page.getByRole("status").first().innerText()).toContain("Thank you");
    const tickets = await admin("/api/admin/support/tickets?perPage=50");
    expect(JSON.stringify(tickets.body)).toContain(orderId);

    // The emailed link itself (opened, then reloaded) is the only address with the token.
    const link = orderUrl.pathname + orderUrl.search;
    const leaks = seen.filter((r) => new URL(r.url).pathname + new URL(r.url).search !== link && (r.url.includes(token) || r.referer.includes(token)));
    expect(leaks).toEqual([]);
    expect(seen.filter((r) => r.referer.includes(token))).toEqual([]);
    await context.close();
  }, 180_000);
});
