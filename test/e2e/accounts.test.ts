// biome-ignore-all lint/performance/useDomNodeTextContent: Playwright's Locator.innerText() reads the rendered text on purpose (what a shopper sees).
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launchBrowser, screenshot, VIEWPORTS } from "./browser";
import { linkIn, waitForEmail } from "./outbox";
import { askToSignUp, signUpByApi, signUpLink } from "./sign-up";

const baseUrl = inject("baseUrl");
const persistDir = inject("persistDir");
const STRONG = "saffron kettle 7 quietly";
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => {});
  await browser?.close();
});

async function openPage(viewport: keyof typeof VIEWPORTS, options: { javaScriptEnabled?: boolean } = {}): Promise<Page> {
  const context = await browser.newContext({
    viewport: VIEWPORTS[viewport],
    baseURL: baseUrl,
    extraHTTPHeaders: { "CF-Connecting-IP": freshIp() },
    ...options,
  });
  contexts.push(context);
  return context.newPage();
}

const uniqueEmail = (who: string) => `${who}-${crypto.randomUUID().slice(0, 8)}@example.test`;
let ipCounter = 0;
/**
 * A client IP of its own per browser or API caller (sent as CF-Connecting-IP, which
 * the local runtime passes through and Cloudflare's edge sets), so the store's
 * per-IP limits (10 registrations an hour) count each simulated shopper separately.
 */
const freshIp = () => `198.51.100.${(++ipCounter % 250) + 1}`;

/** Screenshots at the page's width, then at the other width, and back. */
async function shootBoth(page: Page, name: string) {
  const original = page.viewportSize();
  for (const viewport of [VIEWPORTS.desktop, VIEWPORTS.phone]) {
    await page.setViewportSize(viewport);
    await screenshot(page, name);
  }
  if (original) await page.setViewportSize(original);
}

/** An account made through the API (for tests that are about something else than registering). */
async function registerByApi(name: string): Promise<{ email: string; password: string }> {
  const email = uniqueEmail(name.split(" ")[0]?.toLowerCase() ?? "shopper");
  const res = await signUpByApi({ baseUrl, persist: persistDir }, { email, name, password: STRONG }, { "CF-Connecting-IP": freshIp() });
  expect(res.status).toBe(201);
  return { email, password: STRONG };
}

async function signIn(page: Page, email: string, password: string) {
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
}

const errorSummary = (page: Page) => page.getByRole("alert");
const accountLink = (page: Page) => page.getByRole("navigation", { name: "Account and cart" }).getByRole("link").first();

describe("a shopper's account (desktop)", () => {
  it("registers through the form and the emailed link, signs out, signs in again, adds an address and edits it", async () => {
    const known = await registerByApi("Known Twin");
    const page = await openPage("desktop");
    const email = uniqueEmail("ada");
    await page.goto("/");
    expect((await accountLink(page).innerText()).trim()).toBe("Sign in");
    await accountLink(page).click();
    await page.waitForURL(/\/account\/login$/);
    await page.getByRole("link", { name: "Create an account" }).click();
    await page.waitForURL(/\/account\/register$/);
    await expect.poll(() => page.getByRole("heading", { level: 1 }).innerText()).toBe("Create an account");
    await shootBoth(page, "account-register");

    // A common password is refused next to the field; name and email stay typed, the password does not.
    await page.getByLabel("Your name").fill("Ada Lovelace");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password", { exact: true }).fill("password1234");
    const [weak] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith("/account/register") && r.request().method() === "POST"),
      page.getByRole("button", { name: "Create account" }).click(),
    ]);
    expect(weak.status()).toBe(400);
    await expect.poll(() => errorSummary(page).innerText()).toContain("Password: This password is too common");
    const password = page.getByLabel("Password", { exact: true });
    expect(await password.getAttribute("aria-invalid")).toBe("true");
    const describedBy = (await password.getAttribute("aria-describedby")) ?? "";
    expect(await page.locator(`#${describedBy.split(" ")[0]}`).innerText()).toContain("This password is too common");
    expect(await password.inputValue()).toBe("");
    expect(await page.getByLabel("Your name").inputValue()).toBe("Ada Lovelace");
    expect(await page.getByLabel("Email").inputValue()).toBe(email);
    // The summary links to the field.
    await errorSummary(page)
      .getByRole("link", { name: /Password/ })
      .click();
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe("field-password");
    await shootBoth(page, "account-register-error");

    await password.fill(STRONG);
    const [asked] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith("/account/register") && r.request().method() === "POST"),
      page.getByRole("button", { name: "Create account" }).click(),
    ]);
    expect(asked.status()).toBe(200);
    expect(asked.headers()["set-cookie"]).toBeUndefined();
    await expect.poll(() => page.getByRole("status").innerText()).toMatch(/^Check your email to finish/);
    const checkEmail = (await page.locator("main").innerText()).replace(email, "<email>");
    await shootBoth(page, "account-register-check-email");

    // The same form with an email that already has an account: the same page (the owner is told by email).
    const twin = await openPage("desktop");
    await twin.goto("/account/register");
    await twin.getByLabel("Your name").fill("Ada Lovelace");
    await twin.getByLabel("Email").fill(known.email);
    await twin.getByLabel("Password", { exact: true }).fill(STRONG);
    const [twinAnswer] = await Promise.all([
      twin.waitForResponse((r) => r.url().endsWith("/account/register") && r.request().method() === "POST"),
      twin.getByRole("button", { name: "Create account" }).click(),
    ]);
    expect(twinAnswer.status()).toBe(200);
    expect(twinAnswer.headers()["set-cookie"]).toBeUndefined();
    await expect.poll(async () => (await twin.locator("main").innerText()).replace(known.email, "<email>")).toBe(checkEmail);
    const notice = await waitForEmail(persistDir, known.email, "account_exists");
    expect(notice.subject).toMatch(/^You already have an account at /);

    // The emailed link opens a page with one button; following it creates the account and signs in.
    await page.goto(await signUpLink(persistDir, email));
    await expect.poll(() => page.getByRole("heading", { level: 1 }).innerText()).toBe("Finish creating your account");
    await shootBoth(page, "account-finish-sign-up");
    await page.getByRole("button", { name: "Create my account" }).click();
    await page.waitForURL(/\/account\?done=welcome$/);
    await expect.poll(() => page.getByRole("heading", { level: 1 }).innerText()).toBe("Hello, Ada");
    expect(await page.getByRole("status").innerText()).toContain("Your account is ready");
    expect(await page.getByText("Verified", { exact: true }).isVisible()).toBe(true);
    expect(await page.getByRole("button", { name: "Resend verification email" }).count()).toBe(0);
    expect((await accountLink(page).innerText()).replace(/\s+/g, " ").trim()).toBe("Hi, Ada Account");
    const cookies = await page.context().cookies();
    expect(cookies.find((c) => c.name === "__Host-at")).toMatchObject({ httpOnly: true, secure: true, sameSite: "Lax" });

    // Sign out, and the account pages send anonymous visitors to sign in (coming back afterwards).
    await page.getByRole("button", { name: "Sign out", exact: true }).click();
    await page.waitForURL(/\/account\/login\?done=signed-out$/);
    expect(await page.getByRole("status").innerText()).toContain("You are signed out.");
    expect((await accountLink(page).innerText()).trim()).toBe("Sign in");
    expect((await page.context().cookies()).filter((c) => c.name.startsWith("__Host-"))).toEqual([]);
    await page.goto("/account/addresses");
    await page.waitForURL(/\/account\/login\?returnTo=%2Faccount%2Faddresses$/);

    // A wrong password: one message for the form, the email kept.
    await signIn(page, email, "not my password at all");
    await expect.poll(() => errorSummary(page).innerText()).toContain("The email or password is not right.");
    expect(await page.getByLabel("Email").inputValue()).toBe(email);
    expect(await page.getByLabel("Password", { exact: true }).inputValue()).toBe("");
    await shootBoth(page, "account-login-error");

    await signIn(page, email, STRONG);
    await page.waitForURL(/\/account\/addresses$/);
    await expect.poll(() => page.getByRole("heading", { level: 1 }).innerText()).toBe("Addresses");
    expect(await page.getByText("You have no saved addresses yet.").isVisible()).toBe(true);

    // Add an address. The country decides the region and postal fields, live.
    const form = page.getByRole("region", { name: "Add an address" });
    expect(await form.getByLabel("Full name").inputValue()).toBe("Ada Lovelace");
    await form.getByLabel("Country", { exact: true }).selectOption("CA");
    await expect.poll(() => form.getByRole("combobox", { name: "Province" }).isVisible()).toBe(true);
    expect(await form.getByRole("textbox", { name: "Postal code" }).isVisible()).toBe(true);
    await form.getByLabel("Country", { exact: true }).selectOption("GB");
    await expect.poll(() => form.getByRole("textbox", { name: "Postcode" }).isVisible()).toBe(true);
    expect(await form.getByRole("combobox", { name: "Province" }).count()).toBe(0);
    await form.getByLabel("Country", { exact: true }).selectOption("US");
    await form.getByLabel("Address line 1").fill("1 Analytical Way");
    await form.getByLabel("City").fill("San Francisco");
    await form.getByRole("combobox", { name: "State" }).selectOption("CA");
    await form.getByRole("textbox", { name: "ZIP code" }).fill("ABC");
    await form.getByRole("button", { name: "Add address" }).click();
    // The server checks the ZIP code for the United States and keeps everything typed.
    await expect.poll(() => errorSummary(page).innerText()).toContain("Not a valid zip code for United States (like 94105)");
    const zip = page.getByRole("textbox", { name: "ZIP code" });
    expect(await zip.getAttribute("aria-invalid")).toBe("true");
    expect(await page.getByLabel("Address line 1").inputValue()).toBe("1 Analytical Way");
    expect(await page.getByRole("combobox", { name: "State" }).inputValue()).toBe("CA");
    await zip.fill("94105");
    await page.getByRole("button", { name: "Add address" }).click();
    await page.waitForURL(/\/account\/addresses\?done=added$/);
    const saved = page.getByRole("list", { name: "Saved addresses" }).getByRole("listitem");
    await expect.poll(() => saved.count()).toBe(1);
    expect(await saved.first().innerText()).toMatch(
      /Default shipping[\s\S]*Default billing[\s\S]*1 Analytical Way[\s\S]*San Francisco, CA 94105[\s\S]*United States/,
    );

    // Edit it: the change shows in the list.
    await saved.first().getByRole("link", { name: /^Edit/ }).click();
    await page.waitForURL(/\/account\/addresses\/adr_[\w-]+$/);
    expect(await page.getByLabel("Address line 1").inputValue()).toBe("1 Analytical Way");
    await shootBoth(page, "account-address-edit");
    await page.getByLabel("Address line 1").fill("500 Market Street");
    await page.getByLabel("Address line 2").fill("Floor 3");
    await page.getByRole("button", { name: "Save address" }).click();
    await page.waitForURL(/\/account\/addresses\?done=updated$/);
    expect(await page.getByRole("status").innerText()).toContain("Address saved.");
    expect(await saved.first().innerText()).toMatch(/500 Market Street\s+Floor 3/);
    expect(await saved.first().innerText()).not.toContain("1 Analytical Way");

    // A second address, made the default; then the first is deleted after a confirmation step.
    await page.getByLabel("Country", { exact: true }).selectOption("GB");
    await page.getByLabel("Full name").fill("Ada King");
    await page.getByLabel("Address line 1").fill("12 St James's Square");
    await page.getByLabel("City").fill("London");
    await page.getByRole("textbox", { name: "Postcode" }).fill("sw1y 4jh");
    await page.getByRole("button", { name: "Add address" }).click();
    await page.waitForURL(/done=added$/);
    await expect.poll(() => saved.count()).toBe(2);
    const london = saved.filter({ hasText: "London" });
    expect(await london.innerText()).toContain("SW1Y 4JH");
    expect(await london.innerText()).not.toContain("Default");
    await london.getByRole("button", { name: /^Make default/ }).click();
    await page.waitForURL(/done=default$/);
    expect(await saved.first().innerText()).toMatch(/Default shipping[\s\S]*London/);
    await shootBoth(page, "account-addresses");

    await saved
      .filter({ hasText: "500 Market Street" })
      .getByRole("link", { name: /^Delete/ })
      .click();
    await page.waitForURL(/\?confirm=delete$/);
    await expect.poll(() => page.getByRole("heading", { level: 1 }).innerText()).toBe("Delete this address?");
    await page.getByRole("button", { name: "Yes, delete it" }).click();
    await page.waitForURL(/done=deleted$/);
    await expect.poll(() => saved.count()).toBe(1);
    expect(await saved.first().innerText()).toContain("London");

    // The overview shows the default address.
    await page.getByRole("navigation", { name: "Your account" }).getByRole("link", { name: "Overview" }).click();
    await page.waitForURL(/\/account$/);
    expect(await page.getByRole("region", { name: "Default address" }).innerText()).toContain("12 St James's Square");
    await shootBoth(page, "account-overview");
  }, 150_000);

  it("edits the profile and changes the password, with inline errors for a wrong current password", async () => {
    const { email } = await registerByApi("Grace Hopper");
    const page = await openPage("desktop");
    await page.goto("/account/profile");
    await page.waitForURL(/returnTo=%2Faccount%2Fprofile$/);
    await signIn(page, email, STRONG);
    await page.waitForURL(/\/account\/profile$/);

    await page.getByRole("textbox", { name: "Phone" }).fill("not a phone");
    await page.getByRole("button", { name: "Save details" }).click();
    await expect.poll(() => errorSummary(page).innerText()).toContain("Phone: Enter a phone number");
    await page.getByLabel("Name", { exact: true }).fill("Grace B. Hopper");
    await page.getByRole("textbox", { name: "Phone" }).fill("+1 202 555 0143");
    await page.getByRole("button", { name: "Save details" }).click();
    await page.waitForURL(/done=profile$/);
    expect(await page.getByLabel("Name", { exact: true }).inputValue()).toBe("Grace B. Hopper");
    expect(await page.getByRole("textbox", { name: "Phone" }).inputValue()).toBe("+1 202 555 0143");

    await page.getByLabel("Current password").fill("this is not it at all");
    await page.getByLabel("New password", { exact: true }).fill("a brand new phrase 42");
    await page.getByRole("button", { name: "Change password" }).click();
    await expect.poll(() => errorSummary(page).innerText()).toContain("Current password: Not your current password");
    expect(await page.getByLabel("Current password").getAttribute("aria-invalid")).toBe("true");
    await shootBoth(page, "account-profile-error");

    await page.getByLabel("Current password").fill(STRONG);
    await page.getByLabel("New password", { exact: true }).fill("a brand new phrase 42");
    await page.getByRole("button", { name: "Change password" }).click();
    await page.waitForURL(/done=password$/);
    expect(await page.getByRole("status").innerText()).toContain("Your password is changed");
    // Still signed in here (a fresh session), and the new password works elsewhere.
    expect((await accountLink(page).innerText()).replace(/\s+/g, " ")).toContain("Hi, Grace");
    const other = await openPage("desktop");
    await other.goto("/account/login");
    await signIn(other, email, "a brand new phrase 42");
    await other.waitForURL(/\/account$/);
  });

  it("resets a forgotten password from the emailed link, with the same answer for unknown emails", async () => {
    const { email } = await registerByApi("Katherine Johnson");
    const page = await openPage("desktop");
    await page.goto("/account/login");
    await page.getByRole("link", { name: "Forgot your password?" }).click();
    await page.waitForURL(/\/account\/forgot-password$/);
    await page.getByLabel("Email").fill("nobody-here@example.test");
    await page.getByRole("button", { name: "Send reset link" }).click();
    await page.waitForURL(/sent=1$/);
    const unknownAnswer = await page.getByRole("status").innerText();

    await page.getByRole("link", { name: "Send another link" }).click();
    await page.getByLabel("Email").fill(email);
    await page.getByRole("button", { name: "Send reset link" }).click();
    await page.waitForURL(/sent=1$/);
    expect(await page.getByRole("status").innerText()).toBe(unknownAnswer);

    const mail = await waitForEmail(persistDir, email, "password_reset");
    await page.goto(linkIn(mail.text, "/account/reset-password?token="));
    await page.getByLabel("New password", { exact: true }).fill("short");
    await page.getByRole("button", { name: "Save new password" }).click();
    await expect.poll(() => errorSummary(page).innerText()).toContain("Use at least 12 characters");
    await page.getByLabel("New password", { exact: true }).fill("orbital mechanics 1962");
    await page.getByRole("button", { name: "Save new password" }).click();
    await page.waitForURL(/\/account\/login\?done=password-reset$/);
    await signIn(page, email, "orbital mechanics 1962");
    await page.waitForURL(/\/account$/);

    // The link works once.
    await page.goto(linkIn(mail.text, "/account/reset-password?token="));
    await page.getByLabel("New password", { exact: true }).fill("another phrase entirely");
    await page.getByRole("button", { name: "Save new password" }).click();
    await expect.poll(() => errorSummary(page).innerText()).toContain("This link does not work");
  });

  it("finishes a sign-up with a button on the emailed link (opening the link alone creates nothing); the link works once", async () => {
    const email = uniqueEmail("mary");
    await askToSignUp({ baseUrl, persist: persistDir }, { email, name: "Mary Jackson", password: STRONG }, { "CF-Connecting-IP": freshIp() });
    const link = await signUpLink(persistDir, email);
    // A mail scanner fetching the link creates nothing: the password does not sign in yet.
    expect((await fetch(`${baseUrl}${link}`)).status).toBe(200);
    const page = await openPage("phone", { javaScriptEnabled: false });
    await page.goto("/account/login");
    await signIn(page, email, STRONG);
    await expect.poll(() => errorSummary(page).innerText()).toContain("The email or password is not right.");

    await page.goto(link);
    await page.getByRole("button", { name: "Create my account" }).click();
    await page.waitForURL(/\/account\?done=welcome$/);
    expect(await page.getByText("Verified", { exact: true }).isVisible()).toBe(true);
    await page.getByRole("button", { name: "Sign out", exact: true }).click();
    await page.waitForURL(/done=signed-out$/);
    await page.goto(link);
    await page.getByRole("button", { name: "Create my account" }).click();
    await expect.poll(() => errorSummary(page).innerText()).toContain("This link does not work");
    await shootBoth(page, "account-finish-sign-up-used");
  });

  it("answers account pages with private, no-store and keeps signed-in shoppers away from sign-in and register", async () => {
    const anonymous = await fetch(`${baseUrl}/account`, { redirect: "manual" });
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get("location")).toBe("/account/login?returnTo=%2Faccount");
    const login = await fetch(`${baseUrl}/account/login?returnTo=//evil.example/x`);
    expect(login.headers.get("cache-control")).toBe("private, no-store");
    const html = await login.text();
    // An off-site returnTo is replaced by the account page.
    expect(html).toContain('name="returnTo" value="/account"');
    expect(html).not.toContain("evil.example");
    // Signing out is a form post only.
    expect((await fetch(`${baseUrl}/account/logout`, { redirect: "manual" })).headers.get("location")).toBe("/account");
    // Form posts from another origin are refused (Astro's checkOrigin).
    const foreign = await fetch(`${baseUrl}/account/login`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: "https://evil.example" },
      body: "email=a%40example.test&password=x",
    });
    expect(foreign.status).toBe(403);

    const { email } = await registerByApi("Dorothy Vaughan");
    const page = await openPage("desktop");
    await page.goto("/account/login");
    await signIn(page, email, STRONG);
    await page.waitForURL(/\/account$/);
    for (const path of ["/account/login", "/account/register"]) {
      await page.goto(path);
      await page.waitForURL(/\/account$/);
    }
    // Sign out everywhere ends the other browser's session too.
    const other = await openPage("desktop");
    await other.goto("/account/login");
    await signIn(other, email, STRONG);
    await other.waitForURL(/\/account$/);
    await page.getByRole("button", { name: "Sign out everywhere" }).click();
    await page.waitForURL(/done=signed-out-everywhere$/);
    await other.goto("/account");
    await other.waitForURL(/\/account\/login\?returnTo=%2Faccount$/);
  });
});

describe("signing in with a guest cart", () => {
  it("keeps the guest cart: its items are in the account's cart after signing in", async () => {
    const { email } = await registerByApi("Ida Guest");
    const listing = (await (await fetch(`${baseUrl}/api/products?perPage=20&inStock=true`)).json()) as { items: { slug: string }[] };
    let sku: string | undefined;
    for (const item of listing.items) {
      const detail = (await (await fetch(`${baseUrl}/api/products/${item.slug}`)).json()) as { variants: { sku: string; stockStatus: string }[] };
      sku = detail.variants.find((v) => v.stockStatus === "in_stock")?.sku;
      if (sku) break;
    }
    if (!sku) throw new Error("no product in stock in the seeded catalog");
    const page = await openPage("desktop");
    await page.goto("/");
    const added = await page.request.post("/api/cart/items", { data: { sku, quantity: 2 } });
    expect(added.status()).toBe(200);

    await page.goto("/account/login");
    await signIn(page, email, STRONG);
    await page.waitForURL(/\/account$/);
    const cart = (await (await page.request.get("/api/cart")).json()) as { items: { sku: string; quantity: number }[] };
    expect(cart.items).toEqual([expect.objectContaining({ sku, quantity: 2 })]);
  });
});

describe("a shopper's account on a phone without JavaScript", () => {
  it("signs in, adds an address for another country (fields re-rendered by the server) and signs out", async () => {
    const { email } = await registerByApi("Hedy Lamarr");
    const page = await openPage("phone", { javaScriptEnabled: false });
    await page.goto("/account/addresses");
    await page.waitForURL(/\/account\/login\?returnTo=%2Faccount%2Faddresses$/);
    await signIn(page, email, "wrong password, sorry");
    await expect.poll(() => errorSummary(page).innerText()).toContain("The email or password is not right.");
    await signIn(page, email, STRONG);
    await page.waitForURL(/\/account\/addresses$/);

    // Without JavaScript the country change is applied by the server.
    await page.getByLabel("Country", { exact: true }).selectOption("CA");
    expect(await page.getByRole("textbox", { name: "ZIP code" }).isVisible()).toBe(true);
    await page.getByRole("button", { name: "Update fields for this country" }).click();
    await expect.poll(() => page.getByRole("combobox", { name: "Province" }).isVisible()).toBe(true);
    expect(await page.getByLabel("Country", { exact: true }).inputValue()).toBe("CA");
    expect(await page.getByRole("alert").count()).toBe(0);
    await page.getByLabel("Address line 1").fill("24 Sussex Drive");
    await page.getByLabel("City").fill("Ottawa");
    await page.getByRole("combobox", { name: "Province" }).selectOption("ON");
    await page.getByRole("textbox", { name: "Postal code" }).fill("k1m 1m4");
    await page.getByRole("button", { name: "Add address" }).click();
    await page.waitForURL(/done=added$/);
    expect(await page.getByRole("list", { name: "Saved addresses" }).innerText()).toMatch(/Ottawa, ON K1M 1M4[\s\S]*Canada/);

    // "Other country" takes a two-letter code.
    await page.getByLabel("Country", { exact: true }).selectOption("other");
    await page.getByRole("button", { name: "Update fields for this country" }).click();
    await page.getByLabel("Country code").fill("ZA");
    await page.getByLabel("Address line 1").fill("1 Long Street");
    await page.getByLabel("City").fill("Cape Town");
    // South Africa's postal code is required by the store's country rules (the same ones checkout applies).
    await page.getByRole("textbox", { name: "Postal code" }).fill("8001");
    await page.getByRole("button", { name: "Add address" }).click();
    await page.waitForURL(/done=added$/);
    expect(await page.getByRole("list", { name: "Saved addresses" }).innerText()).toContain("South Africa");

    await page.getByRole("navigation", { name: "Your account" }).getByRole("link", { name: "Overview" }).click();
    await page.getByRole("button", { name: "Sign out", exact: true }).click();
    await page.waitForURL(/done=signed-out$/);
    await page.goto("/account");
    await page.waitForURL(/\/account\/login\?returnTo=%2Faccount$/);
  });
});
