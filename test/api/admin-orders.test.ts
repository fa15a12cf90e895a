import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { call, json } from "../support/http";
import { api, buy, client, signedIn, stockProduct } from "../support/orders";

// Whole purchases run inside each test; on a busy machine they take longer than the 5 s default.
vi.setConfig({ testTimeout: 30_000 });

type Role = "admin" | "support" | "customer" | "vendor";
const clients: Partial<Record<Role, Awaited<ReturnType<typeof signedIn>>>> = {};
const audits = async (entityId: string) =>
  (
    await env.DB.prepare("select action, actor_email as actorEmail, before, after from audit_log where entity_id = ? order by at, rowid")
      .bind(entityId)
      .all<{ action: string; actorEmail: string; before: string; after: string }>()
  ).results;

beforeAll(async () => {
  await stockProduct("ADM-A", 100, 2000);
  await stockProduct("ADM-B", 100, 9000);
  for (const role of ["admin", "support", "customer", "vendor"] as Role[]) clients[role] = await signedIn(role);
});

const as = (role: Role | "anonymous") => (role === "anonymous" ? client() : (clients[role] as Awaited<ReturnType<typeof signedIn>>));

describe("role matrix for every admin order route", () => {
  const READS = ["/api/admin/orders", "/api/admin/orders/{id}"];
  const WRITES: [string, unknown][] = [
    ["/api/admin/orders/{id}/fulfilling", {}],
    ["/api/admin/orders/{id}/shipments", { carrier: "UPS", trackingNumber: "1ZMATRIX0001" }],
    ["/api/admin/orders/{id}/delivered", {}],
    ["/api/admin/orders/{id}/cancel", { reason: "matrix test" }],
    ["/api/admin/orders/{id}/notes", { note: "matrix test" }],
    ["/api/admin/orders/{id}/refunds", { reason: "matrix test" }],
  ];

  it.each(READS)("GET %s: admin and support 200, customer and vendor 403, anonymous 401", async (path) => {
    const order = await buy([{ sku: "ADM-A", quantity: 1 }]);
    const url = path.replace("{id}", order.orderId);
    const expected: Record<string, number> = { admin: 200, support: 200, customer: 403, vendor: 403, anonymous: 401 };
    for (const [role, status] of Object.entries(expected)) expect([role, (await as(role as Role).send(url)).status]).toEqual([role, status]);
  });

  it.each(WRITES)("POST %s: admin only (support, customer, vendor 403; anonymous 401), and nothing changes for them", async (path, body) => {
    const order = await buy([{ sku: "ADM-A", quantity: 1 }]);
    const url = path.replace("{id}", order.orderId);
    for (const [role, status] of [
      ["support", 403],
      ["customer", 403],
      ["vendor", 403],
      ["anonymous", 401],
    ] as const) {
      expect([role, (await as(role).send(url, "POST", body)).status]).toEqual([role, status]);
    }
    expect((await json(await call(api(order.orderId, order.token)))).status).toBe("paid");
    expect(await audits(order.orderId)).toEqual([]);
    const allowed = await as("admin").send(url, "POST", body);
    // Delivered needs a shipped order: admin is allowed in, the order's status refuses (409).
    expect(path.endsWith("/delivered") ? 409 : 200).toBe(allowed.status);
  });
});

describe("GET /api/admin/orders", () => {
  it("filters by status, customer email or number, total and date, and pages", async () => {
    const small = await buy([{ sku: "ADM-A", quantity: 1 }]);
    const big = await buy([{ sku: "ADM-B", quantity: 3 }], client());
    await env.DB.prepare("update orders set email = 'big-spender@example.test' where id = ?").bind(big.orderId).run();
    await as("admin").send(`/api/admin/orders/${big.orderId}/fulfilling`, "POST", {});
    const list = async (q: string) => json(await as("support").send(`/api/admin/orders?${q}`));
    expect((await list("status=fulfilling")).items.map((o: { id: string }) => o.id)).toContain(big.orderId);
    expect((await list("status=fulfilling")).items.map((o: { id: string }) => o.id)).not.toContain(small.orderId);
    expect((await list("q=big-spender")).items.map((o: { id: string }) => o.id)).toEqual([big.orderId]);
    expect((await list(`q=${small.number.toLowerCase()}`)).items.map((o: { id: string }) => o.id)).toEqual([small.orderId]);
    const rich = await list("minTotal=20000");
    expect(rich.items.every((o: { grandTotal: { amount: number } }) => o.grandTotal.amount >= 20000)).toBe(true);
    expect(rich.items.map((o: { id: string }) => o.id)).toContain(big.orderId);
    expect((await list("maxTotal=2600")).items.map((o: { id: string }) => o.id)).toContain(small.orderId);
    const today = new Date().toISOString().slice(0, 10);
    expect((await list(`from=${today}&to=${today}`)).total).toBeGreaterThanOrEqual(2);
    expect((await list("from=2001-01-01&to=2001-01-02")).total).toBe(0);
    const paged = await list("perPage=1&page=2");
    expect(paged).toMatchObject({ page: 2, perPage: 1, items: [expect.any(Object)] });
    const bad = await as("admin").send("/api/admin/orders?status=lost&minTotal=-1&colour=red");
    expect(bad.status).toBe(400);
    expect((await json(bad)).errors.map((e: { path: string }) => e.path).sort()).toEqual(["colour", "minTotal", "status"]);
  });
});

describe("admin order actions", () => {
  it("fulfil, ship, deliver, note: each on the timeline and in the audit log; support sees internal notes, the shopper does not", async () => {
    const order = await buy([{ sku: "ADM-A", quantity: 2 }]);
    const admin = as("admin");
    expect(await json(await admin.send(`/api/admin/orders/${order.orderId}/fulfilling`, "POST", { note: "Picking" }))).toEqual({
      orderId: order.orderId,
      status: "fulfilling",
    });
    expect((await admin.send(`/api/admin/orders/${order.orderId}/notes`, "POST", { note: "Customer called: gift wrap" })).status).toBe(200);
    expect((await admin.send(`/api/admin/orders/${order.orderId}/notes`, "POST", { note: "Your parcel leaves today", internal: false })).status).toBe(200);
    const ship = await admin.send(`/api/admin/orders/${order.orderId}/shipments`, "POST", { carrier: "USPS", trackingNumber: "9400100000000000000001" });
    expect(await json(ship)).toMatchObject({ status: "shipped", trackingUrl: "https://tools.usps.com/go/TrackConfirmAction?tLabels=9400100000000000000001" });
    expect(await json(await admin.send(`/api/admin/orders/${order.orderId}/delivered`, "POST", {}))).toEqual({ orderId: order.orderId, status: "delivered" });

    const staffView = await json(await as("support").send(`/api/admin/orders/${order.orderId}`));
    expect(staffView.timeline.find((e: { note: string }) => e.note === "Customer called: gift wrap")).toMatchObject({ internal: true, kind: "note" });
    expect(staffView.payments).toEqual([expect.objectContaining({ provider: "test", status: "succeeded" })]);
    expect(staffView.shipments[0]).toMatchObject({ carrier: "usps", status: "delivered" });
    expect(staffView.actions).toMatchObject({ ship: false, cancel: false, refund: true });
    const shopperView = await json(await call(api(order.orderId, order.token)));
    expect(shopperView.timeline.map((e: { note: string }) => e.note)).not.toContain("Customer called: gift wrap");
    expect(shopperView.timeline.map((e: { note: string }) => e.note)).toContain("Your parcel leaves today");
    expect((await audits(order.orderId)).map((a) => a.action)).toEqual(["order.fulfilling", "order.note", "order.note", "order.ship", "order.deliver"]);
    expect((await audits(order.orderId)).every((a) => a.actorEmail === clients.admin?.user.email)).toBe(true);
  });

  it("cancel by an admin: stock back, refund through the provider, audit with before/after, shopper email", async () => {
    const order = await buy([{ sku: "ADM-B", quantity: 2 }]);
    const before = await env.INVENTORY_LEDGER.getByName("ADM-B").snapshot("ADM-B");
    const res = await as("admin").send(`/api/admin/orders/${order.orderId}/cancel`, "POST", { reason: "out of gift boxes" });
    expect(await json(res)).toEqual({ orderId: order.orderId, status: "cancelled", refunded: { amount: order.total, currency: "USD" } });
    expect((await env.INVENTORY_LEDGER.getByName("ADM-B").snapshot("ADM-B")).onHand).toBe(before.onHand + 2);
    const [entry] = await audits(order.orderId);
    expect(entry).toMatchObject({ action: "order.cancel" });
    expect(JSON.parse(entry?.before ?? "{}")).toEqual({ status: "paid" });
    expect(JSON.parse(entry?.after ?? "{}")).toMatchObject({ status: "cancelled", refunded: order.total, reason: "out of gift boxes" });
    const view = await json(await call(api(order.orderId, order.token)));
    expect(view.timeline.at(-1)).toMatchObject({ status: "cancelled", by: "Store", note: expect.stringContaining("out of gift boxes") });
    const bad = await as("admin").send(`/api/admin/orders/${order.orderId}/cancel`, "POST", {});
    expect(bad.status).toBe(400);
    expect((await json(bad)).errors[0].path).toBe("reason");
  });

  it("a partial then full refund reaches the provider, the timeline (kind refund), the audit log and one email each", async () => {
    const order = await buy([{ sku: "ADM-A", quantity: 1 }]);
    const refund = (body: unknown, key: string) => as("admin").send(`/api/admin/orders/${order.orderId}/refunds`, "POST", body, { "Idempotency-Key": key });
    expect(await json(await refund({ amount: 700, reason: "scuffed box" }, "adm-refund-0001"))).toMatchObject({
      status: "partially_refunded",
      refunded: { amount: 700 },
    });
    expect(await json(await refund({ amount: 700, reason: "scuffed box" }, "adm-refund-0001"))).toMatchObject({ refunded: { amount: 700 } });
    expect(await json(await refund({ reason: "returned" }, "adm-refund-0002"))).toMatchObject({ status: "refunded", refunded: { amount: order.total } });
    const view = await json(await call(api(order.orderId, order.token)));
    expect(view.timeline.filter((e: { kind: string }) => e.kind === "refund").map((e: { note: string }) => e.note)).toEqual([
      "Refunded $7.00: scuffed box",
      `Refunded ${new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" }).format((order.total - 700) / 100)}: returned`,
    ]);
    expect((await audits(order.orderId)).map((a) => a.action)).toEqual(["order.refund", "order.refund"]);
    await expect
      .poll(
        async () =>
          (
            await env.DB.prepare("select count(*) as n from email_outbox where template = 'order_refunded' and id like ?")
              .bind(`order-refunded:${order.paymentId}:%`)
              .first<{ n: number }>()
          )?.n,
        {
          timeout: 10_000,
        },
      )
      .toBe(2);
  }, 20_000);

  it("two partial refunds at once: every refund answered 200 is recorded, and the other is refused before any money moves", async () => {
    const order = await buy([{ sku: "ADM-A", quantity: 1 }]);
    const refund = (amount: number, key: string) =>
      as("admin").send(`/api/admin/orders/${order.orderId}/refunds`, "POST", { amount, reason: "race" }, { "Idempotency-Key": key });
    const answers = await Promise.all([refund(300, "adm-race-0001"), refund(500, "adm-race-0002")]);
    const statuses = answers.map((a) => a.status);
    for (const s of statuses) expect([200, 409]).toContain(s);
    const accepted = [300, 500].filter((_, i) => statuses[i] === 200);
    expect(accepted.length).toBeGreaterThan(0);
    const payment = await env.DB.prepare("select refunded_amount as r from payments where id = ?").bind(order.paymentId).first<{ r: number }>();
    expect(payment?.r).toBe(accepted.reduce((a, b) => a + b, 0));
    const view = await json(await call(api(order.orderId, order.token)));
    expect(view.timeline.filter((e: { kind: string }) => e.kind === "refund")).toHaveLength(accepted.length);
    const refused = answers.find((a) => a.status === 409);
    if (refused) expect((await json(refused)).code).toBe("orders.refund_conflict");
  }, 20_000);

  it("404 for an unknown order, 409 for shipping a cancelled order", async () => {
    expect((await as("admin").send("/api/admin/orders/ord_nope")).status).toBe(404);
    expect((await as("admin").send("/api/admin/orders/ord_nope/notes", "POST", { note: "x" })).status).toBe(404);
    const order = await buy([{ sku: "ADM-A", quantity: 1 }]);
    await as("admin").send(`/api/admin/orders/${order.orderId}/cancel`, "POST", { reason: "test cancel" });
    const ship = await as("admin").send(`/api/admin/orders/${order.orderId}/shipments`, "POST", { carrier: "UPS", trackingNumber: "1ZCANCELLED01" });
    expect(ship.status).toBe(409);
  });
});
