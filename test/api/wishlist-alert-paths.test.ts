import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { purgeCatalogCache } from "../../worker/catalog";
import { sweepBackInStock } from "../../worker/wishlist";
import { insertCategory, insertProduct } from "../support/factories";
import { call } from "../support/http";
import { buy, signedIn } from "../support/orders";

// Shoppers sign in (a real scrypt hash each) and buy through the real checkout on a shared 2-core machine.
vi.setConfig({ testTimeout: 120_000 });

type Mail = { id: string; subject: string; text: string };
const mails = async (template: string, to: string) =>
  (
    await env.DB.prepare("select id, subject, text from email_outbox where template = ? and to_address = ? order by id")
      .bind(template, to.toLowerCase())
      .all<Mail>()
  ).results;
const ledger = (sku: string) => env.INVENTORY_LEDGER.getByName(sku);
let admin: Awaited<ReturnType<typeof signedIn>>;
let categoryId = "";

beforeAll(async () => {
  admin = await signedIn("admin");
  const category = await insertCategory(env.DB, { slug: "alert-paths", name: "Alert paths" });
  categoryId = category.id;
  for (const [sku, stock] of [
    ["ALERT-CANCEL", 1],
    ["ALERT-EXPIRE", 1],
    ["ALERT-RELEASE", 2],
  ] as const)
    await insertProduct(env.DB, {
      slug: sku.toLowerCase(),
      name: `Alert ${sku.split("-")[1]?.toLowerCase()}`,
      category,
      variants: [{ sku, title: "Default", options: {}, price: 2500, stockAvailable: stock }],
    });
  purgeCatalogCache();
});

describe("back-in-stock emails on every path stock comes back by (the cron's sweep of the ledgers' movements)", () => {
  it("a cancelled order's stock back: one email to the wisher, however often the sweep runs", async () => {
    // The last unit is sold through the real checkout: available goes to zero.
    const order = await buy([{ sku: "ALERT-CANCEL", quantity: 1 }], await signedIn());
    const shopper = await signedIn();
    expect((await shopper.send("/api/wishlist/items", "POST", { sku: "ALERT-CANCEL" })).status).toBe(200);
    await sweepBackInStock(env);
    expect(await mails("wishlist_back_in_stock", shopper.user.email)).toEqual([]);

    const cancelled = await admin.send(`/api/admin/orders/${order.orderId}/cancel`, "POST", { reason: "customer asked" });
    expect(cancelled.status).toBe(200);
    const first = await sweepBackInStock(env);
    expect(first.returns).toBeGreaterThanOrEqual(1);
    await sweepBackInStock(env);
    await expect.poll(async () => (await mails("wishlist_back_in_stock", shopper.user.email)).length, { timeout: 15_000, interval: 250 }).toBe(1);
    const [mail] = await mails("wishlist_back_in_stock", shopper.user.email);
    expect(mail?.subject).toBe("Back in stock: Alert cancel");
    expect(mail?.text).toContain("/p/alert-cancel");
    // A later sweep finds nothing new: the mark moved past these movements.
    expect(await sweepBackInStock(env)).toEqual({ scanned: 0, returns: 0 });
  });

  it("an abandoned checkout's hold expiring (the ledger's alarm) and a released hold each send one email", async () => {
    const shopper = await signedIn();
    // A checkout holds the last unit: out of stock for everyone else.
    const held = await ledger("ALERT-EXPIRE").reserve("ALERT-EXPIRE", "hold_alert_expire", 1, 1);
    expect(held.ok).toBe(true);
    const releasedLater = await ledger("ALERT-RELEASE").reserve("ALERT-RELEASE", "hold_alert_release", 2, 60_000);
    expect(releasedLater.ok).toBe(true);
    for (const sku of ["ALERT-EXPIRE", "ALERT-RELEASE"]) expect((await shopper.send("/api/wishlist/items", "POST", { sku })).status).toBe(200);

    // The hold's alarm may already have fired by itself; running it again is harmless (the sweep is idempotent).
    await new Promise((r) => setTimeout(r, 20));
    await runDurableObjectAlarm(ledger("ALERT-EXPIRE"));
    await expect
      .poll(
        async () =>
          (await env.DB.prepare("select count(*) as n from stock_movements where sku = 'ALERT-EXPIRE' and kind = 'expire'").first<{ n: number }>())?.n,
      )
      .toBe(1);
    expect((await ledger("ALERT-RELEASE").release("ALERT-RELEASE", "hold_alert_release", "payment failed")).released).toBe(true);
    // Released again (a retried call): the ledger changes nothing, so there is nothing new to announce.
    expect((await ledger("ALERT-RELEASE").release("ALERT-RELEASE", "hold_alert_release", "payment failed")).released).toBe(false);

    await sweepBackInStock(env);
    await sweepBackInStock(env);
    await expect.poll(async () => (await mails("wishlist_back_in_stock", shopper.user.email)).length, { timeout: 15_000, interval: 250 }).toBe(2);
    expect((await mails("wishlist_back_in_stock", shopper.user.email)).map((m) => m.subject).sort()).toEqual([
      "Back in stock: Alert expire",
      "Back in stock: Alert release",
    ]);
  });

  it("stock that only moves while in stock, or stays at zero, sends nothing", async () => {
    const shopper = await signedIn();
    expect((await shopper.send("/api/wishlist/items", "POST", { sku: "ALERT-RELEASE" })).status).toBe(200);
    // 2 available → 1 → 2: never out of stock.
    await ledger("ALERT-RELEASE").reserve("ALERT-RELEASE", "hold_alert_small", 1, 60_000);
    await ledger("ALERT-RELEASE").release("ALERT-RELEASE", "hold_alert_small");
    await sweepBackInStock(env);
    await new Promise((r) => setTimeout(r, 500));
    expect(await mails("wishlist_back_in_stock", shopper.user.email)).toEqual([]);
  });
});

describe("price-drop emails from a CSV import", () => {
  it("a price lowered by an imported file reaches the wisher once, like a save in the form", async () => {
    await insertProduct(env.DB, {
      slug: "alert-csv-chair",
      name: "Alert Chair",
      category: {
        id: categoryId,
        path: (await env.DB.prepare("select path from categories where id = ?").bind(categoryId).first<{ path: string }>())?.path ?? "",
      },
      variants: [{ sku: "ALERT-CHAIR", title: "Default", options: {}, price: 12000, stockAvailable: 4 }],
    });
    purgeCatalogCache();
    const shopper = await signedIn();
    expect((await shopper.send("/api/wishlist/items", "POST", { sku: "ALERT-CHAIR" })).status).toBe(200);
    const csv = [
      "product_slug,product_name,status,category_slug,sku,variant_title,options,price_minor,compare_at_minor,weight_grams",
      "alert-csv-chair,Alert Chair,active,alert-paths,ALERT-CHAIR,Default,,9900,,500",
    ].join("\n");
    const upload = () =>
      call("/api/admin/products/import?dryRun=false", {
        method: "POST",
        headers: { "Content-Type": "text/csv", Origin: "http://store.test", Cookie: admin.cookie() },
        body: csv,
      });
    const res = await upload();
    expect(res.status).toBe(200);
    await expect.poll(async () => (await mails("wishlist_price_drop", shopper.user.email)).length, { timeout: 15_000, interval: 250 }).toBe(1);
    const [mail] = await mails("wishlist_price_drop", shopper.user.email);
    expect(mail?.subject).toBe("Price drop: Alert Chair now $99.00");
    // The same file again changes no price: no second email.
    expect((await upload()).status).toBe(200);
    await new Promise((r) => setTimeout(r, 500));
    expect(await mails("wishlist_price_drop", shopper.user.email)).toHaveLength(1);
  });
});
