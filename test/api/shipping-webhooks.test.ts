import { createExecutionContext, createMessageBatch, getQueueResult, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { hmacHex } from "../../worker/orders/webhooks";
import worker from "../../worker/test-entry";
import { call, json } from "../support/http";
import { api, buy, signedIn, stockProduct } from "../support/orders";

// Whole purchases run inside each test; on a busy machine they take longer than the 5 s default.
vi.setConfig({ testTimeout: 30_000 });

const GENERIC = env.SHIPPING_WEBHOOK_SECRET_GENERIC as string;
const EASYPOST = env.SHIPPING_WEBHOOK_SECRET_EASYPOST as string;

async function generic(event: Record<string, unknown>, opts: { t?: number; secret?: string; carrier?: string; signature?: string } = {}) {
  const raw = JSON.stringify(event);
  const t = opts.t ?? Math.floor(Date.now() / 1000);
  const signature = opts.signature ?? `t=${t},v1=${await hmacHex(opts.secret ?? GENERIC, `${t}.${raw}`)}`;
  return call(`/api/webhooks/shipping/${opts.carrier ?? "generic"}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Signature": signature },
    body: raw,
  });
}

/** An EasyPost Event as EasyPost sends it (tracker.updated with a Tracker in `result`). */
function easypostEvent(id: string, trackingCode: string, status: string, details: { datetime: string; message: string; status: string }[]) {
  return {
    id,
    object: "Event",
    mode: "test",
    description: "tracker.updated",
    previous_attributes: { status: "pre_transit" },
    created_at: details.at(-1)?.datetime,
    updated_at: details.at(-1)?.datetime,
    pending_urls: [],
    completed_urls: [],
    result: {
      id: "trk_c8e0edb5bb284caa934a0d3db23a148z",
      object: "Tracker",
      mode: "test",
      tracking_code: trackingCode,
      status,
      status_detail: "arrived_at_facility",
      carrier: "USPS",
      public_url: `https://track.easypost.com/djE6${trackingCode}`,
      weight: 17.5,
      est_delivery_date: null,
      tracking_details: details.map((d) => ({
        object: "TrackingDetail",
        ...d,
        source: "USPS",
        tracking_location: { object: "TrackingLocation", city: "MEMPHIS", state: "TN", country: "US", zip: "38101" },
      })),
      created_at: details[0]?.datetime,
      updated_at: details.at(-1)?.datetime,
    },
  };
}

async function easypost(event: unknown, headers: Record<string, string> = {}, secret = EASYPOST) {
  const raw = JSON.stringify(event);
  const sig = `hmac-sha256-hex=${await hmacHex(secret.normalize("NFKD"), raw)}`;
  return call("/api/webhooks/shipping/easypost", {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Hmac-Signature": sig, ...headers },
    body: raw,
  });
}

/** A paid order shipped in one parcel by an admin; answers the order and its tracking number. */
async function shippedOrder(sku: string, carrier = "UPS") {
  const order = await buy([{ sku, quantity: 1 }]);
  const admin = await signedIn("admin");
  const trackingNumber = `TRK${crypto.randomUUID().replace(/-/g, "").slice(0, 12).toUpperCase()}`;
  const res = await admin.send(`/api/admin/orders/${order.orderId}/shipments`, "POST", { carrier, trackingNumber });
  expect(res.status).toBe(200);
  return { ...order, trackingNumber, admin };
}

const view = async (o: { orderId: string; token: string }) => json(await call(api(o.orderId, o.token)));
const BASE = Math.floor(Date.now() / 1000) * 1000 - 60 * 60_000;
const at = (minutes: number) => new Date(BASE + minutes * 60_000).toISOString();
const outboxCount = async (id: string) => (await env.DB.prepare("select count(*) as n from email_outbox where id = ?").bind(id).first<{ n: number }>())?.n ?? 0;

beforeAll(async () => {
  await stockProduct("SHP-A", 50, 3000);
});

describe("POST /api/webhooks/shipping/generic: signatures", () => {
  it("refuses a missing, wrong, tampered or stale signature (401) and an unconfigured carrier (404)", async () => {
    const o = await shippedOrder("SHP-A");
    const event = { eventId: "sig-1", trackingNumber: o.trackingNumber, status: "in_transit", occurredAt: at(1) };
    const missing = await call("/api/webhooks/shipping/generic", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(event),
    });
    expect(missing.status).toBe(401);
    expect((await json(missing)).code).toBe("webhooks.invalid_signature");
    expect((await generic(event, { secret: "not-the-secret" })).status).toBe(401);
    expect((await generic(event, { t: Math.floor(Date.now() / 1000) - 301 })).status).toBe(401);
    expect((await generic(event, { t: Math.floor(Date.now() / 1000) + 301 })).status).toBe(401);
    const t = Math.floor(Date.now() / 1000);
    const goodSig = `t=${t},v1=${await hmacHex(GENERIC, `${t}.${JSON.stringify(event)}`)}`;
    const tampered = await call("/api/webhooks/shipping/generic", {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Signature": goodSig },
      body: JSON.stringify({ ...event, status: "delivered" }),
    });
    expect(tampered.status).toBe(401);
    expect((await generic(event, { signature: "v1=abc" })).status).toBe(401);
    expect((await generic(event, { carrier: "pigeon" })).status).toBe(404);
    expect((await view(o)).shipments[0].status).toBe("label_created");
    // The good one, with a rotated-out signature listed first, goes through.
    const rotated = `t=${t},v1=${"0".repeat(64)},v1=${await hmacHex(GENERIC, `${t}.${JSON.stringify(event)}`)}`;
    const ok = await generic(event, { signature: rotated });
    expect(ok.status).toBe(200);
    expect(await json(ok)).toEqual({ received: true, outcome: "applied" });
  });

  it("refuses unknown fields and bad statuses with 400, naming them", async () => {
    const bad = await generic({ eventId: "bad-1", trackingNumber: "X", status: "teleported", occurredAt: at(1), extra: 1 });
    expect(bad.status).toBe(400);
    const paths = (await json(bad)).errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(expect.arrayContaining(["status"]));
  });
});

describe("tracking events: dedupe, order, unknown numbers, exceptions", () => {
  it("in transit → out for delivery → delivered moves the parcel and the order; a duplicate and a late 'in transit' change nothing", async () => {
    const o = await shippedOrder("SHP-A");
    const e1 = {
      eventId: "evt-1",
      trackingNumber: o.trackingNumber,
      status: "in_transit",
      occurredAt: at(1),
      description: "Departed facility",
      location: "Memphis, TN",
    };
    expect(await json(await generic(e1))).toEqual({ received: true, outcome: "applied" });
    const dup = await generic(e1);
    expect(dup.status).toBe(200);
    expect(await json(dup)).toEqual({ received: true, outcome: "duplicate" });
    expect(await json(await generic({ ...e1, eventId: "evt-2", status: "out_for_delivery", occurredAt: at(5) }))).toMatchObject({ outcome: "applied" });
    expect(await json(await generic({ ...e1, eventId: "evt-3", status: "delivered", occurredAt: at(9), description: "Left at front door" }))).toMatchObject({
      outcome: "applied",
    });
    let order = await view(o);
    expect(order.status).toBe("delivered");
    expect(order.shipments[0]).toMatchObject({ status: "delivered", deliveredAt: at(9) });
    const before = order.timeline.length;
    // Late: an older "in transit", and a newer one (carriers do that) after delivery.
    expect(await json(await generic({ ...e1, eventId: "evt-0", occurredAt: at(0) }))).toMatchObject({ outcome: "stale" });
    expect(await json(await generic({ ...e1, eventId: "evt-4", occurredAt: at(20) }))).toMatchObject({ outcome: "stale" });
    expect(await json(await generic({ ...e1, eventId: "evt-3", status: "delivered", occurredAt: at(9) }))).toMatchObject({ outcome: "duplicate" });
    order = await view(o);
    expect(order.status).toBe("delivered");
    expect(order.shipments[0].status).toBe("delivered");
    expect(order.timeline).toHaveLength(before);
    const rows = await env.DB.prepare("select id, applied from tracking_events where id like 'generic:evt-%' order by id").all();
    expect(rows.results).toEqual([
      { id: "generic:evt-0", applied: 0 },
      { id: "generic:evt-1", applied: 1 },
      { id: "generic:evt-2", applied: 1 },
      { id: "generic:evt-3", applied: 1 },
      { id: "generic:evt-4", applied: 0 },
    ]);
    expect(order.timeline.filter((e: { kind: string }) => e.kind === "tracking").map((e: { note: string }) => e.note)).toEqual([
      `UPS ${o.trackingNumber}: In transit (Departed facility — Memphis, TN)`,
      `UPS ${o.trackingNumber}: Out for delivery`.replace("Out for delivery", "Out for delivery (Departed facility — Memphis, TN)"),
      `UPS ${o.trackingNumber}: Delivered (Left at front door — Memphis, TN)`,
    ]);
    expect(order.timeline.at(-1)).toMatchObject({ kind: "status", status: "delivered", by: "UPS" });
  });

  it("events arriving out of order: delivered first, then the older in-transit ones are recorded but change nothing", async () => {
    const o = await shippedOrder("SHP-A", "FedEx");
    await generic({ eventId: "ooo-3", trackingNumber: o.trackingNumber, status: "delivered", occurredAt: at(30) });
    await generic({ eventId: "ooo-1", trackingNumber: o.trackingNumber, status: "in_transit", occurredAt: at(10) });
    await generic({ eventId: "ooo-2", trackingNumber: o.trackingNumber, status: "out_for_delivery", occurredAt: at(20) });
    const order = await view(o);
    expect(order.status).toBe("delivered");
    expect(order.shipments[0].status).toBe("delivered");
  });

  it("an exception shows on the timeline and a later scan moves on; the order is delivered only when every parcel is", async () => {
    const order = await buy([{ sku: "SHP-A", quantity: 2 }]);
    const admin = await signedIn("admin");
    const detail = await json(await admin.send(`/api/admin/orders/${order.orderId}`));
    const line = detail.lines[0].id;
    await admin.send(`/api/admin/orders/${order.orderId}/shipments`, "POST", {
      carrier: "DHL",
      trackingNumber: "DHLPARCEL0001",
      lines: [{ orderLineId: line, quantity: 1 }],
    });
    await admin.send(`/api/admin/orders/${order.orderId}/shipments`, "POST", { carrier: "DHL", trackingNumber: "DHLPARCEL0002" });
    const send = (eventId: string, trackingNumber: string, status: string, minute: number, description?: string) =>
      generic({ eventId, trackingNumber, status, occurredAt: at(minute), ...(description ? { description } : {}) });
    await send("x1", "DHLPARCEL0001", "in_transit", 1);
    await send("x2", "DHLPARCEL0001", "exception", 2, "Address not found");
    let o = await view(order);
    expect(o.shipments[0].status).toBe("exception");
    expect(o.timeline.at(-1)).toMatchObject({ kind: "tracking", note: "DHL DHLPARCEL0001: Delivery problem (Address not found)" });
    await send("x3", "DHLPARCEL0001", "delivered", 3);
    o = await view(order);
    expect(o.status).toBe("shipped");
    await send("y1", "DHLPARCEL0002", "delivered", 4);
    o = await view(order);
    expect(o.status).toBe("delivered");
  });

  it("an unknown tracking number is recorded and answered 202, changing nothing", async () => {
    const res = await generic({ eventId: "unknown-1", trackingNumber: "NOSUCHPARCEL", status: "delivered", occurredAt: at(1) });
    expect(res.status).toBe(202);
    expect(await json(res)).toEqual({ received: true, outcome: "unknown_tracking_number" });
    const row = await env.DB.prepare("select shipment_id, applied from tracking_events where id = 'generic:unknown-1'").first();
    expect(row).toEqual({ shipment_id: null, applied: 0 });
  });
});

describe("POST /api/webhooks/shipping/easypost", () => {
  it("verifies X-Hmac-Signature on the raw body and applies tracker.updated events once", async () => {
    const o = await shippedOrder("SHP-A", "USPS");
    const inTransit = easypostEvent("evt_in_transit_1", o.trackingNumber, "in_transit", [
      { datetime: at(1), message: "Pre-Shipment Info Sent to USPS", status: "pre_transit" },
      { datetime: at(2), message: "Arrived at USPS Facility", status: "in_transit" },
    ]);
    expect((await easypost(inTransit, {}, "wrong-secret")).status).toBe(401);
    const noSig = await call("/api/webhooks/shipping/easypost", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(inTransit),
    });
    expect(noSig.status).toBe(401);
    expect(await json(await easypost(inTransit))).toEqual({ received: true, outcome: "applied" });
    expect(await json(await easypost(inTransit))).toEqual({ received: true, outcome: "duplicate" });
    let order = await view(o);
    expect(order.shipments[0]).toMatchObject({ status: "in_transit", lastEventAt: at(2) });
    expect(order.timeline.at(-1).note).toBe(`USPS ${o.trackingNumber}: In transit (Arrived at USPS Facility — MEMPHIS, TN, US)`);
    // Other event kinds are acknowledged and ignored.
    expect(await json(await easypost({ ...inTransit, id: "evt_batch", description: "batch.updated", result: { object: "Batch" } }))).toEqual({
      received: true,
      outcome: "ignored",
    });
    const delivered = easypostEvent("evt_delivered_1", o.trackingNumber, "delivered", [
      { datetime: at(2), message: "Arrived at USPS Facility", status: "in_transit" },
      { datetime: at(8), message: "Delivered, In/At Mailbox", status: "delivered" },
    ]);
    expect(await json(await easypost(delivered))).toMatchObject({ outcome: "applied" });
    order = await view(o);
    expect(order.status).toBe("delivered");
  });

  it("accepts the v2 signature (X-Timestamp + X-Path) and refuses a stale timestamp", async () => {
    const o = await shippedOrder("SHP-A", "USPS");
    const event = easypostEvent("evt_v2_1", o.trackingNumber, "out_for_delivery", [
      { datetime: at(3), message: "Out for Delivery", status: "out_for_delivery" },
    ]);
    const raw = JSON.stringify(event);
    const stamp = new Date().toUTCString().replace("GMT", "-0000");
    const v2 = await hmacHex(EASYPOST.normalize("NFKD"), `${stamp}POST/api/webhooks/shipping/easypost${raw}`);
    const res = await call("/api/webhooks/shipping/easypost", {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "X-Timestamp": stamp,
        "X-Path": "/api/webhooks/shipping/easypost",
        "X-Hmac-Signature-V2": `hmac-sha256-hex=${v2}`,
      },
      body: raw,
    });
    expect(await json(res)).toEqual({ received: true, outcome: "applied" });
    const old = new Date(Date.now() - 10 * 60_000).toUTCString().replace("GMT", "-0000");
    const stale = await easypost({ ...event, id: "evt_v2_2" }, { "X-Timestamp": old });
    expect(stale.status).toBe(401);
  });
});

describe("order emails: each event's email is in the outbox exactly once", () => {
  it("confirmation, payment, shipped, delivered, refunded — after duplicate webhooks and duplicate queue deliveries", async () => {
    const o = await shippedOrder("SHP-A");
    const shipment = (await view(o)).shipments[0].id;
    const delivered = { eventId: "mail-1", trackingNumber: o.trackingNumber, status: "delivered", occurredAt: at(1) };
    await generic(delivered);
    await generic(delivered);
    await generic({ ...delivered, eventId: "mail-2" });
    const refund = await o.admin.send(
      `/api/admin/orders/${o.orderId}/refunds`,
      "POST",
      { amount: 500, reason: "late delivery" },
      { "Idempotency-Key": "mail-refund-0001" },
    );
    expect(refund.status).toBe(200);
    await o.admin.send(`/api/admin/orders/${o.orderId}/refunds`, "POST", { amount: 500, reason: "late delivery" }, { "Idempotency-Key": "mail-refund-0001" });
    const payment = await env.DB.prepare("select id from payments where order_id = ?").bind(o.orderId).first<{ id: string }>();
    const ids = [
      `order-confirmed:${o.orderId}`,
      `payment-received:${payment?.id}`,
      `order-shipped:${shipment}`,
      `order-delivered:${o.orderId}`,
      `order-refunded:${payment?.id}:500`,
    ];
    await expect.poll(async () => Promise.all(ids.map(outboxCount)), { timeout: 15_000, interval: 250 }).toEqual([1, 1, 1, 1, 1]);
    // The queue delivers at least once: the same messages again send nothing more.
    const rows = await env.DB.prepare(`select id, template, payload from email_outbox where id in (${ids.map(() => "?").join(",")})`)
      .bind(...ids)
      .all<{ id: string; template: string; payload: string | null }>();
    const shipped = rows.results.find((r) => r.template === "order_shipped");
    const message = (id: string, body: unknown) => ({ id, timestamp: new Date(), attempts: 2, body });
    const bodies = [
      {
        id: `order-delivered:${o.orderId}`,
        template: "order_delivered",
        to: "buyer@example.test",
        data: { number: o.number, url: `http://store.test/orders/${o.orderId}?token=${o.token}` },
      },
      ...(shipped?.payload ? [JSON.parse(shipped.payload)] : []),
    ];
    const batch = createMessageBatch(
      "edge-commerce-email",
      bodies.map((b, i) => message(`dup-${i}`, b)),
    );
    const exec = createExecutionContext();
    await worker.queue?.(batch, env, exec);
    await waitOnExecutionContext(exec);
    expect((await getQueueResult(batch, exec)).retryMessages).toEqual([]);
    expect(await Promise.all(ids.map(outboxCount))).toEqual([1, 1, 1, 1, 1]);
    const sent = await env.DB.prepare("select template, text from email_outbox where id = ?").bind(`order-shipped:${shipment}`).first<{ text: string }>();
    expect(sent?.text).toContain(`/orders/${o.orderId}?token=${o.token}`);
  }, 30_000);
});
