import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, screenshot, VIEWPORTS } from "./browser";
import { signInByRequest } from "./staff-sign-in";
import { startStore } from "./store";

// The ticket page of the support inbox: canned replies go into the reply box (at the cursor with JavaScript, by a
// re-render without it); the status, priority and tags form; merging a duplicate into the customer's other ticket.
const ADMIN = { email: "inbox-forms@example.test", password: "inbox forms admin passphrase 3" };
const GUEST = "twice@example.test";
const PORT = Number(process.env.E2E_PORT ?? 8790) + 54;
const CANNED = "Thanks for writing. We have looked into it and will get back to you by tomorrow.";
let store: Awaited<ReturnType<typeof startStore>>;
let browser: Browser;

beforeAll(async () => {
  [store, browser] = await Promise.all([startStore({ port: PORT, admin: ADMIN, products: 4 }), launchBrowser()]);
}, 300_000);
afterAll(async () => {
  await browser?.close();
  store?.stop();
});

async function openTicket(subject: string, message: string): Promise<string> {
  const res = await fetch(`${store.baseUrl}/api/support/tickets`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Origin: store.baseUrl },
    body: JSON.stringify({ subject, message, email: GUEST, name: "Sam Twice" }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

async function staffContext(javaScriptEnabled = true): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: VIEWPORTS.desktop, baseURL: store.baseUrl, javaScriptEnabled });
  expect(await signInByRequest(context.request, ADMIN, store.baseUrl)).toBe(200);
  return context;
}

async function shots(page: Page, name: string) {
  for (const viewport of [VIEWPORTS.phone, VIEWPORTS.desktop]) {
    await page.setViewportSize(viewport);
    await screenshot(page, name);
  }
}

type Detail = { status: string; priority: string; tags: string[]; mergedIntoId: string | null; messages: { body: string }[] };

describe("the support inbox's ticket page", () => {
  it("inserts a canned reply, saves status, priority and tags, and merges a duplicate", async () => {
    const duplicate = await openTicket("Where is my parcel?", "Ordered last week, nothing yet.");
    const original = await openTicket("Parcel not here", "Still waiting for order 1042.");
    const desk = await staffContext();
    const headers = { Origin: store.baseUrl };
    expect((await desk.request.post("/api/admin/support/canned-replies", { data: { title: "Looking into it", body: CANNED }, headers })).status()).toBe(201);
    const detail = async (id: string) => (await (await desk.request.get(`/api/admin/support/tickets/${id}`)).json()) as Detail;

    // With JavaScript: the canned text goes in at the cursor, without leaving the page.
    const page = await desk.newPage();
    await page.goto(`/admin/support/${duplicate}`);
    const box = page.getByLabel("Reply", { exact: true });
    await box.fill("Hi Sam,\n\nBest, the shop");
    await box.evaluate((el: HTMLTextAreaElement) => el.setSelectionRange(9, 9));
    await page.getByRole("combobox", { name: "Canned reply" }).selectOption({ label: "Looking into it" });
    await page.getByRole("button", { name: "Insert" }).click();
    expect(await box.inputValue()).toBe(`Hi Sam,\n\n${CANNED}Best, the shop`);
    expect(new URL(page.url()).search).toBe("");

    // Without JavaScript: "Insert" posts, and the page comes back with the text added to the draft; nothing is sent.
    const plain = await staffContext(false);
    const noJs = await plain.newPage();
    await noJs.goto(`/admin/support/${duplicate}`);
    await noJs.getByLabel("Reply", { exact: true }).fill("Hi Sam,");
    await noJs.getByRole("combobox", { name: "Canned reply" }).selectOption({ label: "Looking into it" });
    await noJs.getByRole("button", { name: "Insert" }).click();
    await expect.poll(() => noJs.getByLabel("Reply", { exact: true }).inputValue()).toBe(`Hi Sam,\n\n${CANNED}`);
    expect(await noJs.getByRole("status").textContent()).toContain("Inserted “Looking into it”");
    expect((await detail(duplicate)).messages).toHaveLength(1);
    await shots(noJs, "support-inbox-canned-inserted");

    // Status, priority and tags in one form.
    await page.getByLabel("Status", { exact: true }).selectOption("open");
    await page.getByLabel("Priority").selectOption("high");
    await page.getByLabel(/^Tags/).fill("Shipping, VIP");
    await page.getByRole("button", { name: "Save" }).click();
    await page.waitForURL(/done=updated/);
    expect(await page.getByRole("status").textContent()).toContain("Ticket updated");
    expect(await page.getByLabel(/^Tags/).inputValue()).toBe("shipping, vip");
    expect(await detail(duplicate)).toMatchObject({ status: "open", priority: "high", tags: ["shipping", "vip"] });
    await shots(page, "support-inbox-ticket-updated");

    // Merge the duplicate into the customer's other ticket: its message moves there, and it closes pointing at it.
    await page.getByLabel("Merge this duplicate into").selectOption({ value: original });
    await page.getByRole("button", { name: "Merge" }).click();
    await page.waitForURL(new RegExp(`/admin/support/${original}\\?done=merged`));
    expect(await page.getByRole("status").textContent()).toContain("Tickets merged");
    await expect
      .poll(() => page.locator(".support-message-body").allTextContents())
      .toEqual(expect.arrayContaining(["Ordered last week, nothing yet.", "Still waiting for order 1042."]));
    expect(await detail(duplicate)).toMatchObject({ status: "closed", mergedIntoId: original });
    await shots(page, "support-inbox-merged");
    await Promise.all([desk.close(), plain.close()]);
  }, 180_000);
});
