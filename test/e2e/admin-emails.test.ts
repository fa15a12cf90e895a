import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakeEmailRequest } from "../support/fake-email-provider";
import { launchBrowser, SCREENSHOTS, screenshot, VIEWPORTS } from "./browser";
import { startFakeEmailServer } from "./fake-email-server";
import { linkIn } from "./outbox";
import { askToSignUp, followSignUpLink, signUpByApi } from "./sign-up";
import { signInByApi, signInOnPage } from "./staff-sign-in";
import { startStore } from "./store";

// Its own store (ports after the shared e2e store's E2E_PORT/E2E_OAUTH_PORT) sending through a fake Resend.
const STORE_PORT = Number(process.env.E2E_PORT ?? 8790) + 2;
const FAKE_PORT = STORE_PORT + 1;
const ADMIN = { email: "mail-admin@example.test", password: "outbox desk password 9" };
const SHOPPER = "outbox-shopper@example.test";

let fake: Awaited<ReturnType<typeof startFakeEmailServer>>;
let store: Awaited<ReturnType<typeof startStore>>;
let browser: Browser;
const control = (body: { down: boolean }) => fetch(`${fake.base}/e2e/__control`, { method: "POST", body: JSON.stringify(body) });
const requests = async () => (await (await fetch(`${fake.base}/e2e/__requests`)).json()) as FakeEmailRequest[];

/** The sign-up link as the fake provider delivered it (the store's outbox keeps it hidden). */
async function linkFromProvider(email: string): Promise<string> {
  let text = "";
  await expect
    .poll(
      async () => {
        const sent = (await requests()).filter((r) => r.outcome === "sent" && r.to.includes(email) && r.subject.startsWith("Finish creating"));
        text = sent.at(-1)?.text ?? "";
        return text;
      },
      { timeout: 20_000 },
    )
    .not.toBe("");
  return linkIn(text, "/account/finish-sign-up?token=");
}
const mailStore = () => ({ ...store, readSignUpLink: linkFromProvider });

beforeAll(async () => {
  fake = await startFakeEmailServer(FAKE_PORT);
  store = await startStore({
    port: STORE_PORT,
    products: 10,
    admin: ADMIN,
    vars: {
      EMAIL_PROVIDER: "resend",
      EMAIL_FROM: "Northwind Goods <orders@shop.test>",
      EMAIL_API_KEY: "re_e2e_key",
      EMAIL_API_BASE: `${fake.base}/e2e`,
      // Retries without pauses, so the dead-letter queue is reached in seconds instead of two hours.
      EMAIL_RETRY_BASE_SECONDS: "0",
    },
  });
  browser = await launchBrowser();
}, 300_000);
afterAll(async () => {
  await browser?.close();
  store?.stop();
  await fake?.close();
});

async function signIn(page: Page, who = ADMIN) {
  await page.goto(`${store.baseUrl}/account/login?returnTo=/admin/emails`);
  await signInOnPage(page, who);
  await page.waitForURL(/\/admin\/emails$/);
}

describe("admin emails in the browser", () => {
  it("an email that failed every retry is dead via the real dead-letter queue; an admin previews it and sends it again, once", async () => {
    // The sign-up link arrives; the provider is down when the shopper follows it: the welcome email fails
    // every retry (9 deliveries, no pause in this store), then the queue hands it to edge-commerce-email-dlq.
    await askToSignUp(mailStore(), { email: SHOPPER, password: "a long shopper passphrase 42", name: "Olive <Outbox>" });
    await linkFromProvider(SHOPPER);
    await control({ down: true });
    const register = await followSignUpLink(mailStore(), SHOPPER);
    expect(register.status).toBe(201);

    const page = await browser.newPage({ viewport: VIEWPORTS.desktop });
    await signIn(page);
    await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("Emails");
    const welcomeRow = page.getByRole("row").filter({ hasText: "Welcome to Northwind Goods" });
    await expect
      .poll(
        async () => {
          await page.reload();
          return welcomeRow.locator(".admin-badge").textContent();
        },
        { timeout: 60_000, interval: 1_000 },
      )
      .toBe("dead");
    const failures = (await requests()).filter((r) => r.subject === "Welcome to Northwind Goods");
    expect(failures.map((r) => r.outcome)).toEqual(Array(9).fill("failed"));
    await control({ down: false });
    await screenshot(page, "admin-emails-list");

    // Filters are a GET form.
    await page.getByLabel("Status").selectOption("dead");
    await page.getByLabel("Recipient").fill("outbox-shopper");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.waitForURL(/status=dead/);
    await expect.poll(() => page.getByRole("row").count()).toBe(2); // header + welcome (the sign-up link went out)

    await page.getByRole("link", { name: "Welcome to Northwind Goods" }).click();
    await page.waitForURL(/\/admin\/emails\/welcome:/);
    const facts = await page.locator(".admin-facts").textContent();
    expect(facts).toContain("resend 503 internal_server_error");
    expect(facts).toMatch(/Tries\s*9/);
    // The HTML preview renders in a sandboxed frame, escaped name and all.
    const iframe = page.locator("iframe.admin-email-preview");
    expect(await iframe.getAttribute("sandbox")).toBe("");
    const preview = page.frameLocator("iframe.admin-email-preview");
    await expect.poll(() => preview.getByRole("heading", { level: 1 }).textContent(), { timeout: 10_000 }).toBe("Welcome, Olive <Outbox>");
    expect(await page.locator(".admin-email-text").textContent()).toContain("Welcome, Olive <Outbox>");
    await screenshot(page, "admin-email-detail");
    await iframe.screenshot({ path: `${SCREENSHOTS}/admin-email-preview-1280.png` });
    // The preview document carries its own policy: sandboxed, no scripts, framed only by the store.
    const previewRes = await page.request.get(new URL((await iframe.getAttribute("src")) as string, page.url()).href);
    expect(previewRes.status()).toBe(200);
    const csp = previewRes.headers()["content-security-policy"] ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'self'");
    expect(csp).toMatch(/(^|; )sandbox($|;)/);
    expect(csp).not.toContain("script-src");

    // Retry asks first, then queues it; the page shows it sent.
    await page.getByRole("link", { name: "Send again…" }).click();
    await expect.poll(() => page.getByRole("heading", { name: "Send this email again?" }).count()).toBe(1);
    await screenshot(page, "admin-email-confirm");
    await page.getByRole("button", { name: "Yes, send it again" }).click();
    await page.waitForURL(/done=retried/);
    await expect
      .poll(
        async () => {
          await page.reload();
          return page.locator(".admin-facts .admin-badge").textContent();
        },
        { timeout: 20_000, interval: 500 },
      )
      .toBe("sent");
    expect(await page.getByRole("link", { name: "Send again…" }).count()).toBe(0);
    const sends = (await requests()).filter((r) => r.subject === "Welcome to Northwind Goods");
    expect(sends.filter((r) => r.outcome === "sent")).toHaveLength(1);
    expect(sends[0]?.idempotencyKey).toMatch(/^welcome:/);
    await page.close();
  }, 90_000);

  it("support staff read the outbox and previews but cannot send an email again", async () => {
    const SUPPORT = { email: "mail-support@example.test", password: "support desk password 3" };
    const json = { "Content-Type": "application/json", Origin: store.baseUrl };
    const registered = await signUpByApi(mailStore(), { ...SUPPORT, name: "Sam Support" });
    const supportId = ((await registered.json()) as { user: { id: string } }).user.id;
    const login = await signInByApi(store.baseUrl, ADMIN);
    const cookie = login.headers
      .getSetCookie()
      .map((c) => c.split(";")[0])
      .join("; ");
    const granted = await fetch(`${store.baseUrl}/api/admin/users/${supportId}/role`, {
      method: "PUT",
      headers: { ...json, Cookie: cookie },
      body: JSON.stringify({ role: "support" }),
    });
    expect(granted.status).toBe(200);

    // An email that cannot be sent (the provider is down again for this one).
    await askToSignUp(mailStore(), { email: "second-shopper@example.test", password: "another long passphrase 77", name: "Sol" });
    await linkFromProvider("second-shopper@example.test");
    await control({ down: true });
    expect((await followSignUpLink(mailStore(), "second-shopper@example.test")).status).toBe(201);
    await expect
      .poll(async () => (await requests()).filter((r) => r.outcome === "failed" && r.to.includes("second-shopper@example.test")).length, { timeout: 20_000 })
      .toBeGreaterThanOrEqual(1);

    const page = await browser.newPage({ viewport: VIEWPORTS.desktop });
    await signIn(page, SUPPORT);
    // Support may change tickets (their "support" permission): the header names the role, not "(read-only)".
    const who = await page.locator(".admin-who").textContent();
    expect(who).toContain("support");
    expect(who).not.toContain("(read-only)");
    await page.getByLabel("Recipient").fill("second-shopper");
    await page.getByLabel("Template").selectOption("welcome");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.waitForURL(/template=welcome/);
    await page.getByRole("link", { name: "Welcome to Northwind Goods" }).click();
    await page.waitForURL(/\/admin\/emails\/welcome:/);
    expect(await page.locator(".admin-facts .admin-badge").textContent()).toMatch(/^(failed|dead)$/);
    await page.frameLocator("iframe.admin-email-preview").getByRole("heading", { level: 1 }).waitFor();
    expect(await page.getByRole("link", { name: "Send again…" }).count()).toBe(0);
    const detail = page.url();
    await page.goto(`${detail}?confirm=retry`);
    expect(await page.getByRole("button", { name: "Yes, send it again" }).count()).toBe(0);
    // Posting the form anyway is refused on the server.
    const forced = await page.request.post(detail, { form: { intent: "retry" }, headers: { Origin: store.baseUrl }, maxRedirects: 0 });
    expect(forced.status()).toBe(403);
    // Only the sign-up link went out to them; the welcome was not sent again.
    expect(
      (await requests()).filter((r) => r.outcome === "sent" && r.to.includes("second-shopper@example.test") && !r.subject.startsWith("Finish creating")),
    ).toEqual([]);
    await control({ down: false });
    await page.close();
  }, 90_000);

  it("looks right on a phone", async () => {
    const page = await browser.newPage({ viewport: VIEWPORTS.phone });
    await signIn(page);
    await screenshot(page, "admin-emails-list");
    await page.getByRole("row").filter({ hasText: SHOPPER }).getByRole("link", { name: "Welcome to Northwind Goods" }).click();
    await page.waitForURL(/\/admin\/emails\/welcome:/);
    await page.frameLocator("iframe.admin-email-preview").getByRole("heading", { level: 1 }).waitFor();
    await screenshot(page, "admin-email-detail");
    await page.locator("iframe.admin-email-preview").screenshot({ path: `${SCREENSHOTS}/admin-email-preview-390.png` });
    await page.close();
  }, 120_000);
});
