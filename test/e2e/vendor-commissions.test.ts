import { readdirSync } from "node:fs";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import type { Browser, BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, screenshot, VIEWPORTS } from "./browser";
import { signUpByRequest } from "./sign-up";
import { signInByRequest, signInOnPage } from "./staff-sign-in";
import { startStore } from "./store";

// Its own store inside this file's port block: its rules, sales and ledger are its own.
const STORE_PORT = Number(process.env.E2E_PORT ?? 8790) + 9;
const ADMIN = { email: "rules-admin@example.test", password: "rules admin passphrase 7" };
const SELLER = { email: "glassblower@example.test", password: "furnace and pipe passphrase 3", name: "Gil Glass" };

let store: Awaited<ReturnType<typeof startStore>>;
let browser: Browser;
let desk: BrowserContext;
let vendorId: string;
let product: { id: string; name: string; categoryId: string; sku: string; price: number };

/** One row of the served store's local D1, read-only (what a developer would look at with sqlite3). */
function queryStore<T>(sql: string, ...args: string[]): T[] {
  const dir = path.join(store.persist, "v3/d1/miniflare-D1DatabaseObject");
  const file = readdirSync(dir).find((f) => f.endsWith(".sqlite") && f !== "metadata.sqlite");
  if (!file) throw new Error(`no D1 database under ${dir}`);
  const db = new DatabaseSync(path.join(dir, file), { readOnly: true });
  try {
    return db.prepare(sql).all(...args) as T[];
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  [store, browser] = await Promise.all([startStore({ port: STORE_PORT, products: 4, admin: ADMIN }), launchBrowser()]);
  const origin = { Origin: store.baseUrl };
  const seller = await browser.newContext({ baseURL: store.baseUrl });
  expect((await signUpByRequest(seller.request, store, SELLER)).status()).toBe(201);
  const applied = await seller.request.post("/api/vendor-applications", {
    data: { name: "Gil's Glass", handle: "gils-glass", contactEmail: SELLER.email, country: "US", description: "Blown glass tumblers and vases." },
    headers: origin,
  });
  expect(applied.status()).toBe(201);
  vendorId = ((await applied.json()) as { id: string }).id;
  await seller.close();
  desk = await browser.newContext({ viewport: VIEWPORTS.desktop, baseURL: store.baseUrl });
  expect(await signInByRequest(desk.request, ADMIN, store.baseUrl)).toBe(200);
  expect((await desk.request.post(`/api/admin/vendors/${vendorId}/approve`, { data: {}, headers: origin })).status()).toBe(200);
  // One of the demo products becomes the seller's (the product form's vendor field).
  const first = ((await (await desk.request.get("/api/admin/products?perPage=1")).json()) as { items: { id: string }[] }).items[0];
  const form = await desk.newPage();
  await form.goto(`/admin/products/${first?.id}`);
  await form.getByLabel("Vendor id").fill(vendorId);
  await form.getByRole("button", { name: "Save changes" }).click();
  await form.waitForURL(/\?saved=updated$/);
  await form.close();
  const detail = (await (await desk.request.get(`/api/admin/products/${first?.id}`)).json()) as {
    id: string;
    name: string;
    category: { id: string; name: string };
    vendorId: string | null;
    variants: { sku: string; price: number }[];
  };
  expect(detail.vendorId).toBe(vendorId);
  product = { id: detail.id, name: detail.name, categoryId: detail.category.id, sku: detail.variants[0]?.sku ?? "", price: detail.variants[0]?.price ?? 0 };
}, 600_000);
afterAll(async () => {
  await browser?.close();
  store?.stop();
});

async function buy(sku: string, quantity: number): Promise<string> {
  const origin = { Origin: store.baseUrl };
  const shopper = await browser.newContext({ baseURL: store.baseUrl });
  expect((await shopper.request.post("/api/cart/items", { data: { sku, quantity }, headers: origin })).status()).toBe(200);
  const placed = await shopper.request.post("/api/checkout", {
    data: {
      email: "glass-buyer@example.test",
      shippingAddress: { fullName: "Ada", line1: "1 Market St", city: "San Francisco", region: "CA", postalCode: "94105", country: "US" },
      shippingOption: "standard",
    },
    headers: origin,
  });
  expect(placed.status()).toBe(201);
  const body = (await placed.json()) as { orderId: string; payment: { redirectUrl: string } };
  const paymentId = body.payment.redirectUrl.split("/").pop();
  expect((await shopper.request.post(`/api/checkout/test-payments/${paymentId}`, { data: { outcome: "succeeded" }, headers: origin })).status()).toBe(200);
  await shopper.close();
  return body.orderId;
}

describe("/admin/vendors/commissions", () => {
  it("staff add a vendor rule and a more specific category rule; a new order of that category is charged the category's rate, and the seller's statement shows it", async () => {
    const page = await desk.newPage();
    await page.goto("/admin/vendors/commissions");
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toContain("Commission rules");
    expect(await page.getByRole("cell", { name: /No rules/ }).count()).toBe(1);

    // A bad rate is named and nothing is added.
    await page.getByLabel("Applies to").selectOption("vendor");
    await page.getByRole("combobox", { name: /^Target/ }).fill(vendorId);
    await page.getByLabel("Rate (%)").fill("250");
    await page.getByRole("button", { name: "Add rule" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("Rate");
    await page.getByLabel("Rate (%)").fill("5");
    await page.getByRole("button", { name: "Add rule" }).click();
    await page.waitForURL(/done=created/);

    await page.getByLabel("Applies to").selectOption("category");
    await page.getByRole("combobox", { name: /^Target/ }).fill(product.categoryId);
    await page.getByLabel("Kind").selectOption("percent");
    await page.getByLabel("Rate (%)").fill("12.5");
    await page.getByRole("button", { name: "Add rule" }).click();
    await page.waitForURL(/done=created/);
    expect(await page.getByRole("status").textContent()).toContain("Rule added");
    const categoryRow = page.locator("tbody tr", { hasText: "Category" });
    expect(await categoryRow.getByRole("cell", { name: "12.5%" }).count()).toBe(1);
    expect(await page.locator("tbody tr", { hasText: "Gil's Glass" }).getByRole("cell", { name: "5%" }).count()).toBe(1);
    await screenshot(page, "admin-vendor-commissions");

    // A new order of the seller's product in that category: the category rule wins and is frozen on the line.
    const orderId = await buy(product.sku, 2);
    const rule = queryStore<{ id: string }>("SELECT id FROM commission_rules WHERE scope = 'category' AND target = ?", product.categoryId)[0];
    const [line] = queryStore<{ commission_rule_id: string; commission_bps: number; commission_total: number; line_total: number; discount_total: number }>(
      "SELECT commission_rule_id, commission_bps, commission_total, line_total, discount_total FROM order_lines WHERE order_id = ? AND sku = ?",
      orderId,
      product.sku,
    );
    expect(line?.commission_rule_id).toBe(rule?.id);
    expect(line?.commission_bps).toBe(1250);
    // 12.5% of what was paid for the line (without tax, which the store keeps).
    const paid = (line?.line_total ?? 0) - (line?.discount_total ?? 0);
    expect(paid).toBe(product.price * 2);
    expect(line?.commission_total).toBeGreaterThan(0);
    expect(line?.commission_total).toBeLessThanOrEqual(Math.round((paid * 1250) / 10_000));

    // Changing the rule later changes new orders only: the placed line keeps 12.5%.
    await page.goto(`/admin/vendors/commissions?edit=${rule?.id}`);
    await page.getByLabel("Rate (%)").fill("20");
    await page.getByRole("button", { name: "Save rule" }).click();
    await page.waitForURL(/done=updated/);
    expect(
      queryStore<{ commission_bps: number }>("SELECT commission_bps FROM order_lines WHERE order_id = ? AND sku = ?", orderId, product.sku)[0]?.commission_bps,
    ).toBe(1250);
    await page.close();

    // The seller sees the commission on their statement, on a phone.
    const sellerPhone = await browser.newContext({ viewport: VIEWPORTS.phone, isMobile: true, hasTouch: true, baseURL: store.baseUrl });
    const phone = await sellerPhone.newPage();
    await phone.goto("/account/login?returnTo=/vendor/payouts");
    await signInOnPage(phone, SELLER);
    await phone.waitForURL(/\/vendor\/payouts$/);
    const commission = phone.locator("tbody tr", { has: phone.getByRole("rowheader", { name: /^Commission/ }) });
    expect(await commission.count()).toBe(1);
    const cents = line?.commission_total ?? 0;
    expect((await commission.locator("td.num").first().textContent())?.replace(/[^\d.]/g, "")).toBe((cents / 100).toFixed(2));
    await screenshot(phone, "vendor-statement-commission");
    await sellerPhone.close();
  }, 300_000);
});
