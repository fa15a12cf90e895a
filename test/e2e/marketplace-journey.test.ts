import { createHmac } from "node:crypto";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, screenshot, VIEWPORTS } from "./browser";
import { FakeStripe } from "./fake-stripe";
import { linkIn, waitForEmail } from "./outbox";
import { signUpByRequest, signUpLink } from "./sign-up";
import { signInOnPage } from "./staff-sign-in";
import { startStore } from "./store";

// The whole marketplace as people live it, through the pages they use: a seller applies and is approved, lists a
// product with stock and connects Stripe for payouts; a shopper buys from two sellers in one checkout and pays once
// on Stripe's page; each seller ships its own parcel; the carrier reports both delivered; a payout run transfers each
// seller its net through Stripe Connect, and each seller's statement shows it (and nothing of the other seller).
// One store and one fake Stripe (Checkout, Connect onboarding, transfers) in this file's port block.
const STORE_PORT = Number(process.env.E2E_PORT ?? 8790) + 76;
const WEBHOOK_SECRET = "whsec_marketplace_journey_secret";
const CARRIER_SECRET = "marketplace-journey-carrier-secret";
const ADMIN = { email: "journey-admin@example.test", password: "journey admin passphrase 8" };
const SHOPPER = { email: "journey-shopper@example.test", name: "Grace Hopper" };
const SELLERS = [
  {
    email: "alder@example.test",
    password: "oak shavings and glue 4",
    name: "Ada Alder",
    shop: "Alder Woodshop",
    handle: "alder-woodshop",
    product: "Oak serving board",
    slug: "oak-serving-board",
    sku: "ALDER-BOARD-1",
    price: "24.00",
    ratePercent: 10,
    carrier: "UPS",
    tracking: "1ZALDER000000000001",
  },
  {
    email: "birch@example.test",
    password: "linen loom weaving 6",
    name: "Ben Birch",
    shop: "Birch Textiles",
    handle: "birch-textiles",
    product: "Linen tea towel",
    slug: "linen-tea-towel",
    sku: "BIRCH-TOWEL-1",
    price: "38.00",
    ratePercent: 15,
    carrier: "USPS",
    tracking: "9400BIRCH0000000002",
  },
] as const;
type Seller = (typeof SELLERS)[number];
const otherOf = (seller: Seller) => SELLERS.find((s) => s !== seller) as Seller;

const fake = new FakeStripe(STORE_PORT + 1);
let store: Awaited<ReturnType<typeof startStore>>;
let browser: Browser;
const contexts: BrowserContext[] = [];
/** Each account signs in once (the admin's second factor allows two sign-ins per 30 s) and keeps its tab. */
let desk: Page;
const sellerPages: Page[] = [];
let shopperPage: Page;
const vendorIds: string[] = [];
let orderId = "";
let orderPath = "";

async function newPage(viewport: keyof typeof VIEWPORTS): Promise<Page> {
  const context = await browser.newContext({
    viewport: VIEWPORTS[viewport],
    baseURL: store.baseUrl,
    ...(viewport === "phone" ? { isMobile: true, hasTouch: true } : {}),
  });
  contexts.push(context);
  return context.newPage();
}

/** "$1,234.50" or "-$2.40" as minor units. */
function cents(text: string | null): number {
  const match = /^(-|−)?\$([\d,]+)\.(\d\d)$/.exec((text ?? "").trim());
  if (!match) throw new Error(`not an amount: ${text}`);
  return (match[1] ? -1 : 1) * (Number((match[2] as string).replace(/,/g, "")) * 100 + Number(match[3]));
}

/** Both widths of the page as it is now, ending at the width it had. */
async function shootBoth(page: Page, name: string) {
  const before = page.viewportSize();
  for (const viewport of [VIEWPORTS.phone, VIEWPORTS.desktop]) {
    await page.setViewportSize(viewport);
    await screenshot(page, name);
  }
  if (before) await page.setViewportSize(before);
}

// The carrier's side has no page: its tracking system posts signed events to the store's webhook, as UPS or USPS
// would through an aggregator (the generic format of docs/orders.md).
async function carrierReports(trackingNumber: string, status: "in_transit" | "delivered") {
  const raw = JSON.stringify({ eventId: `journey-${trackingNumber}-${status}`, trackingNumber, status, occurredAt: new Date().toISOString() });
  const t = Math.floor(Date.now() / 1000);
  const v1 = createHmac("sha256", CARRIER_SECRET).update(`${t}.${raw}`).digest("hex");
  const res = await fetch(`${store.baseUrl}/api/webhooks/shipping/generic`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Signature": `t=${t},v1=${v1}` },
    body: raw,
  });
  expect(res.status, await res.clone().text()).toBe(200);
}

beforeAll(async () => {
  await fake.start();
  [store, browser] = await Promise.all([
    startStore({
      port: STORE_PORT,
      products: 4,
      admin: ADMIN,
      vars: {
        STRIPE_SECRET_KEY: "sk_test_fake_key",
        STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
        STRIPE_API_BASE: fake.base,
        SHIPPING_WEBHOOK_SECRET_GENERIC: CARRIER_SECRET,
      },
    }),
    launchBrowser(),
  ]);
  fake.webhook = { url: `${store.baseUrl}/api/webhooks/stripe`, secret: WEBHOOK_SECRET };
}, 300_000);
afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => undefined);
  await browser?.close();
  store?.stop();
  await fake.stop();
});

/** The seller's product form, as a person fills it: one variant with a price, weight and opening stock, listed now. */
async function listProduct(page: Page, seller: Seller) {
  await page.goto("/vendor/products/new");
  await page.getByLabel("Name", { exact: true }).fill(seller.product);
  await page.getByLabel("Status").selectOption("active");
  await page.getByLabel("Category").selectOption({ index: 1 });
  await page.getByLabel("Description", { exact: true }).fill(`${seller.product}, made by hand at ${seller.shop}.`);
  await page.getByLabel("SKU").fill(seller.sku);
  await page.getByLabel(/^Price/).fill(seller.price);
  await page.getByLabel("Weight in grams").fill("400");
  await page.getByLabel("Opening stock").fill("5");
  await page.getByRole("button", { name: "Create product" }).click();
  await page.waitForURL(/\/vendor\/products\/prod_[^/?]+\?saved=created$/);
  expect(await page.getByRole("status").textContent()).toBe("Product created.");
  expect(await page.locator(`[data-stock-sku="${seller.sku}"] [data-available]`).textContent()).toBe("5");
}

/** "Connect with Stripe" on /vendor/payouts, Stripe's onboarding page, and back: payouts now go by Stripe transfer. */
async function connectStripe(page: Page) {
  await page.goto("/vendor/payouts");
  expect(await page.getByTestId("payout-method").textContent()).toContain("By bank transfer");
  await page.getByRole("button", { name: "Connect with Stripe" }).click();
  await page.getByRole("link", { name: "Continue to Stripe" }).click();
  await page.waitForURL(new RegExp(`^${fake.base.replace(/[.:/]/g, "\\$&")}/setup/`));
  await page.getByRole("button", { name: "Agree and submit" }).click();
  await page.waitForURL(/\/vendor\/payouts\?connect=done$/);
  expect(await page.getByTestId("payout-method").textContent()).toBe("By Stripe transfer to your connected account.");
}

// The steps share one store and build on each other, in order: a step whose predecessor failed is skipped
// rather than failing on what was never made.
let stepsDone = 0;
let stepIndex = 0;
function step(name: string, run: () => Promise<void>, timeout: number) {
  const index = stepIndex++;
  it(
    name,
    async (ctx) => {
      if (stepsDone < index) ctx.skip();
      await run();
      stepsDone = index + 1;
    },
    timeout,
  );
}

describe("the marketplace journey, through the pages", () => {
  step(
    "a seller registers and applies on /sell, an admin approves both sellers and sets their commissions, each lists a product and connects Stripe",
    async () => {
      const [alder, birch] = SELLERS;
      // Seller A registers with the form and the emailed link, then applies on /sell (on a phone).
      const a = await newPage("phone");
      await a.goto("/account/register");
      await a.getByLabel("Your name").fill(alder.name);
      await a.getByLabel("Email").fill(alder.email);
      await a.getByLabel("Password", { exact: true }).fill(alder.password);
      await a.getByRole("button", { name: "Create account" }).click();
      await expect.poll(() => a.getByRole("status").textContent()).toContain("Check your email");
      await a.goto(await signUpLink(store.persist, alder.email));
      await a.getByRole("button", { name: "Create my account" }).click();
      await a.waitForURL(/\/account\?done=welcome$/);
      await a.goto("/sell");
      await a.getByLabel("Business name").fill(alder.shop);
      await a.getByLabel("Store address").fill(alder.handle);
      expect(await a.getByLabel("Contact email").inputValue()).toBe(alder.email);
      await a.getByLabel("Country").selectOption("US");
      await a.getByLabel("What you sell").fill("Serving boards and spoons carved from oak offcuts.");
      await a.getByRole("button", { name: "Send application" }).click();
      await expect.poll(() => a.getByRole("status").textContent()).toContain("Your application is in");
      expect(await a.locator("[data-vendor-status]").getAttribute("data-vendor-status")).toBe("pending");
      sellerPages.push(a);

      // Seller B registers and applies over HTTP (A covered those pages); B lists and connects through the pages below.
      const b = await newPage("desktop");
      expect((await signUpByRequest(b.context().request, store, { email: birch.email, password: birch.password, name: birch.name })).status()).toBe(201);
      const applied = await b.context().request.post("/api/vendor-applications", {
        data: { name: birch.shop, handle: birch.handle, contactEmail: birch.email, country: "US", description: "Linen towels woven on a floor loom." },
        headers: { Origin: store.baseUrl },
      });
      expect(applied.status()).toBe(201);
      sellerPages.push(b);

      // The admin (password and authenticator) finds both applications among the pending ones and approves each.
      desk = await newPage("desktop");
      await desk.goto("/account/login?returnTo=/admin/vendors");
      await signInOnPage(desk, ADMIN);
      for (const seller of SELLERS) {
        await desk.goto("/admin/vendors");
        await desk.getByLabel("Status").selectOption("pending");
        await desk.getByRole("button", { name: "Filter" }).click();
        await desk.waitForURL(/status=pending/);
        await desk.getByRole("link", { name: seller.shop }).click();
        await desk.getByRole("button", { name: "Approve" }).click();
        await desk.waitForURL(/done=approve/);
        expect(await desk.getByTestId("vendor-status").textContent()).toBe("active");
        vendorIds.push(new URL(desk.url()).pathname.split("/").at(-1) as string);
      }
      // Each seller pays its own commission rate on its goods (10 % and 15 %).
      await desk.goto("/admin/vendors/commissions");
      for (const [i, seller] of SELLERS.entries()) {
        await desk.getByLabel("Applies to").selectOption("vendor");
        await desk.getByRole("combobox", { name: /^Target/ }).fill(vendorIds[i] as string);
        await desk.getByLabel("Kind").selectOption("percent");
        await desk.getByLabel("Rate (%)").fill(String(seller.ratePercent));
        await desk.getByRole("button", { name: "Add rule" }).click();
        await desk.waitForURL(/done=created/);
      }
      // No hold after delivery, so a sale delivered today is paid today (the hold is the return window; its page has
      // more settings than this test needs, so the one field goes through the settings API).
      const hold = await desk.context().request.patch("/api/admin/settings/returns", { data: { windowDays: 0 }, headers: { Origin: store.baseUrl } });
      expect(hold.status()).toBe(200);

      // The approval changed each seller's role, which ends their sessions: each signs in again and lands in the
      // product form, lists a product with stock, and connects a Stripe account for payouts.
      for (const [i, seller] of SELLERS.entries()) {
        const page = sellerPages[i] as Page;
        await page.goto("/account/login?returnTo=/vendor/products/new");
        await signInOnPage(page, seller);
        await page.waitForURL(/\/vendor\/products\/new$/);
        await listProduct(page, seller);
        if (i === 0) await shootBoth(page, "journey-seller-product-created");
        await connectStripe(page);
        if (i === 0) await shootBoth(page, "journey-seller-stripe-connected");
      }
      expect(fake.accounts.size).toBe(2);
      for (const account of fake.accounts.values()) expect(account.payouts_enabled).toBe(true);
    },
    120_000,
  );

  step(
    "a guest finds both products on the sellers' storefronts, sees the shipping of two parcels in the cart, and pays once on Stripe",
    async () => {
      shopperPage = await newPage("phone");
      const page = shopperPage;
      for (const [i, seller] of SELLERS.entries()) {
        // The storefront lists the product once the catalog's caches moved on.
        await expect
          .poll(
            async () => {
              await page.goto(`/v/${seller.handle}`);
              return page.getByRole("link", { name: seller.product }).count();
            },
            { timeout: 15_000, interval: 500 },
          )
          .toBeGreaterThan(0);
        await page.getByRole("link", { name: seller.product }).first().click();
        await page.waitForURL(new RegExp(`/p/${seller.slug}$`));
        expect(await page.locator("[data-seller]").textContent()).toBe(`Sold by ${seller.shop}`);
        await page.getByRole("button", { name: "Add to cart" }).first().click();
        await expect.poll(async () => (await page.locator("[data-cart-count]").first().textContent())?.trim()).toBe(String(i + 1));
      }

      // The cart's estimate is what checkout will charge: each seller's parcel priced on its own, summed.
      await page.goto("/cart?country=US");
      expect(await page.locator(".cart-line").count()).toBe(2);
      const shippingRow = (p: Page, scope: string) => p.locator(`${scope} div`, { has: p.locator("dt", { hasText: /^Shipping$/ }) }).locator("dd");
      const estimated = (await shippingRow(page, ".cart-summary .totals").textContent())?.trim() ?? "";
      expect(cents(estimated)).toBeGreaterThan(0);
      await page.getByRole("link", { name: "Checkout", exact: true }).first().click();
      await page.waitForURL(/\/checkout$/);
      await page.getByLabel("Email", { exact: true }).fill(SHOPPER.email);
      await page.getByLabel("Full name").fill(SHOPPER.name);
      await page.getByLabel("Address line 1").fill("1 Market St");
      await page.getByLabel("City").fill("San Francisco");
      await page.getByLabel("State").fill("CA");
      await page.getByLabel("ZIP code").fill("94105");
      await page.getByRole("button", { name: "Place order and pay" }).click();

      // One payment on Stripe's hosted page for both sellers' goods.
      await page.waitForURL(new RegExp(`^${fake.base.replace(/[.:/]/g, "\\$&")}/pay/cs_test_\\w+$`), { timeout: 30_000 });
      const sessionId = page.url().split("/").pop() as string;
      await page.getByRole("button", { name: "Pay" }).click();
      await page.waitForURL(/\/checkout\/complete\?order=ord_/);
      expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("Thank you — your order is confirmed");
      orderId = new URL(page.url()).searchParams.get("order") as string;
      expect(fake.sessions.get(sessionId)?.metadata.orderId).toBe(orderId);
      expect(fake.sessions.size).toBe(1);
      expect((await page.locator("[data-total-line=shipping] dd").textContent())?.trim()).toBe(estimated);

      // The confirmation email's link opens the order: one group per seller, nothing shipped yet.
      const mail = await waitForEmail(store.persist, SHOPPER.email, "order_confirmation");
      orderPath = linkIn(mail.text, `/orders/${orderId}`);
      await page.goto(orderPath);
      const parcels = page.getByRole("region", { name: "Parcels by seller" });
      for (const seller of SELLERS) {
        const group = parcels.getByRole("region", { name: new RegExp(`Sold by ${seller.shop}`) });
        expect(await group.getByText(seller.product).count()).toBeGreaterThan(0);
        expect(await group.getByText(otherOf(seller).product).count()).toBe(0);
      }
      expect(await parcels.getByText("Not shipped yet.").count()).toBe(2);
    },
    90_000,
  );

  step(
    "each seller ships its own part from /vendor/orders; the carrier delivers both; the shopper sees two parcels delivered",
    async () => {
      for (const [i, seller] of SELLERS.entries()) {
        const page = sellerPages[i] as Page;
        await page.goto("/vendor/orders");
        await page.getByRole("rowheader").getByRole("link").first().click();
        await page.waitForURL(/\/vendor\/orders\/vor_/);
        // Only this seller's line is on its order.
        expect(await page.getByText(seller.product).count()).toBeGreaterThan(0);
        expect(await page.getByText(otherOf(seller).product).count()).toBe(0);
        await page.getByRole("combobox", { name: "Carrier" }).fill(seller.carrier);
        await page.getByRole("textbox", { name: "Tracking number" }).fill(seller.tracking);
        await page.getByRole("button", { name: "Mark shipped" }).click();
        await page.waitForURL(/done=ship$/);
        expect(await page.getByText(seller.tracking).count()).toBeGreaterThan(0);
      }

      // Both parcels are on their way: each group carries its own tracking and nothing of the other's.
      const page = shopperPage;
      await page.reload();
      const parcels = page.getByRole("region", { name: "Parcels by seller" });
      const groupOf = (seller: Seller) => parcels.getByRole("region", { name: new RegExp(`Sold by ${seller.shop}`) });
      for (const seller of SELLERS) {
        expect(await groupOf(seller).getByText(seller.tracking).count()).toBe(1);
        expect(await groupOf(seller).getByText(otherOf(seller).tracking).count()).toBe(0);
      }
      expect((await page.locator("[data-order-status]").textContent())?.trim()).toBe("Shipped");

      // The carrier scans both parcels in transit, then delivers them.
      for (const seller of SELLERS) await carrierReports(seller.tracking, "in_transit");
      for (const seller of SELLERS) await carrierReports(seller.tracking, "delivered");
      await page.reload();
      for (const seller of SELLERS) {
        const parcel = groupOf(seller).locator(`[data-parcel="${seller.tracking}"]`);
        expect(await parcel.locator(".status-badge").textContent()).toBe("Delivered");
        expect(await parcel.textContent()).toContain("delivered");
      }
      await expect.poll(async () => (await page.locator("[data-order-status]").textContent())?.trim()).toBe("Delivered");
      await shootBoth(page, "journey-order-delivered");

      // The seller's own order page says delivered too.
      const seller = sellerPages[0] as Page;
      await seller.reload();
      expect(await seller.getByRole("heading", { level: 1 }).textContent()).toContain("Delivered");
    },
    90_000,
  );

  step(
    "a payout run transfers each seller its net through Stripe Connect; each seller's payouts page shows its own payout and transfer entry",
    async () => {
      await desk.goto("/admin/vendors/payouts");
      await desk.getByRole("button", { name: "Run payouts now" }).click();
      await desk.waitForURL(/done=run/);
      expect(await desk.locator("p.admin-notice[role=status]").textContent()).toContain("2 payouts queued");
      // The payouts queue creates and sends them a moment later.
      await expect
        .poll(
          async () => {
            await desk.reload();
            return desk.locator("tbody tr", { hasText: "Stripe transfer" }).filter({ hasText: "paid" }).count();
          },
          { timeout: 30_000, interval: 500 },
        )
        .toBe(2);
      await shootBoth(desk, "journey-admin-payouts");

      // At Stripe: one transfer per seller, to its own connected account, grouped with the order's one charge.
      const session = [...fake.sessions.values()][0];
      const charge = fake.charges.get(session?.payment_intent ?? "");
      expect(charge).toBeTruthy();
      expect(fake.transfers).toHaveLength(2);
      const payoutIds: string[] = [];
      const transferIds: string[] = [];
      for (const [i, seller] of SELLERS.entries()) {
        const account = [...fake.accounts.values()].find((acct) => acct.metadata.vendorId === vendorIds[i]);
        const transfer = fake.transfers.find((t) => t.destination === account?.id);
        expect(transfer).toMatchObject({ currency: "usd", transfer_group: orderId, source_transaction: charge });
        transferIds.push(transfer?.id as string);

        // The seller's payouts page: the payout (paid by Stripe transfer, its reference the transfer), the statement's
        // sale, commission and payout entries, and nothing left to pay.
        const page = sellerPages[i] as Page;
        await page.goto("/vendor/payouts");
        const history = page.getByRole("region", { name: "Payouts", exact: true });
        const rows = history.locator("tbody tr[data-payout]");
        expect(await rows.count()).toBe(1);
        payoutIds.push((await rows.first().getAttribute("data-payout")) as string);
        expect(await rows.first().getByText("Paid", { exact: true }).count()).toBe(1);
        expect(await rows.first().getByText("Stripe transfer", { exact: true }).count()).toBe(1);
        expect(
          await rows
            .first()
            .getByText(transfer?.id as string, { exact: true })
            .count(),
        ).toBe(1);
        expect(
          await rows
            .first()
            .getByRole("link", { name: /^Order / })
            .getAttribute("href"),
        ).toMatch(/^\/vendor\/orders\/vor_/);
        const paid = cents(await rows.first().locator("th").textContent());
        expect(paid).toBe(transfer?.amount);

        const statement = page.getByRole("region", { name: "Statement" });
        const entry = (kind: RegExp) => statement.locator("tbody tr", { has: page.getByRole("rowheader", { name: kind }) });
        expect(await entry(/^Sale/).count()).toBe(1);
        expect(await entry(/^Commission/).count()).toBe(1);
        expect(await entry(/^Payout/).count()).toBe(1);
        const sale = cents(await entry(/^Sale/).locator("td.num").first().textContent());
        const commission = cents(
          await entry(/^Commission/)
            .locator("td.num")
            .first()
            .textContent(),
        );
        const transferEntry = cents(
          await entry(/^Payout/)
            .locator("td.num")
            .first()
            .textContent(),
        );
        // The commission is the seller's rate of its goods; the payout is the rest of the sale, and it empties the balance.
        expect(commission).toBe(-Math.round((Number(seller.price) * 100 * seller.ratePercent) / 100));
        expect(paid).toBe(sale + commission);
        expect(transferEntry).toBe(-paid);
        expect((await page.locator(".vendor-money-figure").textContent())?.trim()).toBe("$0.00");
        expect(await page.getByTestId("payout-method").textContent()).toBe("By Stripe transfer to your connected account.");
        await shootBoth(page, `journey-seller-${seller.handle}-paid`);
      }

      // Neither seller sees the other's payout or transfer.
      for (const [i, page] of sellerPages.entries()) {
        const other = 1 - i;
        const html = await page.content();
        expect(html).not.toContain(payoutIds[other] as string);
        expect(html).not.toContain(transferIds[other] as string);
        expect(html).not.toContain(SELLERS[other]?.shop as string);
      }
    },
    90_000,
  );
});
