import { env } from "cloudflare:workers";
import { hmacHex } from "../../worker/orders/webhooks";
import { call, json } from "./http";
import { buy, type client, signedIn } from "./orders";

type Client = ReturnType<typeof client>;

/** Buys, ships and marks delivered through the admin API; answers the order with its lines. */
export async function deliveredOrder(admin: Client, items: { sku: string; quantity: number }[], who?: Client) {
  const order = await buy(items, who);
  const ship = await admin.send(`/api/admin/orders/${order.orderId}/shipments`, "POST", {
    carrier: "UPS",
    trackingNumber: `1Z${crypto.randomUUID().slice(0, 12).replace(/-/g, "")}`,
  });
  if (ship.status !== 200) throw new Error(`ship: ${ship.status} ${await ship.text()}`);
  const delivered = await admin.send(`/api/admin/orders/${order.orderId}/delivered`, "POST", {});
  if (delivered.status !== 200) throw new Error(`deliver: ${delivered.status} ${await delivered.text()}`);
  const lines = (
    await env.DB.prepare("select id, sku, quantity from order_lines where order_id = ? order by sku")
      .bind(order.orderId)
      .all<{ id: string; sku: string; quantity: number }>()
  ).results;
  return { ...order, lines, line: (sku: string) => lines.find((l) => l.sku === sku)?.id as string };
}

/** A generic-format carrier event, signed as the carrier would sign it. */
export async function carrierEvent(event: { eventId: string; trackingNumber: string; status: string; occurredAt?: string }) {
  const raw = JSON.stringify({ occurredAt: new Date().toISOString(), ...event });
  const t = Math.floor(Date.now() / 1000);
  const signature = `t=${t},v1=${await hmacHex(env.SHIPPING_WEBHOOK_SECRET_GENERIC as string, `${t}.${raw}`)}`;
  return call("/api/webhooks/shipping/generic", { method: "POST", headers: { "Content-Type": "application/json", "X-Signature": signature }, body: raw });
}

export const returnsUrl = (orderId: string, token?: string) => `/api/orders/${orderId}/returns${token ? `?token=${token}` : ""}`;

export async function staff() {
  return { admin: await signedIn("admin"), support: await signedIn("support"), customer: await signedIn("customer") };
}

export { json };
