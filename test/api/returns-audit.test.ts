import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { json } from "../support/http";
import { client, signedIn, stockProduct } from "../support/orders";
import { carrierEvent, deliveredOrder, returnsUrl } from "../support/returns";

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

let admin: Awaited<ReturnType<typeof signedIn>>;

beforeAll(async () => {
  await stockProduct("RAU-A", 100, 2000);
  await stockProduct("RAU-B", 100, 5000);
  admin = await signedIn("admin");
});

const auditRows = async (returnId: string) =>
  (
    await env.DB.prepare("select action, actor_id as actorId, actor_email as actorEmail from audit_log where entity_id = ? order by at, rowid")
      .bind(returnId)
      .all<{ action: string; actorId: string; actorEmail: string }>()
  ).results;
const emailById = async (id: string) =>
  env.DB.prepare("select text, subject from email_outbox where id = ?").bind(id).first<{ text: string; subject: string }>();
const orderEmail = async (orderId: string) =>
  (await env.DB.prepare("select email from orders where id = ?").bind(orderId).first<{ email: string }>())?.email as string;
const adminPost = (path: string, body: unknown = {}) => admin.send(`/api/admin/returns/${path}`, "POST", body);

describe("the audit log of a return: the shopper's and the carrier's steps too", () => {
  it("requested and sent by the signed-in shopper, received by the carrier's webhook (once, under duplicates)", async () => {
    const shopper = await signedIn("customer");
    const order = await deliveredOrder(admin, [{ sku: "RAU-A", quantity: 1 }], shopper);
    const created = await shopper.send(returnsUrl(order.orderId), "POST", {
      resolution: "refund",
      lines: [{ orderLineId: order.line("RAU-A"), quantity: 1, reason: "Too small" }],
    });
    expect(created.status).toBe(201);
    const ret = await json(created);
    expect((await adminPost(`${ret.id}/approve`, { instructions: "Drop it off." })).status).toBe(200);
    const sent = await shopper.send(`/api/returns/${ret.id}/tracking`, "POST", { carrier: "generic", trackingNumber: "RAUTRACK001" });
    expect(sent.status).toBe(200);
    const event = { eventId: "rau-1", trackingNumber: "RAUTRACK001", status: "delivered" };
    await Promise.all([carrierEvent(event), carrierEvent(event), carrierEvent({ ...event, eventId: "rau-2" })]);
    expect((await json(await admin.send(`/api/admin/returns/${ret.id}`))).status).toBe("received");

    const rows = await auditRows(ret.id);
    const email = await orderEmail(order.orderId);
    expect(rows.map((r) => r.action)).toEqual(["return.requested", "return.approved", "return.in_transit", "return.received"]);
    expect(rows[0]).toMatchObject({ actorId: shopper.user.id, actorEmail: email });
    expect(rows[1]).toMatchObject({ actorId: admin.user.id });
    expect(rows[2]).toMatchObject({ actorId: shopper.user.id, actorEmail: email });
    expect(rows[3]).toMatchObject({ actorId: "carrier:generic", actorEmail: "carrier" });
  });

  it("a guest's request is audited as the guest, with the order's email", async () => {
    const order = await deliveredOrder(admin, [{ sku: "RAU-A", quantity: 1 }]);
    const created = await client().send(returnsUrl(order.orderId, order.token), "POST", {
      resolution: "refund",
      lines: [{ orderLineId: order.line("RAU-A"), quantity: 1, reason: "Too small" }],
    });
    const ret = await json(created);
    const email = await orderEmail(order.orderId);
    expect(await auditRows(ret.id)).toEqual([{ action: "return.requested", actorId: "guest", actorEmail: email }]);
    // A refused request leaves no row.
    const refused = await client().send(returnsUrl(order.orderId, order.token), "POST", {
      resolution: "refund",
      lines: [{ orderLineId: order.line("RAU-A"), quantity: 1, reason: "Too small" }],
    });
    expect(refused.status).toBe(400);
    expect(
      (await env.DB.prepare("select count(*) as n from audit_log where action = 'return.requested' and actor_email = ?").bind(email).first<{ n: number }>())?.n,
    ).toBe(1);
  });
});

describe("the inspection email", () => {
  it("is sent once every item is inspected, once, naming what became of each item and what happens next", async () => {
    const order = await deliveredOrder(admin, [
      { sku: "RAU-A", quantity: 1 },
      { sku: "RAU-B", quantity: 1 },
    ]);
    const ret = await json(
      await client().send(returnsUrl(order.orderId, order.token), "POST", {
        resolution: "refund",
        lines: [
          { orderLineId: order.line("RAU-A"), quantity: 1, reason: "Too small" },
          { orderLineId: order.line("RAU-B"), quantity: 1, reason: "Too small" },
        ],
      }),
    );
    await adminPost(`${ret.id}/approve`, { instructions: "Send it back." });
    await adminPost(`${ret.id}/received`);
    const lineOf = (sku: string) => ret.lines.find((l: { sku: string }) => l.sku === sku).id as string;
    expect((await adminPost(`${ret.id}/lines/${lineOf("RAU-A")}/inspect`, { outcome: "restocked" })).status).toBe(200);
    // One item is still waiting: nothing sent yet (the received email is there, so the queue has run).
    await vi.waitFor(async () => expect(await emailById(`return-received:${ret.id}`)).toBeTruthy(), { timeout: 10_000 });
    expect(await emailById(`return-inspected:${ret.id}`)).toBeNull();
    // The last two decisions at once (one of them a retry): one email.
    await Promise.all([
      adminPost(`${ret.id}/lines/${lineOf("RAU-B")}/inspect`, { outcome: "damaged", note: "Soaked through" }),
      adminPost(`${ret.id}/lines/${lineOf("RAU-B")}/inspect`, { outcome: "damaged", note: "Soaked through" }),
    ]);
    await vi.waitFor(async () => expect(await emailById(`return-inspected:${ret.id}`)).toBeTruthy(), { timeout: 10_000 });
    const sent = await emailById(`return-inspected:${ret.id}`);
    expect(sent?.subject).toContain(`Return ${ret.number} checked`);
    expect(sent?.text).toContain("Restocked");
    expect(sent?.text).toContain("Written off: Soaked through");
    expect(sent?.text).toMatch(/refund up to \$70\.00/);
    expect(sent?.text).toContain("/policies/returns");
    expect((await env.DB.prepare("select count(*) as n from email_outbox where id like ?").bind(`return-inspected:${ret.id}`).first<{ n: number }>())?.n).toBe(
      1,
    );
  });
});

describe("order and shipping emails link the returns policy", () => {
  it("the shipped and delivered emails carry the policy link", async () => {
    const order = await deliveredOrder(admin, [{ sku: "RAU-A", quantity: 1 }]);
    await vi.waitFor(
      async () => {
        const rows = (
          await env.DB.prepare("select id, text from email_outbox where id like 'order-shipped:%' or id = ?")
            .bind(`order-delivered:${order.orderId}`)
            .all<{ id: string; text: string }>()
        ).results;
        const delivered = rows.find((r) => r.id === `order-delivered:${order.orderId}`);
        expect(delivered?.text).toContain("/policies/returns");
        expect(rows.filter((r) => r.id.startsWith("order-shipped:")).every((r) => r.text.includes("/policies/returns"))).toBe(true);
        expect(rows.some((r) => r.id.startsWith("order-shipped:"))).toBe(true);
      },
      { timeout: 10_000 },
    );
  });
});
