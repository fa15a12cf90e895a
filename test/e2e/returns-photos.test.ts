import { crc32, deflateSync } from "node:zlib";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, screenshot, VIEWPORTS } from "./browser";
import { signUpByRequest } from "./sign-up";
import { signInByRequest } from "./staff-sign-in";
import { startStore } from "./store";

// A shopper (a guest on a phone, no JavaScript) attaches photos to a return request; staff see them on the return's
// page; nobody without the order's link or a staff session can load them.
const ADMIN = { email: "photo-desk@example.test", password: "returns photo desk password 9" };
const PORT = Number(process.env.E2E_PORT ?? 8790) + 50;
let store: Awaited<ReturnType<typeof startStore>>;
let browser: Browser;

beforeAll(async () => {
  [store, browser] = await Promise.all([startStore({ port: PORT, admin: ADMIN, products: 8 }), launchBrowser()]);
}, 300_000);
afterAll(async () => {
  await browser?.close();
  store?.stop();
});

/** A real w×h PNG of one colour (valid chunks and CRCs, so the browser draws it). */
function png(width: number, height: number, [r, g, b]: [number, number, number]): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
    const out = Buffer.alloc(8 + data.length + 4);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), 8 + data.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // truecolour
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: width }, () => [r, g, b]).flat())]);
  const raw = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}
const photo = (name: string, colour: [number, number, number]) => ({ name, mimeType: "image/png", buffer: png(48, 32, colour) });

/** A paid order of one item (a guest's, or the signed-in account's of `shopper`), delivered by staff through the API. */
async function deliveredOrder(shopper: BrowserContext, admin: BrowserContext, email = "photo-returner@example.test") {
  const headers = { Origin: store.baseUrl };
  const list = (await (await shopper.request.get("/api/products?inStock=true&perPage=20")).json()) as { items: { slug: string }[] };
  for (const { slug } of list.items) {
    const detail = (await (await shopper.request.get(`/api/products/${slug}`)).json()) as { variants: { sku: string; stockStatus: string }[] };
    const variant = detail.variants.find((v) => v.stockStatus === "in_stock");
    if (!variant) continue;
    expect((await shopper.request.post("/api/cart/items", { data: { sku: variant.sku, quantity: 1 }, headers })).status()).toBe(200);
    break;
  }
  const placed = await shopper.request.post("/api/checkout", {
    data: {
      email,
      shippingAddress: { fullName: "Pat Photo", line1: "1 Market St", city: "San Francisco", region: "CA", postalCode: "94105", country: "US" },
      shippingOption: "standard",
    },
    headers,
  });
  expect(placed.status()).toBe(201);
  const body = (await placed.json()) as { orderId: string; orderUrl: string; payment: { redirectUrl: string } };
  const paymentId = body.payment.redirectUrl.split("/").pop();
  expect((await shopper.request.post(`/api/checkout/test-payments/${paymentId}`, { data: { outcome: "succeeded" }, headers })).status()).toBe(200);
  const { orderId } = body;
  expect(
    (
      await admin.request.post(`/api/admin/orders/${orderId}/shipments`, {
        data: { carrier: "UPS", trackingNumber: `1ZPHOTOS${Date.now().toString(36).toUpperCase()}` },
        headers,
      })
    ).status(),
  ).toBe(200);
  expect((await admin.request.post(`/api/admin/orders/${orderId}/delivered`, { data: {}, headers })).status()).toBe(200);
  const url = new URL(body.orderUrl, store.baseUrl);
  return { orderId, orderPath: url.pathname + url.search, token: url.searchParams.get("token") ?? "" };
}

/** Each image's natural width once it has loaded (0 when it failed: a broken image). */
const loadedWidths = (els: Element[]) => els.map((el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth);

async function shots(page: Page, name: string) {
  for (const viewport of [VIEWPORTS.phone, VIEWPORTS.desktop]) {
    await page.setViewportSize(viewport);
    await screenshot(page, name);
  }
}

describe("photos on a return request", () => {
  it("a guest attaches photos without JavaScript; staff see them; nobody else can load them", async () => {
    const admin = await browser.newContext({ viewport: VIEWPORTS.desktop, baseURL: store.baseUrl });
    const shopper = await browser.newContext({ viewport: VIEWPORTS.phone, baseURL: store.baseUrl, javaScriptEnabled: false });
    const stranger = await browser.newContext({ baseURL: store.baseUrl });
    expect(await signInByRequest(admin.request, ADMIN, store.baseUrl)).toBe(200);
    const { orderId, orderPath, token } = await deliveredOrder(shopper, admin);

    const page = await shopper.newPage();
    await page.goto(orderPath);
    await page.getByRole("link", { name: "Return items" }).click();
    await page.getByRole("combobox", { name: "Quantity" }).first().selectOption("1");
    await page.getByRole("combobox", { name: "Reason" }).first().selectOption({ index: 0 });

    // Four photos are one too many: the form comes back naming the field, and nothing was requested.
    const photos = page.getByLabel(/^Photos/);
    await photos.setInputFiles([photo("a.png", [200, 40, 40]), photo("b.png", [40, 160, 60]), photo("c.png", [40, 60, 200]), photo("d.png", [0, 0, 0])]);
    await page.getByRole("button", { name: "Request return" }).click();
    await expect.poll(() => page.locator("#return-photos-error").textContent()).toContain("At most 3 photos");
    const none = (await (await shopper.request.get(`/api/orders/${orderId}/returns?token=${token}`)).json()) as { returns: unknown[] };
    expect(none.returns).toHaveLength(0);

    await page.getByRole("combobox", { name: "Quantity" }).first().selectOption("1");
    await photos.setInputFiles([photo("torn-seam.png", [200, 40, 40]), photo("label.png", [40, 160, 60])]);
    await shots(page, "returns-photos-form");
    await page.getByRole("button", { name: "Request return" }).click();
    await page.waitForURL(/\/orders\/[^/]+(\?|#|$)/);
    const card = page.locator("[data-return]");
    await expect.poll(() => card.getAttribute("data-return-status")).toBe("requested");
    const returnId = (await card.getAttribute("data-return")) as string;
    const view = (await (await shopper.request.get(`/api/returns/${returnId}?token=${token}`)).json()) as { number: string; photos: { id: string }[] };
    expect(view.photos).toHaveLength(2);

    // Staff open the return: both photos are shown (loaded, not broken), with names that say what they are.
    const staff = await admin.newPage();
    await staff.goto(`/admin/returns/${returnId}`);
    const images = staff.getByRole("img", { name: new RegExp(`attached to return ${view.number}`) });
    await expect.poll(() => images.count()).toBe(2);
    await expect
      .poll(() => images.evaluateAll((els) => els.map((el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth)))
      .toEqual([48, 48]);
    await staff.getByRole("heading", { name: "Photos from the shopper" }).scrollIntoViewIfNeeded();
    await shots(staff, "returns-photos-admin");

    // The guest's own order page (no JavaScript) shows them as thumbnails named for what they are.
    await page.goto(orderPath);
    const thumbs = page.getByRole("img", { name: new RegExp(`^Your photo \\d of 2 for return ${view.number}$`) });
    await expect.poll(() => thumbs.count()).toBe(2);
    await expect.poll(() => thumbs.evaluateAll(loadedWidths)).toEqual([48, 48]);
    await page.getByRole("heading", { name: "Your photos" }).scrollIntoViewIfNeeded();
    await shots(page, "returns-photos-order-guest");
    // The image address names no token (the guest's browser carries it in the order-access cookie), so a copied
    // address opens nothing for anyone else.
    const thumbSrc = (await thumbs.first().getAttribute("src")) ?? "";
    expect(thumbSrc).not.toContain(token);
    expect((await page.request.get(thumbSrc)).status()).toBe(200);
    expect((await stranger.request.get(thumbSrc)).status()).toBe(401);

    // The owner's link reads them; without it, or from another session, or on the staff route, they are refused.
    const [first] = view.photos;
    expect((await shopper.request.get(`/api/returns/${returnId}/photos/${first?.id}?token=${token}`)).status()).toBe(200);
    expect((await stranger.request.get(`/api/returns/${returnId}/photos/${first?.id}`)).status()).toBe(401);
    expect((await stranger.request.get(`/api/admin/returns/${returnId}/photos/${first?.id}`)).status()).toBe(401);
    expect((await shopper.request.get(`/api/admin/returns/${returnId}/photos/${first?.id}`)).status()).toBe(401);
    await Promise.all([admin.close(), shopper.close(), stranger.close()]);
  }, 180_000);

  it("a signed-in shopper sees their photos on their order page; another account and a signed-out browser do not", async () => {
    const admin = await browser.newContext({ viewport: VIEWPORTS.desktop, baseURL: store.baseUrl });
    const shopper = await browser.newContext({ viewport: VIEWPORTS.desktop, baseURL: store.baseUrl });
    const other = await browser.newContext({ baseURL: store.baseUrl });
    const headers = { Origin: store.baseUrl };
    expect(await signInByRequest(admin.request, ADMIN, store.baseUrl)).toBe(200);
    const account = { email: "photo-account@example.test", password: "a long enough password 123", name: "Robin Account" };
    expect((await signUpByRequest(shopper.request, store, account)).status()).toBe(201);
    expect((await signUpByRequest(other.request, store, { ...account, email: "someone-else@example.test" })).status()).toBe(201);
    const { orderId } = await deliveredOrder(shopper, admin, account.email);
    const lines = (await (await shopper.request.get(`/api/orders/${orderId}/returns`)).json()) as { lines: { orderLineId: string }[]; reasons: string[] };
    const created = await shopper.request.post(`/api/orders/${orderId}/returns`, {
      data: { resolution: "refund", lines: [{ orderLineId: lines.lines[0]?.orderLineId, quantity: 1, reason: lines.reasons[0] }] },
      headers,
    });
    expect(created.status()).toBe(201);
    const ret = (await created.json()) as { id: string; number: string };
    // Added later through the API, as a native app would.
    for (const colour of [
      [220, 120, 20],
      [20, 120, 220],
    ] as [number, number, number][]) {
      const added = await shopper.request.post(`/api/returns/${ret.id}/photos`, {
        data: png(48, 32, colour),
        headers: { ...headers, "Content-Type": "image/png" },
      });
      expect(added.status()).toBe(201);
    }

    const page = await shopper.newPage();
    await page.goto(`/orders/${orderId}`);
    const thumbs = page.getByRole("img", { name: new RegExp(`^Your photo \\d of 2 for return ${ret.number}$`) });
    await expect.poll(() => thumbs.count()).toBe(2);
    await expect.poll(() => thumbs.evaluateAll(loadedWidths)).toEqual([48, 48]);
    const src = (await thumbs.first().getAttribute("src")) ?? "";
    expect(src).not.toContain("token=");
    await page.getByRole("heading", { name: "Your photos" }).scrollIntoViewIfNeeded();
    await shots(page, "returns-photos-order-account");

    // Another account gets neither the order page nor the photo; a signed-out browser is asked to sign in.
    expect((await other.request.get(src)).status()).toBe(404);
    const anon = await browser.newContext({ baseURL: store.baseUrl });
    expect((await anon.request.get(src)).status()).toBe(401);
    const otherPage = await other.newPage();
    const response = await otherPage.goto(`/orders/${orderId}`);
    expect(response?.status()).toBe(404);
    await Promise.all([admin.close(), shopper.close(), other.close(), anon.close()]);
  }, 180_000);
});
