import type { Browser, BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, VIEWPORTS } from "./browser";
import { signInByRequest } from "./staff-sign-in";
import { startStore } from "./store";

// The admin order page's forms go through the admin API's own schemas: what the API refuses, the page refuses the same way.
const ADMIN = { email: "order-forms@example.test", password: "order forms password 42" };
const PORT = Number(process.env.E2E_ADMIN_ORDER_FORMS_PORT ?? Number(process.env.E2E_PORT ?? 8790) + 6);
let store: Awaited<ReturnType<typeof startStore>>;
let browser: Browser;

beforeAll(async () => {
  [store, browser] = await Promise.all([startStore({ port: PORT, admin: ADMIN, products: 10 }), launchBrowser()]);
}, 300_000);
afterAll(async () => {
  await browser?.close();
  store?.stop();
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
        email: "forms@example.test",
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

describe("admin order page forms", () => {
  it("refuses a note longer than the API allows with the API's message, and adds nothing (no silent cut)", async () => {
    const shopper = await browser.newContext({ baseURL: store.baseUrl });
    const orderId = await paidOrder(shopper);
    const admin = await browser.newContext({ viewport: VIEWPORTS.desktop, baseURL: store.baseUrl });
    expect(await signInByRequest(admin.request, ADMIN, store.baseUrl)).toBe(200);
    const page = await admin.newPage();
    await page.goto(`/admin/orders/${orderId}`);

    const long = "x".repeat(501);
    const note = page.getByRole("textbox", { name: "Note" });
    // A browser's maxlength stops typing, not a crafted or script-less post: lift it to send what the server must judge.
    await note.evaluate((el) => el.removeAttribute("maxlength"));
    await note.fill(long);
    const [answer] = await Promise.all([page.waitForResponse((r) => r.request().method() === "POST"), page.getByRole("button", { name: "Add note" }).click()]);
    expect(answer.status()).toBe(400);
    // The answer's headers arrive before the page it carries is parsed: wait for the message, not just the status.
    await page.locator(".field-error", { hasText: "At most 500 characters" }).waitFor();
    expect(await page.locator(".field-error").allInnerTexts()).toContain("At most 500 characters");

    const api = await admin.request.post(`/api/admin/orders/${orderId}/notes`, { data: { note: long }, headers: { Origin: store.baseUrl } });
    expect(api.status()).toBe(400);
    const detail = (await (await admin.request.get(`/api/admin/orders/${orderId}`)).json()) as { timeline: { kind: string; note: string | null }[] };
    expect(detail.timeline.filter((e) => e.kind === "note")).toEqual([]);

    // A note within the limit is added whole.
    await page.getByRole("textbox", { name: "Note" }).fill("y".repeat(500));
    await page.getByRole("button", { name: "Add note" }).click();
    await page.waitForURL(/done=note/);
    const after = (await (await admin.request.get(`/api/admin/orders/${orderId}`)).json()) as { timeline: { kind: string; note: string | null }[] };
    expect(after.timeline.filter((e) => e.kind === "note").map((e) => e.note)).toEqual(["y".repeat(500)]);
    await shopper.close();
    await admin.close();
  });
});
