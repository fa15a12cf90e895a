import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, screenshot, VIEWPORTS } from "./browser";
import { linkIn, waitForEmail } from "./outbox";
import { signUpByApi } from "./sign-up";
import { signInByApi, signInOnPage } from "./staff-sign-in";
import { startStore } from "./store";

// Its own store inside this file's port block, so its seller, team and audit log are its own.
const STORE_PORT = Number(process.env.E2E_PORT ?? 8790) + 7;
const ADMIN = { email: "team-admin@example.test", password: "team admin passphrase 7" };
const OWNER = { email: "weaver@example.test", password: "loom and shuttle passphrase 5", name: "Wren Weaver" };
const TEAMMATE = { email: "packer@example.test", password: "boxes and tape passphrase 3", name: "Parker Packer" };

let store: Awaited<ReturnType<typeof startStore>>;
let browser: Browser;
let adminToken = "";

async function api(path: string, token: string, body?: unknown) {
  const res = await fetch(`${store.baseUrl}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<Record<string, unknown>>;
}
const tokenOf = async (res: Response) => ((await res.json()) as { accessToken: string }).accessToken;
async function register(who: { email: string; password: string; name: string }) {
  const res = await signUpByApi(store, who);
  if (res.status !== 201) throw new Error(`register ${who.email}: ${res.status} ${await res.text()}`);
}

beforeAll(async () => {
  store = await startStore({ port: STORE_PORT, products: 4, admin: ADMIN });
  browser = await launchBrowser();
  // An approved seller, the way one becomes one: registers, applies, and an admin approves.
  await register(OWNER);
  const owner = await tokenOf(await signInByApi(store.baseUrl, OWNER));
  const applied = await api("/api/vendor-applications", owner, {
    name: "Wren's Weaving",
    handle: "wren-weaving",
    contactEmail: OWNER.email,
    country: "US",
    description: "Hand-woven throws and table runners from a two-loom studio.",
  });
  adminToken = await tokenOf(await signInByApi(store.baseUrl, ADMIN));
  await api(`/api/admin/vendors/${applied.id}/approve`, adminToken, {});
  await register(TEAMMATE);
}, 600_000);
afterAll(async () => {
  await browser?.close();
  store?.stop();
});

async function signedIn(who: { email: string; password: string }, viewport: (typeof VIEWPORTS)[keyof typeof VIEWPORTS], returnTo: string): Promise<Page> {
  const context = await browser.newContext({ viewport, ...(viewport === VIEWPORTS.phone ? { isMobile: true, hasTouch: true } : {}) });
  const page = await context.newPage();
  await page.goto(`${store.baseUrl}/account/login?returnTo=${encodeURIComponent(returnTo)}`);
  await signInOnPage(page, who);
  await page.waitForURL((url) => url.pathname + url.search === returnTo);
  return page;
}

const member = (page: Page, email: string) => page.locator(`li[data-member="${email}"]`);

describe("an owner's team page (/vendor/team), without JavaScript", () => {
  it("invites by email, withdraws an invitation, changes what a member may do and removes them; every step is in the audit log", async () => {
    const phone = await signedIn(OWNER, VIEWPORTS.phone, "/vendor/team");
    expect(await phone.getByRole("heading", { level: 1 }).textContent()).toBe("Team");
    // The only owner: listed with everything an owner may do, and never offered for removal.
    expect(await member(phone, OWNER.email).textContent()).toContain("Shop settings and team");
    expect(
      await member(phone, OWNER.email)
        .getByText(/^Remove/)
        .count(),
    ).toBe(0);

    // A wrong address is named in the summary and nothing is sent.
    await phone.getByLabel("Email address").fill("not-an-address");
    await phone.getByRole("button", { name: "Send invitation" }).click();
    await expect.poll(() => phone.getByRole("alert").first().textContent()).toContain("Email address");
    expect(await phone.getByLabel("Email address").inputValue()).toBe("not-an-address");

    await phone.getByLabel("Email address").fill("someone-else@example.test");
    await phone.getByLabel("Role", { exact: true }).selectOption("finance");
    await phone.getByRole("button", { name: "Send invitation" }).click();
    await phone.waitForURL(/done=invited/);
    await phone.getByLabel("Email address").fill(TEAMMATE.email);
    await phone.getByLabel("Role", { exact: true }).selectOption("orders");
    await phone.getByRole("button", { name: "Send invitation" }).click();
    await phone.waitForURL(/done=invited/);
    expect(await phone.getByRole("status").textContent()).toContain(`Invitation sent to ${TEAMMATE.email}`);
    expect(await phone.locator("li[data-invitation]").count()).toBe(2);
    await screenshot(phone, "vendor-team-invited");

    await phone.getByRole("button", { name: "Withdraw invitation for someone-else@example.test" }).click();
    await phone.waitForURL(/done=revoked/);
    expect(await phone.locator("li[data-invitation]").allTextContents()).toEqual([expect.stringContaining(TEAMMATE.email)]);

    // The teammate follows the emailed link, signed in with the invited address, and joins.
    const email = await waitForEmail(store.persist, TEAMMATE.email, "vendor_invitation");
    const link = linkIn(email.text, "/sell/join");
    const teammate = await signedIn(TEAMMATE, VIEWPORTS.phone, link);
    await teammate.getByRole("button", { name: "Accept the invitation" }).click();
    await expect.poll(() => teammate.getByRole("status").first().textContent()).toContain("You joined Wren's Weaving as orders");
    await teammate.context().close();

    await phone.goto(`${store.baseUrl}/vendor/team`);
    expect(await phone.locator("li[data-invitation]").count()).toBe(0);
    expect(await member(phone, TEAMMATE.email).textContent()).toContain("Orders and returns");
    await member(phone, TEAMMATE.email).getByLabel(`Role of ${TEAMMATE.name}`).selectOption("catalog");
    await member(phone, TEAMMATE.email)
      .getByRole("button", { name: `Change role of ${TEAMMATE.name}` })
      .click();
    await phone.waitForURL(/done=role/);
    expect(await member(phone, TEAMMATE.email).locator("[data-role]").textContent()).toBe("Catalog");
    expect(await member(phone, TEAMMATE.email).textContent()).toContain("Products and stock");
    expect(await member(phone, TEAMMATE.email).textContent()).not.toContain("Orders and returns");
    await screenshot(phone, "vendor-team");

    // The teammate, signed in again, works in products but cannot manage the team.
    const catalogMember = await signedIn(TEAMMATE, VIEWPORTS.phone, "/vendor/products");
    expect(await catalogMember.getByRole("heading", { level: 1 }).textContent()).toBe("Products");
    expect(await catalogMember.getByRole("link", { name: "Team" }).count()).toBe(0);
    expect((await catalogMember.goto(`${store.baseUrl}/vendor/team`))?.status()).toBe(403);
    await catalogMember.context().close();

    await member(phone, TEAMMATE.email).getByText(`Remove ${TEAMMATE.name}…`).click();
    await member(phone, TEAMMATE.email)
      .getByRole("button", { name: `Remove ${TEAMMATE.name}` })
      .click();
    await phone.waitForURL(/done=removed/);
    expect(await member(phone, TEAMMATE.email).count()).toBe(0);
    await phone.context().close();

    const audit = (await api("/api/admin/audit?action=vendor.&perPage=50", adminToken)) as { items: { action: string; actorEmail: string }[] };
    const TEAM_ACTIONS = ["vendor.member_invite", "vendor.invitation_revoke", "vendor.member_join", "vendor.member_role", "vendor.member_remove"];
    const team = audit.items.filter((e) => TEAM_ACTIONS.includes(e.action)).reverse();
    expect(team.map((e) => [e.action, e.actorEmail])).toEqual([
      ["vendor.member_invite", OWNER.email],
      ["vendor.member_invite", OWNER.email],
      ["vendor.invitation_revoke", OWNER.email],
      ["vendor.member_join", TEAMMATE.email],
      ["vendor.member_role", OWNER.email],
      ["vendor.member_remove", OWNER.email],
    ]);
  }, 300_000);

  it("looks right at a desk, and a catalog member's account is back to a customer's after removal", async () => {
    const desk = await signedIn(OWNER, VIEWPORTS.desktop, "/vendor/team");
    expect(await desk.getByRole("navigation", { name: "Seller sections" }).getByRole("link", { name: "Team" }).getAttribute("aria-current")).toBe("page");
    await screenshot(desk, "vendor-team");
    await desk.context().close();
    const again = await tokenOf(await signInByApi(store.baseUrl, TEAMMATE));
    const me = await api("/api/me", again);
    expect(me.role).toBe("customer");
  }, 300_000);
});
