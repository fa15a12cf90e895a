import { createExecutionContext, createMessageBatch, getQueueResult, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { EmailMessage } from "../../worker/notifications/schema";
import { renderEmail } from "../../worker/notifications/templates";
import { formatMoney } from "../../worker/notifications/templates/layout";
import worker from "../../worker/test-entry";

const store = { name: "Northwind Goods", origin: "https://shop.test" };
const url = "https://shop.test/orders/ord_9?token=signed";
const render = (m: EmailMessage) => renderEmail(m, store);
/** The text content of the HTML (tags dropped, entities decoded), to assert what a reader sees. */
const visible = (html: string) =>
  html
    .replace(/<div style="display:none[^"]*">.*?<\/div>/, "")
    .replace(/<[^>]+>/g, " ")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&")
    .replace(/\s+/g, " ");
const hrefs = (html: string) => [...html.matchAll(/href="([^"]+)"/g)].map((m) => (m[1] as string).replace(/&amp;/g, "&"));

function expectWellFormed(m: EmailMessage) {
  const r = render(m);
  expect(r.html).toMatch(/^<!doctype html><html lang="en">/);
  expect(r.html).toContain('<meta name="viewport" content="width=device-width,initial-scale=1">');
  expect(r.html).toContain('role="presentation"');
  expect(r.html).toContain("max-width:600px");
  expect(r.html).not.toMatch(/<script|<style|class="/);
  expect(hrefs(r.html)).toContain("https://shop.test/");
  expect(r.text).toContain("Northwind Goods · https://shop.test");
  return r;
}

describe("email templates", () => {
  it("welcome: greets by name and links to the store", () => {
    const r = expectWellFormed({ id: "t-welcome", template: "welcome", to: "a@x.test", data: { name: "Ada" } });
    expect(r.subject).toBe("Welcome to Northwind Goods");
    expect(visible(r.html)).toContain("Welcome, Ada");
    expect(r.text).toContain("Visit Northwind Goods: https://shop.test");
  });

  it("verify_email and password_reset: the one-time link in HTML and text, with the expiry", () => {
    const verifyUrl = "https://shop.test/account/verify-email?token=abc&x=1";
    const verify = expectWellFormed({ id: "t-verify", template: "verify_email", to: "a@x.test", data: { name: "Ada", url: verifyUrl } });
    expect(verify.subject).toBe("Confirm your email address");
    expect(hrefs(verify.html)).toContain(verifyUrl);
    expect(verify.html).toContain("token=abc&amp;x=1");
    expect(verify.text).toContain(`Confirm email: ${verifyUrl}`);
    const reset = expectWellFormed({
      id: "t-reset",
      template: "password_reset",
      to: "a@x.test",
      data: { name: "Ada", url: "https://shop.test/account/reset-password?token=r1", expiresInMinutes: 45 },
    });
    expect(reset.subject).toBe("Reset your password");
    expect(reset.text).toContain("expires in 45 minutes");
    expect(reset.text).toContain("Choose a new password: https://shop.test/account/reset-password?token=r1");
  });

  it("password_changed: warns and links to the reset page", () => {
    const r = expectWellFormed({ id: "t-pw", template: "password_changed", to: "a@x.test", data: { name: "Ada" } });
    expect(r.subject).toBe("Your password was changed");
    expect(hrefs(r.html)).toContain("https://shop.test/account/forgot-password");
  });

  it("order_confirmation: items, breakdown and total from minor units, and the order link", () => {
    const r = expectWellFormed({
      id: "t-confirm",
      template: "order_confirmation",
      to: "a@x.test",
      data: {
        number: "NW-1042",
        total: 10_849,
        currency: "USD",
        url,
        items: [
          { name: "Stoneware mug", variantTitle: "Blue", quantity: 2, lineTotal: 3_000 },
          { name: "Linen apron", variantTitle: "", quantity: 1, lineTotal: 6_500 },
        ],
        subtotal: 9_500,
        shippingTotal: 0,
        taxTotal: 1_349,
      },
    });
    expect(r.subject).toBe("Order NW-1042 confirmed");
    const seen = visible(r.html);
    for (const s of [
      "Stoneware mug",
      "Blue",
      "× 2",
      "$30.00",
      "Linen apron",
      "$65.00",
      "Subtotal",
      "$95.00",
      "Shipping",
      "Free",
      "Tax",
      "$13.49",
      "Total",
      "$108.49",
    ]) {
      expect(seen).toContain(s);
    }
    expect(r.text).toContain("- Stoneware mug (Blue) × 2  $30.00");
    expect(r.text).toContain("Total: $108.49");
    expect(hrefs(r.html)).toContain(url);
    expect(r.text).toContain(`View your order: ${url}`);
  });

  it("order_confirmation in a VAT country: the included VAT is stated, not added; duties are a line of the sum", () => {
    const r = expectWellFormed({
      id: "t-confirm-vat",
      template: "order_confirmation",
      to: "a@x.test",
      data: {
        number: "NW-2001",
        total: 20_667,
        currency: "USD",
        url,
        subtotal: 20_000,
        shippingTotal: 0,
        taxTotal: 3_333,
        taxLabel: "VAT",
        taxInclusive: true,
        dutiesTotal: 667,
      },
    });
    const seen = visible(r.html);
    expect(seen).toContain("Includes VAT");
    expect(r.text).toContain("Includes VAT: $33.33");
    expect(r.text).toContain("Import duties (estimate): $6.67");
    expect(r.text).toContain("Total: $206.67");
    // No added tax line: the lines above the total are subtotal, shipping and duties ($200.00 + free + $6.67).
    expect(r.text).not.toMatch(/^VAT: /m);
    expect(r.text).not.toMatch(/^Tax: /m);
    // Worded and placed as on the order page (where the tax line would be), the total last.
    expect(r.text).toMatch(/Subtotal: \$200\.00\nShipping: Free\nIncludes VAT: \$33\.33\nImport duties \(estimate\): \$6\.67\nTotal: \$206\.67/);
  });

  it("order_confirmation with sales tax: the tax is its own added line under its name", () => {
    const r = render({
      id: "t-confirm-sales",
      template: "order_confirmation",
      to: "a@x.test",
      data: {
        number: "NW-2002",
        total: 4_889,
        currency: "USD",
        url,
        subtotal: 4_000,
        shippingTotal: 599,
        taxTotal: 290,
        taxLabel: "Sales tax",
        taxInclusive: false,
      },
    });
    expect(r.text).toContain("Sales tax: $2.90");
    expect(r.text).not.toContain("Includes");
    expect(r.text).toContain("Total: $48.89");
  });

  it("order_confirmation without items (older senders) still shows the total", () => {
    const r = render({ id: "t-confirm2", template: "order_confirmation", to: "a@x.test", data: { number: "NW-7", total: 1999, currency: "EUR", url } });
    expect(r.text).toContain("Total: €19.99");
  });

  it("payment_received: amount and provider", () => {
    const r = expectWellFormed({
      id: "t-paid",
      template: "payment_received",
      to: "a@x.test",
      data: { number: "NW-1042", amount: 2_500, currency: "GBP", provider: "stripe", url },
    });
    expect(r.subject).toBe("Payment received for order NW-1042");
    expect(r.text).toContain("Amount: £25.00");
    expect(r.text).toContain("Paid with: stripe");
  });

  it("order_shipped: carrier, tracking number and the tracking link as the main button", () => {
    const tracking = "https://www.ups.com/track?tracknum=1Z999AA10123456784";
    const r = expectWellFormed({
      id: "t-ship",
      template: "order_shipped",
      to: "a@x.test",
      data: {
        number: "NW-1042",
        carrier: "UPS",
        trackingNumber: "1Z999AA10123456784",
        trackingUrl: tracking,
        items: [{ name: "Mug", quantity: 2 }],
        url,
        estimatedDelivery: "Thu 3 Dec",
      },
    });
    expect(r.subject).toBe("Order NW-1042 has shipped");
    expect(r.text).toContain("Carrier: UPS");
    expect(r.text).toContain("Tracking number: 1Z999AA10123456784");
    expect(r.text).toContain(`Track your parcel: ${tracking}`);
    expect(r.text).toContain("Estimated delivery: Thu 3 Dec");
    expect(hrefs(r.html).slice(0, 3)).toEqual(["https://shop.test/", tracking, tracking]);
    expect(hrefs(r.html)).toContain(url);
    // Without a tracking page the order page is the button.
    const noLink = render({
      id: "t-ship2",
      template: "order_shipped",
      to: "a@x.test",
      data: { number: "NW-1", carrier: "Post", trackingNumber: "P1", trackingUrl: null, items: [], url },
    });
    expect(noLink.text).toContain(`View your order: ${url}`);
  });

  it("order_delivered: links to the order", () => {
    const r = expectWellFormed({ id: "t-deliv", template: "order_delivered", to: "a@x.test", data: { number: "NW-1042", url } });
    expect(r.subject).toBe("Order NW-1042 was delivered");
    expect(hrefs(r.html)).toContain(url);
  });

  it("order_cancelled and order_refunded: amounts in the currency's own minor units", () => {
    const cancelled = expectWellFormed({
      id: "t-cancel",
      template: "order_cancelled",
      to: "a@x.test",
      data: { number: "NW-1042", refundAmount: 123_456, currency: "USD", reason: "Out of stock", url },
    });
    expect(cancelled.subject).toBe("Order NW-1042 was cancelled");
    expect(cancelled.text).toContain("Reason: Out of stock");
    expect(cancelled.text).toContain("We refunded $1,234.56");
    const unpaid = render({
      id: "t-cancel2",
      template: "order_cancelled",
      to: "a@x.test",
      data: { number: "NW-9", refundAmount: 0, currency: "USD", reason: null, url },
    });
    expect(unpaid.text).toContain("Nothing was charged");
    const yen = expectWellFormed({
      id: "t-refund",
      template: "order_refunded",
      to: "a@x.test",
      data: { number: "NW-1042", amount: 1500, currency: "JPY", full: false, url },
    });
    expect(yen.subject).toBe("Partial refund of ¥1,500 for order NW-1042");
    const full = render({
      id: "t-refund2",
      template: "order_refunded",
      to: "a@x.test",
      data: { number: "NW-5", amount: 999, currency: "EUR", full: true, url },
    });
    expect(full.subject).toBe("Refund of €9.99 for order NW-5");
    expect(formatMoney(5, "BHD")).toMatch(/^BHD\s0\.005$/);
  });

  it("low_stock: SKU, count and a link to the inventory", () => {
    const r = expectWellFormed({ id: "t-low", template: "low_stock", to: "admins", data: { sku: "MUG-BLUE", available: 1, threshold: 5 } });
    expect(r.subject).toBe("Low stock: MUG-BLUE");
    expect(r.text).toContain("Only 1 unit of MUG-BLUE is available (alert threshold 5).");
    expect(hrefs(r.html)).toContain("https://shop.test/admin/inventory?q=MUG-BLUE");
  });

  it("staff_new_order: number, total, customer, items and a link to the admin order page; says how to turn it off", () => {
    const r = expectWellFormed({
      id: "t-staff",
      template: "staff_new_order",
      to: "admins",
      data: {
        number: "NW-7",
        total: 12_350,
        currency: "USD",
        customer: "ada@example.test",
        items: [
          { name: "Mug", variantTitle: "Blue", quantity: 2 },
          { name: "Tee", variantTitle: "Default", quantity: 1 },
        ],
        shippingOption: "express",
        country: "GB",
        url: "https://shop.test/admin/orders/ord_7",
      },
    });
    expect(r.subject).toBe("New order NW-7: $123.50");
    expect(r.text).toContain("ada@example.test paid $123.50 for 3 items.");
    expect(visible(r.html)).toContain("Mug");
    expect(r.text).toContain("Shipping: express to GB");
    expect(hrefs(r.html)).toContain("https://shop.test/admin/orders/ord_7");
    expect(r.text).toContain("Settings → Notifications");
  });

  it("escapes every value: names, reasons, item names, URLs; script URLs never become links", () => {
    const evil = `<img src=x onerror="alert(1)"> & 'quotes'`;
    const r = render({
      id: "t-evil",
      template: "order_confirmation",
      to: "a@x.test",
      data: {
        number: `NW-<b>1</b>`,
        total: 100,
        currency: "USD",
        url: `javascript:alert("x")`,
        items: [{ name: evil, variantTitle: evil, quantity: 1, lineTotal: 100 }],
      },
    });
    expect(r.html).not.toContain("<img");
    expect(r.html).not.toContain("<b>1</b>");
    expect(r.html).toContain("&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; &#39;quotes&#39;");
    expect(hrefs(r.html)).not.toContain('javascript:alert("x")');
    expect(hrefs(r.html)).toContain("#");
    const welcome = render({ id: "t-evil2", template: "welcome", to: "a@x.test", data: { name: `"><script>alert(1)</script>` } });
    expect(welcome.html).not.toContain("<script>");
    expect(renderEmail({ id: "t-evil3", template: "welcome", to: "a@x.test", data: { name: "x" } }, { name: "<Shop & Co>", origin: null }).html).toContain(
      "&lt;Shop &amp; Co&gt;",
    );
  });

  it("shows the preheader first and hidden", () => {
    const r = render({ id: "t-pre", template: "order_delivered", to: "a@x.test", data: { number: "NW-1", url } });
    expect(r.html).toMatch(/<body[^>]*><div style="display:none;max-height:0;overflow:hidden;opacity:0;mso-hide:all">Your parcel has arrived\.<\/div>/);
  });
});

describe("Cloudflare send_email provider", () => {
  it("sends through the SEND_EMAIL binding of the local runtime and records the message id", async () => {
    const body: EmailMessage = { id: "cf-welcome-1", template: "welcome", to: "cf@example.test", data: { name: "Cee" } };
    const batch = createMessageBatch("edge-commerce-email", [{ id: "q-cf-1", timestamp: new Date(), attempts: 1, body }]);
    const ctx = createExecutionContext();
    await worker.queue?.(batch, { ...env, EMAIL_PROVIDER: "cloudflare", EMAIL_FROM: "shop@shop.test" }, ctx);
    await waitOnExecutionContext(ctx);
    const result = await getQueueResult(batch, ctx);
    const row = await env.DB.prepare("select status, provider, provider_message_id, last_error from email_outbox where id = ?").bind(body.id).first();
    expect({ result: result.explicitAcks, row }).toMatchObject({ result: ["q-cf-1"], row: { status: "sent", provider: "cloudflare" } });
  });
});
