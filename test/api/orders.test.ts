import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { AppError } from "../../worker/lib/errors";
import { actors, canTransition, NEXT } from "../../worker/orders";
import { transitionOrder } from "../../worker/orders/service/lifecycle";
import { createShipment } from "../../worker/orders/service/shipments";
import { ORDER_STATUSES, type OrderStatus } from "../../worker/orders/tables";
import { call, json } from "../support/http";
import { api, buy, client, insertOrder, signedIn, stockProduct } from "../support/orders";

// Whole purchases run inside each test; on a busy machine they take longer than the 5 s default.
vi.setConfig({ testTimeout: 30_000 });

const ledger = (sku: string) => env.INVENTORY_LEDGER.getByName(sku);
const ctx = { actor: actors.admin("usr_table"), origin: "http://store.test" };
const statusOf = async (id: string) => (await env.DB.prepare("select status from orders where id = ?").bind(id).first<{ status: string }>())?.status;
const eventCount = async (id: string) => (await env.DB.prepare("select count(*) as n from order_events where order_id = ?").bind(id).first<{ n: number }>())?.n;

beforeAll(async () => {
  await stockProduct("ORD-A", 20, 2500);
  await stockProduct("ORD-B", 20, 4000);
});

// Every pair of statuses: the allowed ones move the order with one timeline row, the rest answer 409 and change nothing.
const ALLOWED: [OrderStatus, OrderStatus][] = [
  ["pending_payment", "paid"],
  ["pending_payment", "cancelled"],
  ["paid", "fulfilling"],
  ["paid", "cancelled"],
  ["paid", "refunded"],
  ["paid", "partially_refunded"],
  ["fulfilling", "shipped"],
  ["fulfilling", "cancelled"],
  ["fulfilling", "refunded"],
  ["fulfilling", "partially_refunded"],
  ["shipped", "delivered"],
  ["shipped", "refunded"],
  ["shipped", "partially_refunded"],
  ["delivered", "refunded"],
  ["delivered", "partially_refunded"],
  ["partially_refunded", "fulfilling"],
  ["partially_refunded", "shipped"],
  ["partially_refunded", "delivered"],
  ["partially_refunded", "cancelled"],
  ["partially_refunded", "refunded"],
  ["partially_refunded", "partially_refunded"],
];
const PAIRS = ORDER_STATUSES.flatMap((from) => ORDER_STATUSES.map((to) => [from, to] as [OrderStatus, OrderStatus]));

describe("order status transitions", () => {
  it("the table allows exactly the documented transitions", () => {
    const allowed = PAIRS.filter(([from, to]) => canTransition(from, to));
    expect(allowed).toEqual(ALLOWED);
    expect(NEXT.cancelled).toEqual([]);
    expect(NEXT.refunded).toEqual([]);
  });

  it.each(PAIRS)("%s → %s on a stored order", async (from, to) => {
    const order = await insertOrder(from);
    const before = await eventCount(order.id);
    if (ALLOWED.some(([f, t]) => f === from && t === to)) {
      await expect(transitionOrder(env, order.id, to, ctx, "table test")).resolves.toEqual({ orderId: order.id, status: to });
      expect(await statusOf(order.id)).toBe(to);
      const last = await env.DB.prepare("select status, actor, note, at from order_events where order_id = ? order by at desc limit 1").bind(order.id).first();
      expect(last).toMatchObject({ status: to, actor: "admin:usr_table", note: "table test" });
      expect(await eventCount(order.id)).toBe((before ?? 0) + 1);
    } else {
      const error = await transitionOrder(env, order.id, to, ctx).catch((e) => e);
      expect(error).toBeInstanceOf(AppError);
      expect(error).toMatchObject({ status: 409, code: "orders.invalid_transition" });
      expect(await statusOf(order.id)).toBe(from);
      expect(await eventCount(order.id)).toBe(before);
    }
  });

  it("two concurrent changes from the same status: one wins, one timeline row", async () => {
    const order = await insertOrder("paid");
    const results = await Promise.allSettled([transitionOrder(env, order.id, "fulfilling", ctx), transitionOrder(env, order.id, "cancelled", ctx)]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(await eventCount(order.id)).toBe(2);
  });

  it("answers an illegal change through the API as a 409 problem", async () => {
    const admin = await signedIn("admin");
    const order = await insertOrder("pending_payment");
    const res = await admin.send(`/api/admin/orders/${order.id}/delivered`, "POST", {});
    expect(res.status).toBe(409);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    expect(await json(res)).toMatchObject({ code: "orders.invalid_transition", status: 409 });
  });
});

describe("GET /api/orders/:id/tracking", () => {
  const guest = (token: string, headers: Record<string, string> = {}) => ({ headers: { ...headers, "X-Order-Token": token } });

  it("answers the live state with an ETag, 304 while unchanged, a new ETag after a change", async () => {
    const order = await buy([{ sku: "ORD-A", quantity: 1 }]);
    const first = await call(api(order.orderId, undefined, "/tracking"), guest(order.token));
    expect(first.status).toBe(200);
    const etag = first.headers.get("etag") as string;
    expect(etag).toMatch(/^".+"$/);
    const body = await json(first);
    expect(body).toMatchObject({ status: "paid", statusText: "Paid", final: false, cancellable: true, shipments: [] });
    expect(body.timeline.map((e: { status: string }) => e.status)).toEqual(["pending_payment", "paid"]);
    expect(body.timeline[0]).not.toHaveProperty("actor");
    const same = await call(api(order.orderId, undefined, "/tracking"), guest(order.token, { "If-None-Match": etag }));
    expect(same.status).toBe(304);
    const admin = await signedIn("admin");
    await admin.send(`/api/admin/orders/${order.orderId}/fulfilling`, "POST", {});
    const changed = await call(api(order.orderId, undefined, "/tracking"), guest(order.token, { "If-None-Match": etag }));
    expect(changed.status).toBe(200);
    expect(changed.headers.get("etag")).not.toBe(etag);
    expect((await json(changed)).status).toBe("fulfilling");
  });

  it("is 404 with a wrong token or for another user, 401 anonymous", async () => {
    const order = await buy([{ sku: "ORD-A", quantity: 1 }]);
    expect((await call(api(order.orderId, undefined, "/tracking"), guest("not-the-token"))).status).toBe(404);
    expect((await call(api(order.orderId, undefined, "/tracking"))).status).toBe(401);
    const other = await signedIn();
    expect((await other.send(api(order.orderId, undefined, "/tracking"))).status).toBe(404);
  });

  it("takes the guest's token only in a header: the polled URL never carries it", async () => {
    const order = await buy([{ sku: "ORD-A", quantity: 1 }]);
    const inQuery = await call(api(order.orderId, order.token, "/tracking"));
    expect(inQuery.status).toBe(400);
    expect(JSON.stringify(await json(inQuery))).toContain("token");
    expect((await call(api(order.orderId, undefined, "/tracking"), guest(order.token))).status).toBe(200);
  });
});

describe("POST /api/orders/:id/cancel", () => {
  it("a guest cancels a paid order with the link token: stock back on the shelf, refund, timeline, one email", async () => {
    const before = await ledger("ORD-B").snapshot("ORD-B");
    const order = await buy([{ sku: "ORD-B", quantity: 2 }]);
    expect((await ledger("ORD-B").snapshot("ORD-B")).onHand).toBe(before.onHand - 2);
    const res = await client().send(api(order.orderId, order.token, "/cancel"), "POST", { reason: "ordered the wrong size" });
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ orderId: order.orderId, status: "cancelled", refunded: { amount: order.total, currency: "USD" } });
    expect(await ledger("ORD-B").snapshot("ORD-B")).toMatchObject({ onHand: before.onHand, reserved: 0 });
    const detail = await json(await call(api(order.orderId, order.token)));
    expect(detail).toMatchObject({ status: "cancelled", cancellable: false, totals: { refunded: { amount: order.total } }, payment: { status: "refunded" } });
    expect(detail.timeline.at(-1)).toMatchObject({ status: "cancelled", by: "You", note: expect.stringContaining("ordered the wrong size") });
    // A second cancel is refused and returns nothing twice.
    const again = await client().send(api(order.orderId, order.token, "/cancel"), "POST", {});
    expect(again.status).toBe(409);
    expect((await ledger("ORD-B").snapshot("ORD-B")).onHand).toBe(before.onHand);
    await expect
      .poll(
        async () =>
          (await env.DB.prepare("select count(*) as n from email_outbox where id = ?").bind(`order-cancelled:${order.orderId}`).first<{ n: number }>())?.n,
        {
          timeout: 10_000,
        },
      )
      .toBe(1);
    const email = await env.DB.prepare("select text from email_outbox where id = ?").bind(`order-cancelled:${order.orderId}`).first<{ text: string }>();
    expect(email?.text).toContain(`/orders/${order.orderId}?token=${order.token}`);
  }, 20_000);

  it("cancelling an unpaid order releases its holds", async () => {
    const order = await buy([{ sku: "ORD-A", quantity: 3 }], client(), false);
    expect((await ledger("ORD-A").snapshot("ORD-A")).reserved).toBe(3);
    const res = await client().send(api(order.orderId, order.token, "/cancel"), "POST", {});
    expect(res.status).toBe(200);
    expect((await json(res)).refunded.amount).toBe(0);
    expect((await ledger("ORD-A").snapshot("ORD-A")).reserved).toBe(0);
    // The payment page's late "succeeded" is refunded, never re-opens the order.
    expect(
      await json(
        await call(`/api/checkout/test-payments/${order.paymentId}`, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: '{"outcome":"succeeded"}',
        }),
      ),
    ).toEqual({
      orderStatus: "cancelled",
    });
  });

  it("the signed-in owner may cancel; others get 404, anonymous 401; after shipping it is 409", async () => {
    const owner = await signedIn();
    const order = await buy([{ sku: "ORD-A", quantity: 1 }], owner);
    const stranger = await signedIn();
    expect((await stranger.send(api(order.orderId, undefined, "/cancel"), "POST", {})).status).toBe(404);
    expect((await client().send(api(order.orderId, undefined, "/cancel"), "POST", {})).status).toBe(401);
    const admin = await signedIn("admin");
    expect((await admin.send(`/api/admin/orders/${order.orderId}/shipments`, "POST", { carrier: "UPS", trackingNumber: "1Z999AA10123456784" })).status).toBe(
      200,
    );
    const late = await owner.send(api(order.orderId, undefined, "/cancel"), "POST", {});
    expect(late.status).toBe(409);
    expect((await json(late)).code).toBe("orders.invalid_transition");
    const history = await json(await owner.send("/api/orders"));
    expect(history.items[0]).toMatchObject({ id: order.orderId, status: "shipped", itemCount: 1 });
  });
});

describe("shipments", () => {
  it("ships in two parcels: fulfilling while partly shipped, shipped when every unit is out; tracking URLs built for known carriers", async () => {
    const order = await buy([
      { sku: "ORD-A", quantity: 2 },
      { sku: "ORD-B", quantity: 1 },
    ]);
    const admin = await signedIn("admin");
    const detail = await json(await admin.send(`/api/admin/orders/${order.orderId}`));
    const lineA = detail.lines.find((l: { sku: string }) => l.sku === "ORD-A").id;
    const lineB = detail.lines.find((l: { sku: string }) => l.sku === "ORD-B").id;
    const first = await admin.send(`/api/admin/orders/${order.orderId}/shipments`, "POST", {
      carrier: "Royal Mail",
      trackingNumber: "RM123456785GB",
      lines: [{ orderLineId: lineA, quantity: 1 }],
    });
    expect(first.status).toBe(200);
    expect(await json(first)).toMatchObject({
      status: "fulfilling",
      carrier: "royal_mail",
      trackingUrl: "https://www.royalmail.com/track-your-item#/tracking-results/RM123456785GB",
    });
    const tooMany = await admin.send(`/api/admin/orders/${order.orderId}/shipments`, "POST", {
      carrier: "UPS",
      trackingNumber: "1ZTOOMANY0001",
      lines: [{ orderLineId: lineA, quantity: 2 }],
    });
    expect(tooMany.status).toBe(400);
    expect((await json(tooMany)).errors).toEqual([{ path: "lines.0.quantity", message: "At most 1 left to ship" }]);
    const dup = await admin.send(`/api/admin/orders/${order.orderId}/shipments`, "POST", { carrier: "royal-mail", trackingNumber: "RM123456785GB" });
    expect(dup.status).toBe(409);
    const rest = await admin.send(`/api/admin/orders/${order.orderId}/shipments`, "POST", {
      carrier: "Acme Freight",
      trackingNumber: "ACME-42",
      trackingUrl: "https://acme.example/t/42",
    });
    expect(await json(rest)).toMatchObject({ status: "shipped", trackingUrl: "https://acme.example/t/42" });
    const view = await json(await call(api(order.orderId, order.token)));
    expect(view.status).toBe("shipped");
    expect(view.shipments).toHaveLength(2);
    expect(view.shipments[1].lines).toEqual(
      expect.arrayContaining([
        { orderLineId: lineA, name: "Item ORD-A", quantity: 1 },
        { orderLineId: lineB, name: "Item ORD-B", quantity: 1 },
      ]),
    );
    expect(view.timeline.map((e: { kind: string; status: string }) => `${e.kind}:${e.status}`)).toEqual([
      "status:pending_payment",
      "status:paid",
      "status:fulfilling",
      "shipment:fulfilling",
      "shipment:fulfilling",
      "status:shipped",
    ]);
    const nothing = await admin.send(`/api/admin/orders/${order.orderId}/shipments`, "POST", { carrier: "UPS", trackingNumber: "1ZNOTHING0001" });
    expect(nothing.status).toBe(409);
  });
});

describe("shipments racing a cancellation", () => {
  it("records no parcel and sends no email when the order was cancelled between reading it and writing the shipment", async () => {
    await stockProduct("ORD-RACE", 5);
    const order = await buy([{ sku: "ORD-RACE", quantity: 1 }]);
    // The shopper's cancellation commits while staff are shipping: right before the shipment's batch runs.
    const d1 = env.DB;
    const racingDb = new Proxy(d1, {
      get(target, prop) {
        if (prop === "batch")
          return async (statements: D1PreparedStatement[]) => {
            await target.prepare("update orders set status = 'cancelled' where id = ?").bind(order.orderId).run();
            return target.batch(statements);
          };
        const value = Reflect.get(target, prop);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const shipping = createShipment(
      { ...env, DB: racingDb },
      order.orderId,
      { carrier: "UPS", trackingNumber: "1ZRACE00001" },
      { actor: actors.admin("test"), origin: "http://store.test" },
    );
    await expect(shipping).rejects.toMatchObject({ status: 409 });
    const parcels = await d1.prepare("select count(*) as n from shipments where order_id = ?").bind(order.orderId).first<{ n: number }>();
    expect(parcels?.n).toBe(0);
    const events = await d1
      .prepare("select count(*) as n from order_events where order_id = ? and kind = 'shipment'")
      .bind(order.orderId)
      .first<{ n: number }>();
    expect(events?.n).toBe(0);
  });
});

describe("tracking URLs", () => {
  it.each([
    ["UPS", "ups", "https://www.ups.com/track?loc=en_US&tracknum=1Z999"],
    ["usps", "usps", "https://tools.usps.com/go/TrackConfirmAction?tLabels=1Z999"],
    ["FedEx Ground", "fedex", "https://www.fedex.com/fedextrack/?trknbr=1Z999"],
    ["DHL Express", "dhl", "https://www.dhl.com/global-en/home/tracking/tracking-express.html?submit=1&tracking-id=1Z999"],
    ["Royal Mail", "royal_mail", "https://www.royalmail.com/track-your-item#/tracking-results/1Z999"],
    ["Canada Post", "canada_post", "https://www.canadapost-postescanada.ca/track-reperage/en#/search?searchFor=1Z999"],
    ["Acme Freight", "acme_freight", null],
  ])("%s → %s", async (name, slug, url) => {
    const { carrierSlug, trackingUrlFor } = await import("../../worker/orders/carriers");
    expect(carrierSlug(name)).toBe(slug);
    expect(trackingUrlFor(slug, "1Z999")).toBe(url);
  });
});
