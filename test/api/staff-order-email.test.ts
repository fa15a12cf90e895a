import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { applyPaymentOutcome } from "../../worker/orders";
import { insertUser } from "../support/factories";
import { json, postJson } from "../support/http";
import { buy, signedIn, stockProduct } from "../support/orders";

const SKU = "STAFF-MAIL-1";

type Row = { id: string; to_address: string; template: string; subject: string; text: string; status: string };
const staffRows = async (orderId: string) =>
  (
    await env.DB.prepare("select id, to_address, template, subject, text, status from email_outbox where id = ?1 or id like ?1 || ':%' order by to_address")
      .bind(`staff-new-order:${orderId}`)
      .all<Row>()
  ).results;
const confirmationSent = async (orderId: string) =>
  (await env.DB.prepare("select count(*) as n from email_outbox where id = ?").bind(`order-confirmed:${orderId}`).first<{ n: number }>())?.n ?? 0;
/** The order's confirmation went through the same queue: once it is in, so would a staff email queued with it be. */
const waitForConfirmation = (orderId: string) => expect.poll(() => confirmationSent(orderId), { timeout: 15_000, interval: 250 }).toBe(1);

let admin: Awaited<ReturnType<typeof signedIn>>;
let admins: { id: string; email: string }[];
const patch = (body: unknown, who = admin) => who.send("/api/admin/settings/notifications", "PATCH", body);

beforeAll(async () => {
  await stockProduct(SKU, 100, 1800);
  admin = await signedIn("admin");
  const second = await insertUser(env.DB, { role: "admin" });
  await insertUser(env.DB, { role: "support" });
  admins = [admin.user, second].sort((a, b) => a.email.localeCompare(b.email));
});

describe("the staff new-order email", () => {
  it("is on by default: every active admin gets one email per paid order, with the order's number, total and items", async () => {
    const settings = await json(await admin.send("/api/admin/settings"));
    expect(settings.store).toMatchObject({ staffOrderEmails: true, staffOrderEmailTo: null });
    const order = await buy([{ sku: SKU, quantity: 2 }]);
    await expect.poll(async () => (await staffRows(order.orderId)).length, { timeout: 15_000, interval: 250 }).toBe(admins.length);
    const rows = await staffRows(order.orderId);
    expect(rows.map((r) => r.to_address)).toEqual(admins.map((a) => a.email));
    for (const row of rows) {
      expect(row).toMatchObject({ template: "staff_new_order", status: "sent" });
      expect(row.subject).toBe(`New order ${order.number}: $${(order.total / 100).toFixed(2)}`);
      expect(row.text).toContain("Item STAFF-MAIL-1");
      expect(row.text).toContain(`/admin/orders/${order.orderId}`);
    }
  });

  it("a duplicate webhook, and another event for the same payment, send nothing more", async () => {
    const order = await buy([{ sku: SKU, quantity: 1 }]);
    await expect.poll(async () => (await staffRows(order.orderId)).length, { timeout: 15_000, interval: 250 }).toBe(admins.length);
    // The same event delivered again (the test provider's event id is the payment and outcome).
    const again = await postJson(`/api/checkout/test-payments/${order.paymentId}`, { outcome: "succeeded" });
    expect(await json(again)).toEqual({ orderStatus: "paid" });
    // A second, different event reporting the same payment (as Stripe sends checkout.session.completed and payment_intent.succeeded).
    const other = await applyPaymentOutcome(
      env,
      { provider: "test", eventId: `other-event:${order.paymentId}`, eventType: "test.succeeded", paymentId: order.paymentId, outcome: "succeeded" },
      "http://store.test",
    );
    expect(other).toEqual({ applied: false, orderStatus: "paid" });
    // Let a later order's emails go through the queue, then count again: still one per admin, none re-sent.
    const later = await buy([{ sku: SKU, quantity: 1 }]);
    await waitForConfirmation(later.orderId);
    await expect.poll(async () => (await staffRows(later.orderId)).length, { timeout: 15_000, interval: 250 }).toBe(admins.length);
    const rows = await staffRows(order.orderId);
    expect(rows).toHaveLength(admins.length);
    expect(rows.every((r) => r.status === "sent")).toBe(true);
    const attempts = await env.DB.prepare("select max(attempts) as n from email_outbox where id like ?")
      .bind(`staff-new-order:${order.orderId}:%`)
      .first<{ n: number }>();
    expect(attempts?.n).toBe(1);
  });

  it("an unpaid (declined) order sends no staff email", async () => {
    const order = await buy([{ sku: SKU, quantity: 1 }], undefined, false);
    await postJson(`/api/checkout/test-payments/${order.paymentId}`, { outcome: "failed" });
    const paid = await buy([{ sku: SKU, quantity: 1 }]);
    await expect.poll(async () => (await staffRows(paid.orderId)).length, { timeout: 15_000, interval: 250 }).toBe(admins.length);
    expect(await staffRows(order.orderId)).toEqual([]);
  });

  it("goes to the staff address instead of the admins when one is set", async () => {
    const res = await patch({ staffOrderEmailTo: "Orders@Shop.test" });
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ staffOrderEmails: true, staffOrderEmailTo: "orders@shop.test" });
    const order = await buy([{ sku: SKU, quantity: 1 }]);
    await expect.poll(async () => (await staffRows(order.orderId)).map((r) => r.to_address), { timeout: 15_000, interval: 250 }).toEqual(["orders@shop.test"]);
    expect((await patch({ staffOrderEmailTo: null })).status).toBe(200);
  });

  it("is not sent once an admin turns it off (the setting is audited), and is sent again once turned back on", async () => {
    const off = await patch({ staffOrderEmails: false });
    expect(off.status).toBe(200);
    expect(await json(off)).toMatchObject({ staffOrderEmails: false });
    const audit = await env.DB.prepare("select actor_email, before, after from audit_log where action = 'settings.notifications' order by at desc").first<{
      actor_email: string;
      before: string;
      after: string;
    }>();
    expect(audit?.actor_email).toBe(admin.user.email);
    expect(JSON.parse(audit?.after ?? "{}")).toMatchObject({ staffOrderEmails: false });

    const quiet = await buy([{ sku: SKU, quantity: 1 }]);
    await waitForConfirmation(quiet.orderId);
    expect(await staffRows(quiet.orderId)).toEqual([]);

    expect((await patch({ staffOrderEmails: true })).status).toBe(200);
    const loud = await buy([{ sku: SKU, quantity: 1 }]);
    await expect.poll(async () => (await staffRows(loud.orderId)).length, { timeout: 15_000, interval: 250 }).toBe(admins.length);
    expect(await staffRows(quiet.orderId)).toEqual([]);
  });
});

describe("PATCH /api/admin/settings/notifications", () => {
  it("400 names the field for an address that is not one, and unknown fields are refused", async () => {
    const bad = await patch({ staffOrderEmailTo: "not-an-address" });
    expect(bad.status).toBe(400);
    expect((await json(bad)).errors).toEqual([expect.objectContaining({ path: "staffOrderEmailTo" })]);
    expect((await patch({ staffOrderEmails: "yes" })).status).toBe(400);
    expect((await patch({ lowStockEmails: true })).status).toBe(400);
  });

  it("401 without a session; 403 for support staff and customers", async () => {
    expect((await postJson("/api/admin/settings/notifications", { staffOrderEmails: false }, {}, "PATCH")).status).toBe(401);
    const support = await signedIn("support");
    expect((await patch({ staffOrderEmails: false }, support)).status).toBe(403);
    const customer = await signedIn("customer");
    expect((await patch({ staffOrderEmails: false }, customer)).status).toBe(403);
    expect((await json(await admin.send("/api/admin/settings"))).store.staffOrderEmails).toBe(true);
  });
});
