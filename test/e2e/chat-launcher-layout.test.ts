import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, screenshot, VIEWPORTS } from "./browser";
import { signUpByRequest } from "./sign-up";
import { type RunningStore, startStore } from "./store";

// "Chat with us" must never sit on a page's own actions: on a phone it covered "Move to cart" on /wishlist and the
// forms of /account/security whenever they scrolled under it.

const PORT = Number(process.env.E2E_PORT ?? 8790) + 14;
let store: RunningStore;
let browser: Browser;

beforeAll(async () => {
  [browser, store] = await Promise.all([launchBrowser(), startStore({ port: PORT, products: 20 })]);
}, 300_000);
afterAll(async () => {
  await browser?.close();
  store?.stop();
});

interface Covered {
  action: string;
  launcher: string;
}

/**
 * Every visible action of the page (links, buttons, fields in <main>) brought to the bottom edge of the
 * viewport in turn, the way a shopper scrolls to it: those the launcher's box then overlaps. Also whether
 * the launcher is still on the page.
 */
async function coveredActions(page: Page): Promise<{ covered: Covered[]; actions: number; last: string; launcherShown: boolean }> {
  return page.evaluate(() => {
    const launcher = document.querySelector<HTMLElement>("[data-chat-launcher] .chat-open");
    const visible = (el: Element) => {
      const r = el.getBoundingClientRect();
      return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== "hidden";
    };
    const name = (el: Element) => `${el.tagName.toLowerCase()} "${(el.getAttribute("aria-label") ?? (el as HTMLElement).innerText ?? "").trim().slice(0, 40)}"`;
    const overlap = (a: DOMRect, b: DOMRect) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
    const actions = [...document.querySelectorAll("main a[href], main button, main input:not([type=hidden]), main select, main textarea")].filter(visible);
    const covered: Covered[] = [];
    for (const el of actions) {
      for (const block of ["end", "center"] as const) {
        el.scrollIntoView({ block, inline: "nearest" });
        const box = launcher?.getBoundingClientRect();
        if (box && visible(launcher as Element) && overlap(el.getBoundingClientRect(), box))
          covered.push({ action: name(el), launcher: `${Math.round(box.left)},${Math.round(box.top)}` });
      }
    }
    window.scrollTo(0, document.documentElement.scrollHeight);
    return {
      covered,
      actions: actions.length,
      last: actions.length ? name(actions[actions.length - 1] as Element) : "",
      launcherShown: !!launcher && visible(launcher),
    };
  });
}

describe("the chat launcher never covers a page's actions", () => {
  it("at 390 px on /wishlist, /account/security, /cart and a product page, and at 1280 px at the page's end", async () => {
    const context = await browser.newContext({ viewport: VIEWPORTS.phone, baseURL: store.baseUrl });
    const headers = { Origin: store.baseUrl };
    await signUpByRequest(context.request, store, { email: `layout-${Date.now()}@example.test`, password: "launcher layout pass 9", name: "Lane Layout" });
    const list = (await (await fetch(`${store.baseUrl}/api/products?perPage=20`)).json()) as { items: { slug: string; inStock: boolean }[] };
    const inStock = list.items.filter((p) => p.inStock).map((p) => p.slug);
    for (const slug of inStock.slice(0, 3)) {
      const detail = (await (await fetch(`${store.baseUrl}/api/products/${slug}`)).json()) as { variants: { sku: string }[] };
      const sku = detail.variants[0]?.sku as string;
      expect((await context.request.post("/api/wishlist/items", { data: { sku }, headers })).status()).toBe(200);
    }
    const firstSku = ((await (await fetch(`${store.baseUrl}/api/products/${inStock[0]}`)).json()) as { variants: { sku: string }[] }).variants[0]?.sku;
    expect((await context.request.post("/api/cart/items", { data: { sku: firstSku, quantity: 1 }, headers })).status()).toBe(200);

    const page = await context.newPage();
    for (const [path, mustHave] of [
      ["/wishlist", /Move .* to the cart/],
      ["/account/security", null],
      ["/cart", null],
      [`/p/${inStock[1]}`, null],
    ] as const) {
      await page.goto(path);
      if (mustHave) expect(await page.getByRole("button", { name: mustHave }).count(), path).toBeGreaterThan(0);
      const phone = await coveredActions(page);
      expect(phone.actions, path).toBeGreaterThan(0);
      expect(phone.covered, `${path}: covered at 390 px (last action ${phone.last})`).toEqual([]);
      // Still there to press, at the page's end.
      expect(phone.launcherShown, path).toBe(true);
      await screenshot(page, `chat-launcher${path.replace(/[^a-z0-9]+/gi, "-")}-390`);

      await page.setViewportSize(VIEWPORTS.desktop);
      await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
      const wide = await page.evaluate(() => {
        const launcher = document.querySelector("[data-chat-launcher] .chat-open")?.getBoundingClientRect();
        const actions = [...document.querySelectorAll("main a[href], main button, main input:not([type=hidden]), main select")].filter((el) => {
          const r = el.getBoundingClientRect();
          return r.width > 0 && r.height > 0;
        });
        const last = actions.at(-1)?.getBoundingClientRect();
        if (!launcher || !last) return "missing";
        return last.left < launcher.right && launcher.left < last.right && last.top < launcher.bottom && launcher.top < last.bottom ? "covered" : "clear";
      });
      expect(wide, `${path} at 1280 px`).toBe("clear");
      await screenshot(page, `chat-launcher${path.replace(/[^a-z0-9]+/gi, "-")}-1280`);
      await page.setViewportSize(VIEWPORTS.phone);
    }

    // The launcher still opens the chat on a phone; the open chat floats above the page as a sheet.
    await page.goto("/wishlist");
    await page.getByRole("button", { name: "Chat with us" }).click();
    await expect.poll(() => page.locator(".chat-panel").count(), { timeout: 15_000 }).toBe(1);
    const sheet = await page.locator(".chat-panel").boundingBox();
    expect(sheet && sheet.width).toBeGreaterThan(VIEWPORTS.phone.width - 40);
    await screenshot(page, "chat-launcher-open-390");
    await context.close();
  });
});
