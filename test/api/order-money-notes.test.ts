import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { insertOrder, signedIn, stockProduct } from "../support/orders";

vi.setConfig({ testTimeout: 30_000 });

let admin: Awaited<ReturnType<typeof signedIn>>;

beforeAll(async () => {
  await stockProduct("MNY-1", 100, 1000);
  admin = await signedIn("admin");
});

/** A paid order in `currency`: its total and its captured payment are `amount` minor units of that currency. */
async function paidOrderIn(currency: string, amount: number) {
  const order = await insertOrder("paid", [{ sku: "MNY-1", quantity: 1, unitPrice: amount }]);
  await env.DB.batch([
    env.DB.prepare("update orders set currency = ? where id = ?").bind(currency, order.id),
    env.DB.prepare("update payments set currency = ? where order_id = ?").bind(currency, order.id),
  ]);
  return order;
}

// Intl puts a no-break space between a currency code and the number.
const notes = async (orderId: string) =>
  (
    await env.DB.prepare("select note from order_events where order_id = ? and note is not null order by at, rowid").bind(orderId).all<{ note: string }>()
  ).results.map((r) => r.note.replace(/\u00a0/g, " "));

// Currencies without cents (JPY) or with three decimals (BHD): an amount in minor units is not "amount / 100".
describe("money on the order timeline uses each currency's minor units", () => {
  it.each([
    ["JPY", 4000, 1500, "¥1,500"],
    ["BHD", 40000, 1500, "BHD 1.500"],
    ["USD", 4000, 1500, "$15.00"],
  ])("a refund of a %s order names the amount refunded", async (currency, total, amount, text) => {
    const order = await paidOrderIn(currency, total);
    const res = await admin.send(`/api/admin/orders/${order.id}/refunds`, "POST", { amount, reason: "damaged" });
    expect(res.status).toBe(200);
    expect(await notes(order.id)).toContain(`Refunded ${text}: damaged`);
  });

  it.each([
    ["JPY", 4000, "¥4,000"],
    ["BHD", 40000, "BHD 40.000"],
  ])("cancelling a paid %s order names the amount refunded", async (currency, total, text) => {
    const order = await paidOrderIn(currency, total);
    const res = await admin.send(`/api/admin/orders/${order.id}/cancel`, "POST", { reason: "customer asked" });
    expect(res.status).toBe(200);
    expect(await notes(order.id)).toContain(`Cancelled by the store: customer asked. ${text} refunded.`);
  });
});
