import { createExecutionContext, createMessageBatch, getQueueResult, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { EmailMessage } from "../../worker/notifications";
import worker from "../../worker/test-entry";

/** Runs one message through the email queue consumer (outbox provider) and returns the stored email. */
async function deliver(body: EmailMessage) {
  const batch = createMessageBatch(env.QUEUE_EMAIL, [{ id: `q-${body.id}`, timestamp: new Date(), attempts: 1, body }]);
  const ctx = createExecutionContext();
  await worker.queue?.(batch, env, ctx);
  await waitOnExecutionContext(ctx);
  const [result] = (await getQueueResult(batch, ctx)).explicitAcks;
  expect(result).toBe(`q-${body.id}`);
  const row = await env.DB.prepare("select subject, text, html from email_outbox where id = ?")
    .bind(body.id)
    .first<{ subject: string; text: string; html: string }>();
  if (!row) throw new Error(`no outbox row for ${body.id}`);
  return row;
}

const url = "https://shop.test/orders/ord_m?token=signed";

describe("money in emails: each currency's own minor units", () => {
  it("a JPY receipt has no decimals: 1500 minor units are ¥1,500, not ¥15", async () => {
    const email = await deliver({
      id: "money-jpy-1",
      template: "order_confirmation",
      to: "yen@example.test",
      data: { number: "NW-JPY", total: 1500, currency: "JPY", url, subtotal: 1200, shippingTotal: 300 },
    });
    expect(email.text).toContain("¥1,500");
    expect(email.text).toContain("¥1,200");
    expect(email.text).toContain("¥300");
    expect(email.text).not.toMatch(/¥15(\.|\b)/);
  });

  it("a BHD refund has three decimals: 1250 minor units are BHD 1.250, not 12.50", async () => {
    const email = await deliver({
      id: "money-bhd-1",
      template: "order_refunded",
      to: "dinar@example.test",
      data: { number: "NW-BHD", amount: 1250, currency: "BHD", full: false, url },
    });
    expect(email.subject).toMatch(/^Partial refund of BHD\s1\.250 for order NW-BHD$/);
    expect(email.text).toMatch(/BHD\s1\.250/);
    expect(email.text).not.toContain("12.50");
  });

  it("a code Intl cannot read is shown as minor units with the code, never divided by a guessed 100", async () => {
    const email = await deliver({
      id: "money-bad-1",
      template: "payment_received",
      to: "odd@example.test",
      data: { number: "NW-ODD", amount: 1250, currency: "X1", provider: "test", url },
    });
    expect(email.text).toContain("1250 X1");
    expect(email.text).not.toContain("12.50");
  });
});
