import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, VIEWPORTS } from "./browser";
import { signInOnPage } from "./staff-sign-in";
import { startStore } from "./store";

// Its own store, on a port after the shared e2e store's E2E_PORT/E2E_OAUTH_PORT (files run one at a time).
const STORE_PORT = Number(process.env.E2E_SETTINGS_PORT ?? Number(process.env.E2E_PORT ?? 8790) + 14);
const ADMIN = { email: "audit-settings-admin@example.test", password: "audit settings admin password 7" };

let browser: Browser;
let store: Awaited<ReturnType<typeof startStore>>;

beforeAll(async () => {
  browser = await launchBrowser();
  store = await startStore({ port: STORE_PORT, products: 5, admin: ADMIN });
}, 300_000);
afterAll(async () => {
  await browser?.close();
  await store?.stop();
});

describe("a settings change made from an admin page", () => {
  it("is audited under the same request id the page's answer carries as X-Request-Id", async () => {
    const context = await browser.newContext({ viewport: VIEWPORTS.desktop, baseURL: store.baseUrl, javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto("/account/login?returnTo=%2Fadmin%2Fsettings");
    await signInOnPage(page, ADMIN);
    await page.waitForURL(/\/admin\/settings$/);

    const storeForm = page.locator("form").filter({ has: page.getByLabel("Store name") });
    await storeForm.getByLabel("Store name").fill("Audited Goods");
    const saved = page.waitForResponse((r) => r.url().includes("done=store"));
    await storeForm.getByRole("button", { name: "Save" }).click();
    // The form post answers 303 to the settings page; that answer is the one that made the change.
    const post = await (await saved).request().redirectedFrom()?.response();
    expect(post?.request().method()).toBe("POST");
    expect(post?.status()).toBe(303);
    const requestId = post?.headers()["x-request-id"];
    expect(requestId).toMatch(/\S{8,}/);

    const audit = await page.request.get("/api/admin/audit?action=settings.store");
    expect(audit.status()).toBe(200);
    const entries = ((await audit.json()) as { items: { actorEmail: string; after: unknown; requestId: string | null }[] }).items;
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ actorEmail: ADMIN.email, after: "Audited Goods", requestId });
    await context.close();
  }, 120_000);
});
