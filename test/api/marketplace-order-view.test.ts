import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { sellerGroupsOf } from "../../worker/orders";
import { buy } from "../support/orders";
import { carrierEvent } from "../support/returns";
import { insertVendor, sellerProduct, vendorMember } from "../support/vendors-money";

// Whole purchases run inside each test; on a busy machine they take longer than the 5 s default.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

type Member = Awaited<ReturnType<typeof vendorMember>>;
let alder: { id: string; name: string };
let birch: { id: string; name: string };
let ownerA: Member;

beforeAll(async () => {
  alder = await insertVendor({ name: "Alder Mail Co" });
  birch = await insertVendor({ name: "Birch Mail Co" });
  ownerA = await vendorMember(alder.id);
  await sellerProduct("MOV-STORE", null, 1_500);
  await sellerProduct("MOV-A", alder.id, 2_000);
  await sellerProduct("MOV-B", birch.id, 4_200);
});

const outbox = (id: string) => env.DB.prepare("select subject, text from email_outbox where id = ?").bind(id).first<{ subject: string; text: string }>();

describe("a marketplace order as the shopper sees it", () => {
  it("the confirmation email groups the lines by seller, each saying who sells it", async () => {
    const order = await buy([
      { sku: "MOV-B", quantity: 1 },
      { sku: "MOV-STORE", quantity: 1 },
      { sku: "MOV-A", quantity: 2 },
    ]);
    await vi.waitFor(async () => expect(await outbox(`order-confirmed:${order.orderId}`)).toBeTruthy(), { timeout: 15_000, interval: 200 });
    const text = (await outbox(`order-confirmed:${order.orderId}`))?.text ?? "";
    expect(text).toContain("Sold by Alder Mail Co");
    expect(text).toContain("Sold by Birch Mail Co");
    // The store's own line says the store sells it, and the groups come store first, then by seller name.
    const store = text.indexOf("Item MOV-STORE");
    const a = text.indexOf("Item MOV-A");
    const b = text.indexOf("Item MOV-B");
    expect(store).toBeGreaterThan(-1);
    expect(store).toBeLessThan(a);
    expect(a).toBeLessThan(b);
    expect(text.slice(store, a)).toMatch(/Sold by /);
  });

  it("each seller's parcel: its own group with its shipment and tracking, and an email naming the seller", async () => {
    const order = await buy([
      { sku: "MOV-A", quantity: 1 },
      { sku: "MOV-B", quantity: 1 },
    ]);
    const vo = await env.DB.prepare("select id from vendor_orders where order_id = ? and vendor_id = ?").bind(order.orderId, alder.id).first<{ id: string }>();
    const trackingNumber = `1Z${crypto.randomUUID().replace(/-/g, "").slice(0, 14)}`;
    expect((await ownerA.send(`/api/vendor/orders/${vo?.id}/shipments`, "POST", { carrier: "UPS", trackingNumber })).status).toBe(200);
    expect((await carrierEvent({ eventId: `ev-${crypto.randomUUID()}`, trackingNumber, status: "delivered" })).status).toBe(200);

    const groups = await sellerGroupsOf(env, order.orderId);
    expect(groups.map((g) => [g.seller?.name, g.status, g.lines.map((l) => l.sku), g.shipments.map((s) => [s.trackingNumber, s.status])])).toEqual([
      ["Alder Mail Co", "delivered", ["MOV-A"], [[trackingNumber, "delivered"]]],
      ["Birch Mail Co", "paid", ["MOV-B"], []],
    ]);

    const shipmentId = (await env.DB.prepare("select id from shipments where tracking_number = ?").bind(trackingNumber).first<{ id: string }>())?.id;
    await vi.waitFor(async () => expect(await outbox(`order-shipped:${shipmentId}`)).toBeTruthy(), { timeout: 15_000, interval: 200 });
    const shipped = await outbox(`order-shipped:${shipmentId}`);
    expect(shipped?.subject).toContain("Alder Mail Co shipped your items");
    expect(shipped?.text).toContain("Sold by");
    expect(shipped?.text).toContain(trackingNumber);
    expect(shipped?.text).not.toContain("Item MOV-B");
  });
});
