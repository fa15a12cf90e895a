import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { json } from "../support/http";
import { buy, client, signedIn } from "../support/orders";
import { carrierEvent } from "../support/returns";
import { insertVendor, sellerProduct, vendorMember } from "../support/vendors-money";

// Whole purchases run inside each test; on a busy machine they take longer than the 5 s default.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

type Member = Awaited<ReturnType<typeof vendorMember>>;
let sellerA: { id: string; name: string };
let sellerB: { id: string; name: string };
let ownerA: Member;
let ownerB: Member;

beforeAll(async () => {
  sellerA = await insertVendor({ name: "Alder Goods" });
  sellerB = await insertVendor({ name: "Birch Works" });
  ownerA = await vendorMember(sellerA.id);
  ownerB = await vendorMember(sellerB.id);
  await sellerProduct("MKT-STORE", null, 1500);
  await sellerProduct("MKT-A1", sellerA.id, 2000, 500, 800);
  await sellerProduct("MKT-A2", sellerA.id, 3500, 500, 300);
  await sellerProduct("MKT-B1", sellerB.id, 4200, 500, 2500);
});

const vendorOrdersOf = async (orderId: string) =>
  (
    await env.DB.prepare(
      "select id, vendor_id as vendorId, status, subtotal, discount_total as discount, shipping_total as shipping from vendor_orders where order_id = ? order by vendor_id",
    )
      .bind(orderId)
      .all<{ id: string; vendorId: string; status: string; subtotal: number; discount: number; shipping: number }>()
  ).results;
const orderRow = (orderId: string) =>
  env.DB.prepare(
    "select status, subtotal, shipping_total as shipping, tax_total as tax, tax_inclusive as inclusive, duties_total as duties, discount_total as discount, grand_total as grand from orders where id = ?",
  )
    .bind(orderId)
    .first<{ status: string; subtotal: number; shipping: number; tax: number; inclusive: number; duties: number; discount: number; grand: number }>();
const vendorOrderOf = async (orderId: string, vendorId: string) =>
  (await vendorOrdersOf(orderId)).find((v) => v.vendorId === vendorId) as { id: string; status: string };
const ship = (member: Member, vendorOrderId: string, trackingNumber = `1Z${crypto.randomUUID().replace(/-/g, "").slice(0, 14)}`) =>
  member.send(`/api/vendor/orders/${vendorOrderId}/shipments`, "POST", { carrier: "UPS", trackingNumber });

const MIXED = [
  { sku: "MKT-STORE", quantity: 1 },
  { sku: "MKT-A1", quantity: 2 },
  { sku: "MKT-A2", quantity: 1 },
  { sku: "MKT-B1", quantity: 1 },
];

describe("checkout of a cart with several sellers", () => {
  it("splits the order into one vendor order per seller, each quoted its own shipping, and charges the sum once", async () => {
    // The same lines bought seller by seller: what each group's parcel costs to ship on its own.
    const alone = async (items: { sku: string; quantity: number }[]) => (await orderRow((await buy(items, client(), false)).orderId))?.shipping as number;
    const storeShipping = await alone([{ sku: "MKT-STORE", quantity: 1 }]);
    const aShipping = await alone(MIXED.filter((i) => i.sku.startsWith("MKT-A")));
    const bShipping = await alone([{ sku: "MKT-B1", quantity: 1 }]);

    const order = await buy(MIXED);
    const row = await orderRow(order.orderId);
    const vos = await vendorOrdersOf(order.orderId);
    expect(vos.map((v) => v.vendorId).sort()).toEqual([sellerA.id, sellerB.id].sort());
    const a = vos.find((v) => v.vendorId === sellerA.id);
    const b = vos.find((v) => v.vendorId === sellerB.id);
    expect(a).toMatchObject({ status: "paid", subtotal: 2 * 2000 + 3500, shipping: aShipping });
    expect(b).toMatchObject({ status: "paid", subtotal: 4200, shipping: bShipping });
    expect(row?.shipping).toBe(storeShipping + aShipping + bShipping);
    expect(row?.status).toBe("paid");
    // What was charged is exactly the order's total, and that total adds up from its parts.
    const payment = await env.DB.prepare("select amount from payments where order_id = ?").bind(order.orderId).first<{ amount: number }>();
    expect(payment?.amount).toBe(row?.grand);
    expect(row?.grand).toBe((row?.subtotal ?? 0) - (row?.discount ?? 0) + (row?.shipping ?? 0) + (row?.inclusive ? 0 : (row?.tax ?? 0)) + (row?.duties ?? 0));
    // Each line records its seller and vendor order; the store's own line has neither.
    const lines = (
      await env.DB.prepare("select sku, vendor_id as vendorId, vendor_order_id as vendorOrderId from order_lines where order_id = ? order by sku")
        .bind(order.orderId)
        .all<{ sku: string; vendorId: string | null; vendorOrderId: string | null }>()
    ).results;
    expect(lines).toEqual([
      { sku: "MKT-A1", vendorId: sellerA.id, vendorOrderId: a?.id },
      { sku: "MKT-A2", vendorId: sellerA.id, vendorOrderId: a?.id },
      { sku: "MKT-B1", vendorId: sellerB.id, vendorOrderId: b?.id },
      { sku: "MKT-STORE", vendorId: null, vendorOrderId: null },
    ]);
  });

  it("keeps a cart of the store's own products as one order without vendor orders", async () => {
    const order = await buy([{ sku: "MKT-STORE", quantity: 2 }]);
    expect(await vendorOrdersOf(order.orderId)).toEqual([]);
  });

  it("cancels the vendor orders with an order cancelled before shipping", async () => {
    const shopper = await signedIn("customer");
    const order = await buy([{ sku: "MKT-A1", quantity: 1 }], shopper);
    const res = await shopper.send(`/api/orders/${order.orderId}/cancel`, "POST", {});
    expect(res.status).toBe(200);
    expect((await vendorOrdersOf(order.orderId)).map((v) => v.status)).toEqual(["cancelled"]);
  });
});

describe("GET /api/vendor/orders", () => {
  it("lists only the caller's vendor orders, and none still waiting for payment", async () => {
    const paid = await buy(MIXED);
    const unpaid = await buy([{ sku: "MKT-A1", quantity: 1 }], client(), false);
    const res = await ownerA.send("/api/vendor/orders?perPage=100");
    expect(res.status).toBe(200);
    const page = await json(res);
    const ids = page.items.map((i: { id: string }) => i.id);
    expect(ids).toContain((await vendorOrderOf(paid.orderId, sellerA.id)).id);
    expect(ids).not.toContain((await vendorOrderOf(paid.orderId, sellerB.id)).id);
    expect(ids).not.toContain((await vendorOrderOf(unpaid.orderId, sellerA.id)).id);
    const mine = (await vendorOrderOf(paid.orderId, sellerA.id)).id;
    const own = page.items.find((i: { id: string }) => i.id === mine);
    expect(own).toMatchObject({ orderNumber: paid.number, status: "paid", itemCount: 3, goods: { amount: 7500, currency: "USD" } });
  });

  it("answers 401 to a visitor, 403 to a customer and to a member without the orders capability", async () => {
    expect((await client().send("/api/vendor/orders")).status).toBe(401);
    expect((await (await signedIn("customer")).send("/api/vendor/orders")).status).toBe(403);
    const finance = await vendorMember(sellerA.id, "finance");
    const res = await finance.send("/api/vendor/orders");
    expect(res.status).toBe(403);
    expect((await json(res)).code).toBe("vendors.forbidden");
  });

  it("answers 400 naming the field for an unknown status", async () => {
    const res = await ownerA.send("/api/vendor/orders?status=lost");
    expect(res.status).toBe(400);
    expect(JSON.stringify(await json(res))).toContain("status");
  });
});

describe("GET /api/vendor/orders/:id", () => {
  it("shows the vendor's own lines and the shipping name and address, never the shopper's email or phone", async () => {
    const order = await buy(MIXED);
    const res = await ownerA.send(`/api/vendor/orders/${(await vendorOrderOf(order.orderId, sellerA.id)).id}`);
    expect(res.status).toBe(200);
    const view = await json(res);
    expect(view.lines.map((l: { sku: string }) => l.sku)).toEqual(["MKT-A1", "MKT-A2"]);
    expect(view.shipTo).toMatchObject({ fullName: "Ada Lovelace", line1: "1 Market St", city: "San Francisco", postalCode: "94105", country: "US" });
    const text = JSON.stringify(view);
    expect(text).not.toContain("buyer@example.test");
    expect(text).not.toContain("MKT-B1");
    expect(text).not.toContain("MKT-STORE");
    expect(view).not.toHaveProperty("email");
  });

  it("answers 404 for another vendor's order, exactly like a missing one", async () => {
    const order = await buy(MIXED);
    const theirs = await ownerA.send(`/api/vendor/orders/${(await vendorOrderOf(order.orderId, sellerB.id)).id}`);
    const missing = await ownerA.send("/api/vendor/orders/vor_missing");
    expect(theirs.status).toBe(404);
    expect(missing.status).toBe(404);
    expect((await json(theirs)).code).toBe((await json(missing)).code);
    // Nor can it ship it.
    expect((await ship(ownerA, (await vendorOrderOf(order.orderId, sellerB.id)).id)).status).toBe(404);
  });
});

describe("POST /api/vendor/orders/:id/shipments", () => {
  it("ships each seller's part; the order is shipped when every part is and delivered when every parcel is", async () => {
    const order = await buy(MIXED);
    const a = await vendorOrderOf(order.orderId, sellerA.id);
    const b = await vendorOrderOf(order.orderId, sellerB.id);
    const res = await ship(ownerA, a.id, "1ZALDER0000001");
    expect(res.status).toBe(200);
    const shipped = await json(res);
    expect(shipped).toMatchObject({ status: "shipped", shipment: { carrier: "ups", trackingNumber: "1ZALDER0000001", status: "label_created" } });
    // The parcel carries only this vendor's lines.
    const parcel = (
      await env.DB.prepare(
        "select ol.sku, sl.quantity from shipment_lines sl join order_lines ol on ol.id = sl.order_line_id join vendor_orders v on v.shipment_id = sl.shipment_id where v.id = ? order by ol.sku",
      )
        .bind(a.id)
        .all()
    ).results;
    expect(parcel).toEqual([
      { sku: "MKT-A1", quantity: 2 },
      { sku: "MKT-A2", quantity: 1 },
    ]);
    expect((await orderRow(order.orderId))?.status).toBe("fulfilling");
    expect((await ship(ownerA, a.id)).status).toBe(409);

    expect((await ship(ownerB, b.id, "1ZBIRCH0000001")).status).toBe(200);
    // The store ships its own line through the admin API, as before.
    const admin = await signedIn("admin");
    const storeLine = await env.DB.prepare("select id from order_lines where order_id = ? and sku = 'MKT-STORE'").bind(order.orderId).first<{ id: string }>();
    const own = await admin.send(`/api/admin/orders/${order.orderId}/shipments`, "POST", {
      carrier: "USPS",
      trackingNumber: "9400STORE0001",
      lines: [{ orderLineId: storeLine?.id, quantity: 1 }],
    });
    expect(own.status).toBe(200);
    expect((await orderRow(order.orderId))?.status).toBe("shipped");

    const delivered = async (trackingNumber: string, eventId: string) =>
      expect((await carrierEvent({ eventId, trackingNumber, status: "delivered" })).status).toBe(200);
    await delivered("1ZALDER0000001", "ev-a");
    expect((await vendorOrderOf(order.orderId, sellerA.id)).status).toBe("delivered");
    expect((await vendorOrderOf(order.orderId, sellerB.id)).status).toBe("shipped");
    await delivered("9400STORE0001", "ev-s");
    expect((await orderRow(order.orderId))?.status).toBe("shipped");
    await delivered("1ZBIRCH0000001", "ev-b");
    // The same event again changes nothing.
    await delivered("1ZBIRCH0000001", "ev-b");
    expect((await vendorOrderOf(order.orderId, sellerB.id)).status).toBe("delivered");
    expect((await orderRow(order.orderId))?.status).toBe("delivered");
  });

  it("ships once when the same vendor order is shipped twice at the same time", async () => {
    const order = await buy(MIXED);
    const a = await vendorOrderOf(order.orderId, sellerA.id);
    const results = await Promise.all([ship(ownerA, a.id), ship(ownerA, a.id), ship(ownerA, a.id)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409]);
    const parcels = await env.DB.prepare("select count(*) as n from shipments where order_id = ?").bind(order.orderId).first<{ n: number }>();
    expect(parcels?.n).toBe(1);
  });

  it("answers 400 naming the field for a bad tracking number, and 409 once the order is cancelled", async () => {
    const order = await buy(MIXED);
    const a = await vendorOrderOf(order.orderId, sellerA.id);
    const bad = await ownerA.send(`/api/vendor/orders/${a.id}/shipments`, "POST", { carrier: "UPS", trackingNumber: "<script>" });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await json(bad))).toContain("trackingNumber");
    const admin = await signedIn("admin");
    expect((await admin.send(`/api/admin/orders/${order.orderId}/cancel`, "POST", { reason: "Out of stock at the seller" })).status).toBe(200);
    expect((await ship(ownerA, a.id)).status).toBe(409);
  });
});
