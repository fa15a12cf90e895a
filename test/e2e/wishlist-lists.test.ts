import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, screenshot, VIEWPORTS } from "./browser";
import { signUpByApi } from "./sign-up";
import { type RunningStore, startStore } from "./store";

const PORT = Number(process.env.E2E_WISHLIST_LISTS_PORT ?? Number(process.env.E2E_PORT ?? 8790) + 50);
let store: RunningStore;
let browser: Browser;

beforeAll(async () => {
  [browser, store] = await Promise.all([launchBrowser(), startStore({ port: PORT, products: 40 })]);
}, 300_000);
afterAll(async () => {
  await browser?.close();
  store?.stop();
});

async function shootBoth(page: Page, name: string) {
  const original = page.viewportSize();
  for (const viewport of [VIEWPORTS.desktop, VIEWPORTS.phone]) {
    await page.setViewportSize(viewport);
    await screenshot(page, name);
    const sideways = await page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);
    expect(sideways, `${name} scrolls sideways at ${viewport.width}px`).toBe(false);
  }
  if (original) await page.setViewportSize(original);
}

type Detail = { slug: string; name: string; variants: { sku: string }[] };
async function twoProducts(): Promise<[Detail, Detail]> {
  const list = (await (await fetch(`${store.baseUrl}/api/products?perPage=40`)).json()) as { items: { slug: string }[] };
  const found: Detail[] = [];
  for (const { slug } of list.items) {
    const detail = (await (await fetch(`${store.baseUrl}/api/products/${slug}`)).json()) as Detail;
    if (detail.variants.length === 1) found.push(detail);
    if (found.length === 2) return found as [Detail, Detail];
  }
  throw new Error("not enough single-variant products");
}

async function register(email: string, password: string, name: string) {
  expect((await signUpByApi(store, { email, password, name })).status).toBe(201);
}

async function signIn(page: Page, email: string, password: string) {
  await page.goto("/account/login?returnTo=%2Fwishlist");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.waitForURL(/\/wishlist$/);
}

describe("named wish lists, without JavaScript", () => {
  it("tells a guest they keep one list on this device, and that list becomes the account's Wishlist at sign-in", async () => {
    const [mug] = await twoProducts();
    const email = `guest-list-${Date.now()}@example.test`;
    const password = "one list for guests 7";
    await register(email, password, "Gus Guest");
    const context = await browser.newContext({ viewport: VIEWPORTS.desktop, baseURL: store.baseUrl, javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`/p/${mug.slug}`);
    // A guest has no list to pick: saves go to their one list.
    expect(await page.getByLabel("List to save to").count()).toBe(0);
    await page.getByRole("button", { name: `Save ${mug.name} to your wishlist` }).click();
    await page.waitForURL(new RegExp(`/p/${mug.slug}\\?wished=`));
    await page.goto("/wishlist");
    const hint = page.locator("[data-guest-one-list]");
    expect(await hint.innerText()).toContain("As a guest you keep one list, on this device.");
    expect(await hint.innerText()).toContain("this one comes with you as your Wishlist");
    expect(await page.getByLabel("New list").count()).toBe(0);
    await shootBoth(page, "wishlist-lists-guest");

    await hint.getByRole("link", { name: "Sign in" }).click();
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password", { exact: true }).fill(password);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.waitForURL(/\/wishlist$/);
    expect(await page.getByRole("heading", { level: 1 }).innerText()).toBe("Wishlist");
    expect(await page.locator(`li.wish-line[data-sku="${mug.variants[0]?.sku}"]`).count()).toBe(1);
    expect(await page.locator("[data-guest-one-list]").count()).toBe(0);
    expect(await page.getByLabel("New list").count()).toBe(1);
    await context.close();
  }, 120_000);

  it("creates, picks, moves between, renames, shares and deletes lists; another shopper's list is not found", async () => {
    const [mug, lamp] = await twoProducts();
    const email = `lists-${Date.now()}@example.test`;
    const password = "several lists password 9";
    await register(email, password, "Lena Lists");

    // Forms only: every step must work with scripts off.
    const context = await browser.newContext({ viewport: VIEWPORTS.desktop, baseURL: store.baseUrl, javaScriptEnabled: false });
    const page = await context.newPage();
    await signIn(page, email, password);

    // A new list from the lists panel; the page then shows it.
    await page.getByLabel("New list").fill("Birthday ideas");
    await page.getByRole("button", { name: "Create", exact: true }).click();
    await page.waitForURL(/\/wishlist\?list=wln_/);
    expect(await page.getByRole("heading", { level: 1 }).innerText()).toBe("Birthday ideas");
    const birthdayUrl = page.url();
    // The same name again, in another case, is refused beside the field.
    await page.getByLabel("New list").fill("BIRTHDAY IDEAS");
    await page.getByRole("button", { name: "Create", exact: true }).click();
    expect(await page.getByRole("alert").first().innerText()).toContain("already have a list");
    expect(await page.getByLabel("New list").getAttribute("aria-invalid")).toBe("true");

    // The product page's save form asks which list.
    await page.goto(`/p/${mug.slug}`);
    const which = page.getByLabel("List to save to");
    expect(await which.locator("option").allInnerTexts()).toEqual(["Wishlist", "Birthday ideas"]);
    await which.selectOption({ label: "Birthday ideas" });
    await page.getByRole("button", { name: `Save ${mug.name} to your wishlist` }).click();
    await page.waitForURL(new RegExp(`/p/${mug.slug}\\?wished=`));
    await shootBoth(page, "wishlist-lists-product-picker");
    // Saved to the default list by default.
    await page.goto(`/p/${lamp.slug}`);
    await page.getByRole("button", { name: `Save ${lamp.name} to your wishlist` }).click();
    await page.waitForURL(new RegExp(`/p/${lamp.slug}\\?wished=`));

    await page.goto(birthdayUrl);
    const line = (sku: string) => page.locator(`li.wish-line[data-sku="${sku}"]`);
    expect(await page.locator("li.wish-line").count()).toBe(1);
    expect(await line(mug.variants[0]?.sku as string).count()).toBe(1);
    expect(await page.locator('.wish-lists a[aria-current="page"]').innerText()).toContain("Birthday ideas");
    await shootBoth(page, "wishlist-lists-named");

    // Move the lamp from the default list to the birthday list.
    await page.goto("/wishlist");
    const lampSku = lamp.variants[0]?.sku as string;
    await line(lampSku).getByLabel(`List to move ${lamp.name} to`).selectOption({ label: "Birthday ideas" });
    await line(lampSku)
      .getByRole("button", { name: `Move ${lamp.name} to the chosen list` })
      .click();
    await expect.poll(() => page.locator("li.wish-line").count()).toBe(0);
    expect(new URL(page.url()).pathname + new URL(page.url()).search).toBe("/wishlist");
    await page.goto(birthdayUrl);
    expect(await page.locator("li.wish-line").count()).toBe(2);

    // Rename it, then share it: the friend sees this list only, read-only, without the owner.
    await page.getByText("Edit list").click();
    await page.getByLabel("List name").fill("Lena's birthday");
    await page.getByRole("button", { name: "Rename" }).click();
    // Same address before and after (the form answers 303 back to the list): wait for what changed.
    await expect.poll(() => page.getByRole("heading", { level: 1 }).innerText()).toBe("Lena's birthday");
    expect(page.url()).toBe(birthdayUrl);
    await page.getByRole("button", { name: "Create share link" }).click();
    await expect.poll(() => page.locator(".wish-share-link a").count()).toBe(1);
    const shareHref = (await page.locator(".wish-share-link a").getAttribute("href")) as string;
    expect(shareHref).toMatch(/\/wishlist\/shared\/[A-Za-z0-9_-]{32}$/);
    await page.getByText("Edit list").click();
    await shootBoth(page, "wishlist-lists-edit");

    const friendContext = await browser.newContext({ viewport: VIEWPORTS.phone, baseURL: store.baseUrl });
    const friend = await friendContext.newPage();
    await friend.goto(shareHref);
    const sharedText = await friend.locator("main").innerText();
    expect(sharedText).toContain(mug.name);
    expect(sharedText).toContain(lamp.name);
    for (const secret of ["Lena Lists", email]) expect(sharedText).not.toContain(secret);
    expect(await friend.getByRole("button", { name: /Remove|Move|Delete|Rename/ }).count()).toBe(0);

    // Another shopper who learns the list's id gets "not found", and nothing of it.
    const otherEmail = `other-${Date.now()}@example.test`;
    await register(otherEmail, password, "Otto Other");
    const otherContext = await browser.newContext({ viewport: VIEWPORTS.phone, baseURL: store.baseUrl });
    const other = await otherContext.newPage();
    await signIn(other, otherEmail, password);
    const seen = await other.goto(new URL(birthdayUrl).pathname + new URL(birthdayUrl).search);
    expect(seen?.status()).toBe(404);
    const otherText = await other.locator("main").innerText();
    expect(otherText).toContain("not one of yours");
    expect(otherText).not.toContain(mug.name);
    await shootBoth(other, "wishlist-lists-not-found");

    // Delete the list; the default list offers no delete button.
    await page.goto(birthdayUrl);
    await page.getByText("Edit list").click();
    await page.getByRole("button", { name: "Delete the list Lena's birthday and its items" }).click();
    await page.waitForURL(/\/wishlist\?deleted=1$/);
    expect(await page.getByText("The list was deleted.").count()).toBe(1);
    expect(await page.getByRole("navigation", { name: "Your lists" }).getByRole("link").allInnerTexts()).toEqual([expect.stringContaining("Wishlist")]);
    await page.getByText("Edit list").click();
    // The default list's tools are open (it can be renamed) and offer no delete.
    await page.getByRole("button", { name: "Rename" }).waitFor();
    expect(await page.getByRole("button", { name: /Delete/ }).count()).toBe(0);
    expect((await friend.goto(shareHref))?.status()).toBe(404);
    await shootBoth(page, "wishlist-lists-default");

    await friendContext.close();
    await otherContext.close();
    await context.close();
  });
});
