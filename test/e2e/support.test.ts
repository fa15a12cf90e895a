import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, screenshot, VIEWPORTS } from "./browser";
import { linkIn, waitForEmail } from "./outbox";
import { signInOnPage } from "./staff-sign-in";
import { startStore } from "./store";

// Its own store inside this suite's port range (E2E_PORT + 20), so the chat and inbox state is its own.
const STORE_PORT = Number(process.env.E2E_PORT ?? 8790) + 20;
const ADMIN = { email: "desk-admin@example.test", password: "help desk admin passphrase 7" };
const GUEST = "phone-guest@example.test";

let store: Awaited<ReturnType<typeof startStore>>;
let browser: Browser;
beforeAll(async () => {
  store = await startStore({ port: STORE_PORT, products: 4, admin: ADMIN, vars: { SUPPORT_EMAIL_DOMAIN: "help.shop.test" } });
  browser = await launchBrowser();
}, 180_000);
afterAll(async () => {
  await browser?.close();
  store?.stop();
});

describe("the help desk in the browser", () => {
  it("a guest on a phone writes in; an agent at a desk answers from the inbox; the guest reads the answer by the emailed link", async () => {
    const shopper = await browser.newContext({ viewport: VIEWPORTS.phone, isMobile: true, hasTouch: true });
    const agent = await browser.newContext({ viewport: VIEWPORTS.desktop });
    const phone = await shopper.newPage();
    const desk = await agent.newPage();

    // The contact page is one footer link away from every page, and works as a plain form.
    await phone.goto(`${store.baseUrl}/`);
    await phone.getByRole("link", { name: "Contact us" }).click();
    await phone.getByLabel("Your email").fill(GUEST);
    await phone.getByLabel("Your name").fill("Pia <Phone>");
    await phone.getByLabel("Subject").fill("Gift wrapping?");
    await phone.getByLabel("Message").fill("Can you gift-wrap my order?\nThanks!");
    await phone.getByRole("button", { name: "Send" }).click();
    await expect.poll(() => phone.getByRole("status").textContent()).toContain("We emailed you a link");
    await screenshot(phone, "support-contact-sent");

    const received = await waitForEmail(store.persist, GUEST, "support_ticket_received");
    const ticketPath = linkIn(received.text, "/support/tickets/");

    // The agent finds it in the inbox and answers.
    await desk.goto(`${store.baseUrl}/account/login?returnTo=/admin/support`);
    await signInOnPage(desk, ADMIN);
    await desk.waitForURL(/\/admin\/support$/);
    await desk.getByRole("link", { name: /Gift wrapping\?/ }).click();
    await expect.poll(() => desk.locator(".support-message-body").first().textContent()).toContain("Can you gift-wrap my order?");
    await desk.getByLabel("Reply", { exact: true }).fill("Yes! Add a note at checkout and we wrap it for free.");
    await desk.getByRole("button", { name: "Send" }).click();
    await desk.waitForURL(/done=reply/);
    await expect.poll(() => desk.getByRole("status").textContent()).toContain("Reply sent");
    await screenshot(desk, "support-agent-ticket");

    // The guest opens the emailed link on the phone: the answer is there (text, not markup), and they reply.
    const reply = await waitForEmail(store.persist, GUEST, "support_reply");
    expect(reply.text).toContain("we wrap it for free");
    await phone.goto(`${store.baseUrl}${ticketPath}`);
    await expect.poll(() => phone.locator(".support-message-body").last().textContent()).toContain("we wrap it for free");
    await expect.poll(() => phone.getByText("Waiting for your answer").count()).toBe(1);
    await phone.getByLabel("Your reply").fill("Perfect, thank you.");
    await phone.getByRole("button", { name: "Send reply" }).click();
    await expect.poll(() => phone.getByRole("status").textContent()).toContain("Your message was added");
    await screenshot(phone, "support-ticket-phone");

    // Back at the desk the ticket is open again.
    await desk.goto(`${store.baseUrl}/admin/support`);
    await expect.poll(() => desk.locator("tbody tr", { hasText: "Gift wrapping?" }).textContent()).toContain("open");
    await screenshot(desk, "support-inbox");
    await shopper.close();
    await agent.close();
  });

  it("live chat: a shopper on a phone and an agent at a desk chat; ending it saves the transcript to a ticket", async () => {
    const shopper = await browser.newContext({ viewport: VIEWPORTS.phone, isMobile: true, hasTouch: true });
    const agent = await browser.newContext({ viewport: VIEWPORTS.desktop });
    const phone = await shopper.newPage();
    const desk = await agent.newPage();

    // The agent opens the console first, so they are online.
    await desk.goto(`${store.baseUrl}/account/login?returnTo=/admin/support/chat`);
    await signInOnPage(desk, ADMIN);
    await desk.waitForURL(/\/admin\/support\/chat$/);
    await expect.poll(() => desk.getByText("You are online").count(), { timeout: 20_000 }).toBe(1);

    // The storefront page loads no chat code until the button is pressed.
    const scripts: string[] = [];
    phone.on("request", (r) => {
      if (r.resourceType() === "script") scripts.push(r.url());
    });
    await phone.goto(`${store.baseUrl}/`);
    expect(scripts.some((u) => /ChatWidget/.test(u))).toBe(false);
    await phone.getByRole("button", { name: "Chat with us" }).click();
    // The chat's own status line (product cards have their wishlist buttons' status regions too).
    const chatStatus = () => phone.getByRole("region", { name: "Live chat" }).getByRole("status");
    await phone.getByLabel("Your email, so we can answer if you leave").fill("chatty@example.test");
    await phone.getByRole("button", { name: "Start chat" }).click();
    await expect.poll(() => chatStatus().textContent(), { timeout: 20_000 }).toMatch(/chatting with|Connected/);

    await phone.getByLabel("Message").fill("Hi! Is the <b>blue</b> mug dishwasher safe?");
    await phone.getByRole("button", { name: "Send", exact: true }).click();
    await expect.poll(() => desk.locator(".chat-text").last().textContent(), { timeout: 20_000 }).toBe("Hi! Is the <b>blue</b> mug dishwasher safe?");
    await desk.getByLabel(/Reply to/).fill("Yes, top rack.");
    await desk.getByRole("button", { name: "Send", exact: true }).click();
    await expect.poll(() => phone.locator(".chat-text").last().textContent(), { timeout: 20_000 }).toBe("Yes, top rack.");
    // Read receipts both ways: each side's last message the other has read is marked "Seen" (once, under it).
    const seenOn = (page: typeof phone) => page.locator(".chat-line:has(.chat-seen) .chat-text").allTextContents();
    await expect.poll(() => seenOn(phone), { timeout: 20_000 }).toEqual(["Hi! Is the <b>blue</b> mug dishwasher safe?"]);
    await expect.poll(() => seenOn(desk), { timeout: 20_000 }).toEqual(["Yes, top rack."]);
    await screenshot(phone, "support-chat-phone");
    await screenshot(desk, "support-chat-console");

    await phone.getByRole("button", { name: "End chat" }).click();
    await expect.poll(() => chatStatus().textContent(), { timeout: 20_000 }).toMatch(/Saved as request T-\d+/);
    const reference = /T-\d+/.exec((await chatStatus().textContent()) ?? "")?.[0] as string;

    await desk.goto(`${store.baseUrl}/admin/support?status=&q=${reference}`);
    await desk.getByRole("link", { name: new RegExp(reference) }).click();
    await expect.poll(() => desk.locator(".support-message-body").allTextContents()).toEqual(["Hi! Is the <b>blue</b> mug dishwasher safe?", "Yes, top rack."]);
    await screenshot(desk, "support-chat-transcript");
    await shopper.close();
    await agent.close();
  });
});
