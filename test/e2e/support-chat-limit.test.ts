import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, screenshot, VIEWPORTS } from "./browser";
import { startStore } from "./store";

// A store of its own whose per-sender chat limit is 1 (SUPPORT_CHATS_PER_SENDER), so the second chat a guest
// starts is refused and the widget has to say so, with when to try again.
const PORT = Number(process.env.E2E_PORT ?? 8790) + 30;
const GUEST = "eager-chatter@example.test";

let store: Awaited<ReturnType<typeof startStore>>;
let browser: Browser;
beforeAll(async () => {
  [store, browser] = await Promise.all([startStore({ port: PORT, products: 4, vars: { SUPPORT_CHATS_PER_SENDER: "1" } }), launchBrowser()]);
}, 180_000);
afterAll(async () => {
  await browser?.close();
  store?.stop();
});

/** Opens the widget and starts a chat with the guest's email; answers the store's answer to that start. */
async function startChat(page: import("playwright-core").Page) {
  await page.goto(`${store.baseUrl}/`);
  await page.getByRole("button", { name: "Chat with us" }).click();
  await page.getByLabel("Your email, so we can answer if you leave").fill(GUEST);
  const answer = page.waitForResponse((r) => r.url().endsWith("/api/support/chats") && r.request().postData()?.includes(GUEST) === true);
  await page.getByRole("button", { name: "Start chat" }).click();
  return answer;
}

describe("the chat widget when chat start is rate-limited", () => {
  it("the shopper is told the chat cannot start yet, when to try again, and where to write instead", async () => {
    // The first chat uses the one start this address may make.
    const first = await browser.newContext({ viewport: VIEWPORTS.desktop });
    const firstPage = await first.newPage();
    expect((await startChat(firstPage)).status()).toBe(201);
    await expect.poll(() => firstPage.locator(".chat-status").textContent(), { timeout: 20_000 }).toMatch(/Connected|in line|chatting with/);
    expect(await firstPage.getByRole("alert").count()).toBe(0);

    // The same guest in another browser (a phone): refused, and told so in words, not "unavailable".
    const phone = await browser.newContext({ viewport: VIEWPORTS.phone, isMobile: true, hasTouch: true });
    const page = await phone.newPage();
    const answer = await startChat(page);
    expect(answer.status()).toBe(429);
    const retryAfter = Number(await answer.headerValue("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);

    const alert = page.getByRole("alert");
    await expect.poll(() => alert.textContent()).toContain("cannot start another one yet");
    const text = (await alert.textContent()) ?? "";
    // The wait the store gave (Retry-After, up to an hour here), in minutes, and the local time it ends.
    const minutes = Math.ceil(retryAfter / 60);
    expect(text).toContain(`Try again in about ${minutes} minute${minutes === 1 ? "" : "s"} (after `);
    // Read in the page's own clock and locale; either side of a minute's turn since the answer came.
    const until = await page.evaluate(
      (s) => [0, -20_000].map((back) => new Date(Date.now() + back + s * 1000).toLocaleTimeString([], { hour: "numeric", minute: "2-digit" })),
      retryAfter,
    );
    expect(until.some((t) => text.includes(`(after ${t})`))).toBe(true);
    await expect.poll(() => page.locator(".chat-status").count()).toBe(0);
    await page.getByRole("alert").getByRole("link", { name: "write to us" }).waitFor();
    expect(await alert.getByRole("link", { name: "write to us" }).getAttribute("href")).toBe("/support");
    // The form stays, so the shopper can try again later without reloading.
    expect(await page.getByRole("button", { name: "Start chat" }).isVisible()).toBe(true);

    for (const viewport of [VIEWPORTS.phone, VIEWPORTS.desktop]) {
      await page.setViewportSize(viewport);
      await screenshot(page, "support-chat-limited");
    }

    // The contact page the message points to still takes the request.
    await alert.getByRole("link", { name: "write to us" }).click();
    await page.waitForURL(/\/support$/);
    await Promise.all([first.close(), phone.close()]);
  }, 120_000);
});
