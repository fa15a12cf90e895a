import { createHmac } from "node:crypto";
import { readdirSync } from "node:fs";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, screenshot, VIEWPORTS } from "./browser";
import { waitForEmail } from "./outbox";
import { signInByRequest } from "./staff-sign-in";
import { startStore } from "./store";

// A shopper returns one of two delivered items; staff approve it with a prepaid label's tracking number; the carrier's
// webhook marks it received; staff restock and refund it; the shopper sees the refund on the order page and gets one email.
const SECRET = "generic-tracking-secret-for-returns-e2e";
const ADMIN = { email: "returns-desk@example.test", password: "returns desk password 42" };
const SHOPPER = "returner@example.test";
const PORT = Number(process.env.E2E_RETURNS_PORT ?? Number(process.env.E2E_PORT ?? 8790) + 20);
let store: Awaited<ReturnType<typeof startStore>>;
let browser: Browser;

beforeAll(async () => {
  [store, browser] = await Promise.all([
    startStore({ port: PORT, admin: ADMIN, vars: { SHIPPING_WEBHOOK_SECRET_GENERIC: SECRET }, products: 20 }),
    launchBrowser(),
  ]);
}, 300_000);
afterAll(async () => {
  await browser?.close();
  store?.stop();
});

async function carrierEvent(event: { eventId: string; trackingNumber: string; status: string }) {
  const raw = JSON.stringify({ ...event, occurredAt: new Date().toISOString() });
  const t = Math.floor(Date.now() / 1000);
  const v1 = createHmac("sha256", SECRET).update(`${t}.${raw}`).digest("hex");
  const res = await fetch(`${store.baseUrl}/api/webhooks/shipping/generic`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Signature": `t=${t},v1=${v1}` },
    body: raw,
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { outcome: string };
}

/** Emails of a template to an address in the served store's outbox (read-only, as a developer reads it). */
function outboxCount(to: string, template: string): number {
  const dir = path.join(store.persist, "v3/d1/miniflare-D1DatabaseObject");
  const file = readdirSync(dir).find((f) => f.endsWith(".sqlite") && f !== "metadata.sqlite") as string;
  const db = new DatabaseSync(path.join(dir, file), { readOnly: true });
  try {
    return (db.prepare("select count(*) as n from email_outbox where to_address = ? and template = ?").get(to, template) as { n: number }).n;
  } finally {
    db.close();
  }
}

/** A paid guest order of two different single-variant products, placed through the API as the shop's pages would. */
async function twoItemOrder(context: BrowserContext) {
  const headers = { Origin: store.baseUrl };
  const list = (await (await context.request.get("/api/products?inStock=true&perPage=50")).json()) as { items: { slug: string }[] };
  let added = 0;
  for (const { slug } of list.items) {
    const detail = (await (await context.request.get(`/api/products/${slug}`)).json()) as { variants: { sku: string; stockStatus: string }[] };
    const variant = detail.variants.find((v) => v.stockStatus === "in_stock");
    if (!variant) continue;
    expect((await context.request.post("/api/cart/items", { data: { sku: variant.sku, quantity: 1 }, headers })).status()).toBe(200);
    if (++added === 2) break;
  }
  const placed = await context.request.post("/api/checkout", {
    data: {
      email: SHOPPER,
      shippingAddress: { fullName: "Rita Returner", line1: "1 Market St", city: "San Francisco", region: "CA", postalCode: "94105", country: "US" },
      shippingOption: "standard",
    },
    headers,
  });
  expect(placed.status()).toBe(201);
  const body = (await placed.json()) as { orderId: string; orderUrl: string; payment: { redirectUrl: string } };
  const paymentId = body.payment.redirectUrl.split("/").pop();
  expect((await context.request.post(`/api/checkout/test-payments/${paymentId}`, { data: { outcome: "succeeded" }, headers })).status()).toBe(200);
  return { orderId: body.orderId, orderPath: new URL(body.orderUrl, store.baseUrl).pathname + new URL(body.orderUrl, store.baseUrl).search };
}

async function shots(page: Page, name: string) {
  for (const viewport of [VIEWPORTS.phone, VIEWPORTS.desktop]) {
    await page.setViewportSize(viewport);
    await screenshot(page, name);
  }
}

describe("returns in the browser", () => {
  it("one of two delivered items: requested, approved, received by the carrier webhook, restocked and refunded; the shopper sees it", async () => {
    const shopper = await browser.newContext({ viewport: VIEWPORTS.phone, baseURL: store.baseUrl });
    const admin = await browser.newContext({ viewport: VIEWPORTS.desktop, baseURL: store.baseUrl });
    const headers = { Origin: store.baseUrl };
    const { orderId, orderPath } = await twoItemOrder(shopper);
    expect(await signInByRequest(admin.request, ADMIN, store.baseUrl)).toBe(200);
    expect(
      (await admin.request.post(`/api/admin/orders/${orderId}/shipments`, { data: { carrier: "UPS", trackingNumber: "1ZRETURNSE2E001" }, headers })).status(),
    ).toBe(200);
    expect((await admin.request.post(`/api/admin/orders/${orderId}/delivered`, { data: {}, headers })).status()).toBe(200);
    const order = (await (await shopper.request.get(`/api${orderPath}`)).json()) as { lines: { name: string; lineTotal: { amount: number } }[] };
    expect(order.lines).toHaveLength(2);

    // The shopper asks to return the first item only, without JavaScript.
    const noJs = await browser.newContext({ viewport: VIEWPORTS.phone, baseURL: store.baseUrl, javaScriptEnabled: false });
    const page = await noJs.newPage();
    await page.goto(orderPath);
    await page.getByRole("link", { name: "Return items" }).click();
    await expect.poll(async () => (await page.getByRole("heading", { level: 1 }).textContent())?.trim()).toBe("Return items");
    await page.getByRole("combobox", { name: "Quantity" }).first().selectOption("1");
    await page.getByRole("combobox", { name: "Reason" }).first().selectOption("Too small");
    await page.getByRole("textbox", { name: "Note" }).first().fill("A size up would fit");
    await shots(page, "returns-request-form");
    await page.getByRole("button", { name: "Request return" }).click();
    await page.waitForURL(/\/orders\//);
    const card = page.locator("[data-return]");
    await expect.poll(() => card.getAttribute("data-return-status")).toBe("requested");
    // Exactly one of the two items is in the return; the other stays with the shopper.
    const text = (await card.textContent()) ?? "";
    expect(order.lines.filter((l) => text.includes(`1 × ${l.name}`))).toHaveLength(1);
    const returnId = (await card.getAttribute("data-return")) as string;

    // Staff approve it from the returns list, with the tracking number of a prepaid label.
    const staff = await admin.newPage();
    await staff.goto("/admin/returns");
    await staff.getByRole("link", { name: /^R-/ }).first().click();
    await staff.waitForURL(`**/admin/returns/${returnId}`);
    await staff.getByRole("textbox", { name: "Carrier" }).fill("UPS");
    await staff.getByRole("textbox", { name: /Tracking number/ }).fill("1ZRETURNBACK0001");
    await staff.getByRole("button", { name: "Approve return" }).click();
    await staff.waitForURL(/done=approve/);
    await shots(staff, "returns-admin-approved");

    // The carrier delivers the parcel back to the store: the same webhook that moves parcels marks the return received.
    expect((await carrierEvent({ eventId: "back-1", trackingNumber: "1ZRETURNBACK0001", status: "in_transit" })).outcome).toBe("applied");
    expect((await carrierEvent({ eventId: "back-2", trackingNumber: "1ZRETURNBACK0001", status: "delivered" })).outcome).toBe("applied");
    expect((await carrierEvent({ eventId: "back-2", trackingNumber: "1ZRETURNBACK0001", status: "delivered" })).outcome).toBe("duplicate");
    await staff.reload();
    await expect.poll(() => staff.locator("[data-return-status]").getAttribute("data-return-status")).toBe("received");

    // Staff restock the item, then refund what was paid for it.
    await staff.getByRole("button", { name: "Restock" }).click();
    await staff.waitForURL(/done=inspect/);
    expect((await staff.locator("[data-inspection]").textContent())?.trim()).toBe("Restocked");
    const refundable = ((await staff.locator("[data-refundable]").textContent()) ?? "").trim();
    await staff.getByRole("button", { name: "Refund", exact: true }).click();
    await staff.waitForURL(/done=refund/);
    await expect.poll(() => staff.locator("[data-return-status]").getAttribute("data-return-status")).toBe("refunded");
    expect((await staff.locator("[data-return-refunded]").textContent())?.trim()).toBe(refundable);
    await shots(staff, "returns-admin-refunded");

    // The shopper sees the refund on the order page (the return and the order's totals) and got exactly one refund email.
    await page.goto(orderPath);
    await expect.poll(() => card.getAttribute("data-return-status")).toBe("refunded");
    expect(await page.locator("[data-return-refund]").textContent()).toContain(refundable);
    expect(await page.locator('[data-total-line="refunded"]').textContent()).toContain(refundable);
    await page.locator("#returns").scrollIntoViewIfNeeded();
    await shots(page, "returns-order-refunded");
    const email = await waitForEmail(store.persist, SHOPPER, "order_refunded");
    expect(email.text).toContain(refundable);
    await new Promise((r) => setTimeout(r, 1500));
    expect(outboxCount(SHOPPER, "order_refunded")).toBe(1);
    expect(outboxCount(SHOPPER, "return_update")).toBeGreaterThanOrEqual(3);

    // The returns policy page (from the settings until staff write their own) and the staff pages around it.
    await page.goto("/policies/returns");
    expect((await page.getByRole("heading", { level: 1 }).textContent())?.trim()).toBe("Returns policy");
    expect(await page.locator("article").textContent()).toContain("30 days");
    await shots(page, "returns-policy");
    await staff.goto("/admin/returns");
    await shots(staff, "returns-admin-list");
    await staff.goto("/admin/settings/returns");
    await shots(staff, "returns-admin-settings");
    await Promise.all([noJs.close(), shopper.close(), admin.close()]);
  }, 180_000);
});
