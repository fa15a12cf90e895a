import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { canReturnTransition, RETURN_STATUSES, type ReturnStatus } from "../../worker/returns";
import { call, json } from "../support/http";
import { client, signedIn, stockProduct } from "../support/orders";
import { carrierEvent, deliveredOrder, returnsUrl } from "../support/returns";

// Whole purchases run inside each test; on a busy machine they take longer than the 5 s default.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

let admin: Awaited<ReturnType<typeof signedIn>>;
let support: Awaited<ReturnType<typeof signedIn>>;
let shopper: Awaited<ReturnType<typeof signedIn>>;

beforeAll(async () => {
  await stockProduct("RET-A", 200, 2000);
  await stockProduct("RET-B", 200, 5000);
  admin = await signedIn("admin");
  support = await signedIn("support");
  shopper = await signedIn("customer");
});

const returnOf = (orderId: string, token: string, lines: { orderLineId: string; quantity: number; reason?: string }[], extra: Record<string, unknown> = {}) =>
  client().send(returnsUrl(orderId, token), "POST", { lines: lines.map((l) => ({ reason: "Too small", ...l })), ...extra });
const adminPost = (path: string, body: unknown = {}, headers: Record<string, string> = {}) => admin.send(`/api/admin/returns/${path}`, "POST", body, headers);
const onHand = async (sku: string) => (await env.INVENTORY_LEDGER.getByName(sku).snapshot(sku)).onHand;
const outbox = async (like: string) =>
  (await env.DB.prepare("select count(*) as n from email_outbox where id like ?").bind(like).first<{ n: number }>())?.n ?? 0;
const timeline = async (orderId: string, like: string) =>
  (await env.DB.prepare("select count(*) as n from order_events where order_id = ? and note like ?").bind(orderId, like).first<{ n: number }>())?.n ?? 0;
const audits = async (returnId: string) =>
  (await env.DB.prepare("select action from audit_log where entity_id = ? order by at, rowid").bind(returnId).all<{ action: string }>()).results.map(
    (a) => a.action,
  );

/** A delivered order of one unit of RET-A and `b` of RET-B, with a requested return of one RET-A. */
async function requested(b = 1) {
  const order = await deliveredOrder(admin, [
    { sku: "RET-A", quantity: 1 },
    { sku: "RET-B", quantity: b },
  ]);
  const res = await returnOf(order.orderId, order.token, [{ orderLineId: order.line("RET-A"), quantity: 1 }]);
  expect(res.status).toBe(201);
  return { order, ret: await json(res) };
}

describe("the return transition table", () => {
  const ALLOWED: Record<ReturnStatus, ReturnStatus[]> = {
    requested: ["approved", "rejected"],
    approved: ["in_transit"],
    in_transit: ["received"],
    received: ["refunded", "exchanged", "closed"],
    rejected: [],
    refunded: [],
    exchanged: [],
    closed: [],
  };
  const pairs = RETURN_STATUSES.flatMap((from) => RETURN_STATUSES.map((to) => [from, to] as const));
  it.each(pairs)("%s → %s", (from, to) => {
    expect(canReturnTransition(from, to)).toBe(ALLOWED[from].includes(to));
  });

  it("through the API: each refused step answers 409 returns.invalid_transition and changes nothing; each allowed one moves", async () => {
    const { order, ret } = await requested();
    const refused = async (path: string, body: unknown = {}) => {
      const res = await adminPost(`${ret.id}/${path}`, body);
      expect([path, res.status, (await json(res)).code]).toEqual([path, 409, "returns.invalid_transition"]);
    };
    // requested: cannot be received, refunded or closed
    await refused("received");
    await refused("refund");
    await refused("close");
    expect((await adminPost(`${ret.id}/approve`, { instructions: "Use the prepaid label.", carrier: "generic", trackingNumber: "RTN0000001" })).status).toBe(
      200,
    );
    // approved: cannot be approved again, rejected, refunded or closed
    await refused("approve", { instructions: "again" });
    await refused("reject", { reason: "too late" });
    await refused("refund");
    await refused("close");
    expect((await adminPost(`${ret.id}/received`)).status).toBe(200);
    await refused("received");
    await refused("reject", { reason: "too late" });
    await refused("approve", { instructions: "again" });
    // received → refunded, then nothing more
    expect((await adminPost(`${ret.id}/lines/${ret.lines[0].id}/inspect`, { outcome: "restocked" })).status).toBe(200);
    expect((await adminPost(`${ret.id}/refund`)).status).toBe(200);
    await refused("close");
    await refused("refund");
    await refused("received");
    const view = await json(await admin.send(`/api/admin/returns/${ret.id}`));
    expect(view).toMatchObject({ status: "refunded", next: [] });
    // approved → in transit → received: the table's path, on the order timeline (shopper-visible)
    expect(await timeline(order.orderId, `Return ${ret.number} received%`)).toBe(1);
    expect(await audits(ret.id)).toEqual(["return.requested", "return.approved", "return.received", "return.inspect", "return.refunded"]);

    const other = await requested();
    expect((await adminPost(`${other.ret.id}/reject`, { reason: "Worn and washed" })).status).toBe(200);
    for (const [path, body] of [
      ["approve", { instructions: "x".repeat(5) }],
      ["received", {}],
      ["reject", { reason: "again!" }],
    ] as const) {
      const res = await adminPost(`${other.ret.id}/${path}`, body);
      expect(res.status).toBe(409);
    }
    // A declined return gives its units back: they may be asked for again.
    expect((await returnOf(other.order.orderId, other.order.token, [{ orderLineId: other.order.line("RET-A"), quantity: 1 }])).status).toBe(201);
    // The shopper may send an approved return only.
    const sent = await client().send(`/api/returns/${other.ret.id}/tracking?token=${other.order.token}`, "POST", {
      carrier: "UPS",
      trackingNumber: "1ZSHOP0001",
    });
    expect(sent.status).toBe(409);
  });

  it("the shopper sends an approved return with a tracking number: in transit, then the carrier's delivery marks it received", async () => {
    const { order, ret } = await requested();
    expect((await adminPost(`${ret.id}/approve`, { instructions: "Drop it at any post office." })).status).toBe(200);
    const sent = await client().send(`/api/returns/${ret.id}/tracking?token=${order.token}`, "POST", {
      carrier: "Royal Mail",
      trackingNumber: "RM123456789GB",
    });
    expect(await json(sent)).toMatchObject({ status: "in_transit", carrier: "royal_mail", trackingNumber: "RM123456789GB" });
    expect((await carrierEvent({ eventId: "rm-1", trackingNumber: "RM123456789GB", status: "delivered" })).status).toBe(200);
    expect((await json(await call(`/api/returns/${ret.id}?token=${order.token}`))).status).toBe("received");
  });
});

describe("GET/POST /api/orders/:id/returns: who, the window and what may be returned", () => {
  it("owner or guest link only: anonymous 401, another customer 404, the owner sees the returnable lines", async () => {
    const mine = await deliveredOrder(admin, [{ sku: "RET-A", quantity: 2 }], shopper);
    const stranger = await signedIn("customer");
    expect((await client().send(returnsUrl(mine.orderId))).status).toBe(401);
    expect((await stranger.send(returnsUrl(mine.orderId))).status).toBe(404);
    expect(
      (await stranger.send(returnsUrl(mine.orderId), "POST", { lines: [{ orderLineId: mine.line("RET-A"), quantity: 1, reason: "Too small" }] })).status,
    ).toBe(404);
    const view = await json(await shopper.send(returnsUrl(mine.orderId)));
    expect(view).toMatchObject({ windowDays: 30, lines: [{ sku: "RET-A", delivered: 2, returnable: 2, reason: null }] });
    expect(view.reasons).toContain("Too small");
    const created = await shopper.send(returnsUrl(mine.orderId), "POST", {
      lines: [{ orderLineId: mine.line("RET-A"), quantity: 1, reason: "Too large", note: "Fits like a tent" }],
    });
    expect(created.status).toBe(201);
    const ret = await json(created);
    expect((await stranger.send(`/api/returns/${ret.id}`)).status).toBe(404);
    expect((await client().send(`/api/returns/${ret.id}`)).status).toBe(401);
    expect(await json(await shopper.send(`/api/returns/${ret.id}`))).toMatchObject({
      status: "requested",
      lines: [{ quantity: 1, reason: "Too large", note: "Fits like a tent" }],
    });
    expect((await json(await shopper.send(returnsUrl(mine.orderId)))).lines[0]).toMatchObject({ returnable: 1 });
    await vi.waitFor(async () => expect(await outbox(`return-requested:${ret.id}`)).toBe(1), { timeout: 10_000 });
  });

  it("bad input names the field: unknown line, too many units, unlisted reason, a line twice, unknown fields", async () => {
    const order = await deliveredOrder(admin, [{ sku: "RET-A", quantity: 1 }]);
    const line = order.line("RET-A");
    const bad = await client().send(returnsUrl(order.orderId, order.token), "POST", {
      lines: [
        { orderLineId: "oln_nope", quantity: 1, reason: "Too small" },
        { orderLineId: line, quantity: 2, reason: "Because" },
      ],
    });
    expect(bad.status).toBe(400);
    expect((await json(bad)).errors.map((e: { path: string }) => e.path).sort()).toEqual(["lines.0.orderLineId", "lines.1.quantity", "lines.1.reason"]);
    const twice = await client().send(returnsUrl(order.orderId, order.token), "POST", {
      lines: [
        { orderLineId: line, quantity: 1, reason: "Too small" },
        { orderLineId: line, quantity: 1, reason: "Too small" },
      ],
    });
    expect(twice.status).toBe(400);
    expect((await json(twice)).errors.map((e: { path: string }) => e.path)).toEqual(["lines.1.orderLineId"]);
    const unknown = await client().send(returnsUrl(order.orderId, order.token), "POST", {
      lines: [{ orderLineId: line, quantity: 1, reason: "Too small" }],
      colour: "red",
    });
    expect(unknown.status).toBe(400);
    expect(JSON.stringify((await json(unknown)).errors)).toContain("colour");
    const exchange = await client().send(returnsUrl(order.orderId, order.token), "POST", {
      resolution: "exchange",
      lines: [{ orderLineId: line, quantity: 1, reason: "Too small" }],
    });
    expect((await json(exchange)).errors.map((e: { path: string }) => e.path)).toEqual(["lines.0.exchangeSku"]);
    const exchangeable = await client().send(returnsUrl(order.orderId, order.token), "POST", {
      resolution: "exchange",
      lines: [{ orderLineId: line, quantity: 1, reason: "Too small", exchangeSku: "RET-B" }],
    });
    expect(exchangeable.status).toBe(400);
    const paths = (await json(exchangeable)).errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(["lines.0.exchangeSku"]);
  });

  it("only delivered units: an order that has not arrived cannot be returned", async () => {
    const { buy } = await import("../support/orders");
    const order = await buy([{ sku: "RET-A", quantity: 1 }]);
    const line = (await env.DB.prepare("select id from order_lines where order_id = ?").bind(order.orderId).first<{ id: string }>())?.id as string;
    const res = await returnOf(order.orderId, order.token, [{ orderLineId: line, quantity: 1 }]);
    expect(res.status).toBe(400);
    expect((await json(res)).errors).toEqual([{ path: "lines.0.orderLineId", message: "Not delivered yet." }]);
  });

  it("the window: closed after the configured days from delivery, open again when staff lengthen it", async () => {
    const order = await deliveredOrder(admin, [{ sku: "RET-A", quantity: 1 }]);
    const line = order.line("RET-A");
    await env.DB.prepare("update shipments set delivered_at = ? where order_id = ?")
      .bind(new Date(Date.now() - 31 * 86_400_000).toISOString(), order.orderId)
      .run();
    const late = await returnOf(order.orderId, order.token, [{ orderLineId: line, quantity: 1 }]);
    expect(late.status).toBe(409);
    expect(await json(late)).toMatchObject({
      code: "returns.window_closed",
      errors: [{ path: "lines.0.orderLineId", message: "The 30-day return window has closed." }],
    });
    expect((await admin.send("/api/admin/settings/returns", "PATCH", { windowDays: 45 })).status).toBe(200);
    expect((await returnOf(order.orderId, order.token, [{ orderLineId: line, quantity: 1 }])).status).toBe(201);
    expect((await admin.send("/api/admin/settings/returns", "PATCH", { windowDays: 30 })).status).toBe(200);
  });

  it("non-returnable products and categories are refused (409 returns.not_returnable); the rest of the order still returns", async () => {
    const order = await deliveredOrder(admin, [
      { sku: "RET-A", quantity: 1 },
      { sku: "RET-B", quantity: 1 },
    ]);
    const product = (sku: string) =>
      env.DB.prepare("select product_id as p, category_id as c from product_variants v join products p on p.id = v.product_id where sku = ?")
        .bind(sku)
        .first<{ p: string; c: string }>();
    const a = await product("RET-A");
    const b = await product("RET-B");
    expect((await admin.send("/api/admin/settings/returns", "PATCH", { nonReturnableProductIds: [a?.p], nonReturnableCategoryIds: [b?.c] })).status).toBe(200);
    for (const sku of ["RET-A", "RET-B"]) {
      const res = await returnOf(order.orderId, order.token, [{ orderLineId: order.line(sku), quantity: 1 }]);
      expect([sku, res.status, (await json(res)).code]).toEqual([sku, 409, "returns.not_returnable"]);
    }
    expect((await json(await call(returnsUrl(order.orderId, order.token)))).lines.map((l: { reason: string }) => l.reason)).toEqual([
      "This item cannot be returned.",
      "This item cannot be returned.",
    ]);
    expect((await admin.send("/api/admin/settings/returns", "PATCH", { nonReturnableCategoryIds: [] })).status).toBe(200);
    expect((await returnOf(order.orderId, order.token, [{ orderLineId: order.line("RET-B"), quantity: 1 }])).status).toBe(201);
    expect((await admin.send("/api/admin/settings/returns", "PATCH", { nonReturnableProductIds: [] })).status).toBe(200);
  });

  it("two requests for the same units at once: only one return gets them", async () => {
    const order = await deliveredOrder(admin, [{ sku: "RET-A", quantity: 2 }]);
    const line = order.line("RET-A");
    const answers = await Promise.all([
      returnOf(order.orderId, order.token, [{ orderLineId: line, quantity: 2 }]),
      returnOf(order.orderId, order.token, [{ orderLineId: line, quantity: 2 }]),
    ]);
    expect(answers.map((a) => a.status).sort()).toEqual([201, expect.any(Number)]);
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    const units = await env.DB.prepare("select sum(quantity) as n from return_lines where order_line_id = ?").bind(line).first<{ n: number }>();
    expect(units?.n).toBe(2);
  });
});

describe("staff: permissions, inspection, stock and refunds", () => {
  it("support, customers and anonymous callers cannot act on returns; support may read them", async () => {
    const { ret } = await requested();
    const WRITES: [string, unknown][] = [
      ["approve", { instructions: "Send it back." }],
      ["reject", { reason: "Worn" }],
      ["received", {}],
      [`lines/${ret.lines[0].id}/inspect`, { outcome: "restocked" }],
      ["refund", {}],
      ["close", {}],
    ];
    for (const [path, body] of WRITES) {
      expect([path, (await support.send(`/api/admin/returns/${ret.id}/${path}`, "POST", body)).status]).toEqual([path, 403]);
      expect([path, (await shopper.send(`/api/admin/returns/${ret.id}/${path}`, "POST", body)).status]).toEqual([path, 403]);
      expect([path, (await client().send(`/api/admin/returns/${ret.id}/${path}`, "POST", body)).status]).toEqual([path, 401]);
    }
    expect((await support.send(`/api/admin/returns/${ret.id}`)).status).toBe(200);
    expect((await support.send("/api/admin/returns?status=requested")).status).toBe(200);
    expect((await support.send("/api/admin/settings/returns", "PATCH", { windowDays: 1 })).status).toBe(403);
    // Only the shopper's request is on the audit log: no refused staff write left a row.
    expect(await audits(ret.id)).toEqual(["return.requested"]);
    expect((await admin.send("/api/admin/returns/ret_nope")).status).toBe(404);
    const bad = await adminPost(`${ret.id}/approve`, { instructions: "", trackingNumber: "1Z!!" });
    expect((await json(bad)).errors.map((e: { path: string }) => e.path).sort()).toEqual(["carrier", "instructions", "trackingNumber"]);
  });

  it("a refund above the re-authentication threshold goes through for a fresh second factor and asks an old one for a code", async () => {
    // Each return is three RET-B at 50.00: above the default threshold of 100.00.
    const order = await deliveredOrder(admin, [{ sku: "RET-B", quantity: 6 }]);
    const ready = async () => {
      const ret = await json(await returnOf(order.orderId, order.token, [{ orderLineId: order.line("RET-B"), quantity: 3 }]));
      expect((await adminPost(`${ret.id}/approve`, { instructions: "Send it back." })).status).toBe(200);
      expect((await adminPost(`${ret.id}/received`)).status).toBe(200);
      expect((await adminPost(`${ret.id}/lines/${ret.lines[0].id}/inspect`, { outcome: "restocked" })).status).toBe(200);
      return ret;
    };
    const bigAdmin = await signedIn("admin");
    // The session that signed in a moment ago proved its factor: the refund goes through.
    const first = await ready();
    expect((await bigAdmin.send(`/api/admin/returns/${first.id}/refund`, "POST", {})).status).toBe(200);
    // Once that proof is older than the store's window, the same refund is refused until the staff member re-authenticates.
    await env.DB.prepare("update session_factors set verified_at = verified_at - 3600000 where user_id = ?").bind(bigAdmin.user.id).run();
    const second = await ready();
    const refused = await bigAdmin.send(`/api/admin/returns/${second.id}/refund`, "POST", {});
    expect(refused.status).toBe(403);
    expect((await json(refused)).code).toBe("auth.reauthentication_required");
    expect((await json(await admin.send(`/api/admin/returns/${second.id}`))).status).toBe("received");
  });

  it("duplicate carrier webhooks and duplicate inspections: received once, restocked exactly once, one email", async () => {
    const { order, ret } = await requested();
    expect(
      (
        await adminPost(`${ret.id}/approve`, {
          instructions: "Label attached.",
          carrier: "generic",
          trackingNumber: "RTNDUP0001",
          labelUrl: "https://labels.example/1.pdf",
        })
      ).status,
    ).toBe(200);
    const before = await onHand("RET-A");
    const event = { eventId: "ret-dup-1", trackingNumber: "RTNDUP0001", status: "delivered" };
    const hooks = await Promise.all([carrierEvent(event), carrierEvent(event), carrierEvent(event)]);
    expect(hooks.map((h) => h.status)).toEqual([200, 200, 200]);
    const again = await json(await carrierEvent(event));
    expect(again.outcome).toBe("duplicate");
    // A second, different event of the same delivery changes nothing either.
    expect((await json(await carrierEvent({ ...event, eventId: "ret-dup-2" }))).outcome).toBe("stale");
    expect((await json(await admin.send(`/api/admin/returns/${ret.id}`))).status).toBe("received");
    expect(await timeline(order.orderId, `Return ${ret.number} delivered back%`)).toBe(1);
    const line = ret.lines[0].id;
    const inspections = await Promise.all([
      adminPost(`${ret.id}/lines/${line}/inspect`, { outcome: "restocked" }),
      adminPost(`${ret.id}/lines/${line}/inspect`, { outcome: "restocked" }),
    ]);
    expect(inspections.map((r) => r.status)).toEqual([200, 200]);
    expect((await adminPost(`${ret.id}/lines/${line}/inspect`, { outcome: "restocked" })).status).toBe(200);
    expect(await onHand("RET-A")).toBe(before + 1);
    expect((await adminPost(`${ret.id}/lines/${line}/inspect`, { outcome: "damaged", note: "torn" })).status).toBe(409);
    expect(await audits(ret.id)).toEqual(["return.requested", "return.approved", "return.received", "return.inspect"]);
    await vi.waitFor(async () => expect(await outbox(`return-received:${ret.id}`)).toBe(1), { timeout: 10_000 });
    const movements = await env.INVENTORY_LEDGER.getByName("RET-A").movements("RET-A", 50);
    expect(movements.filter((m) => m.refId === `return:${line}:restocked`)).toHaveLength(1);
  });

  it("a damaged item is written off with its reason on the stock ledger, not put back", async () => {
    const { ret } = await requested();
    await adminPost(`${ret.id}/approve`, { instructions: "Send it back." });
    await adminPost(`${ret.id}/received`, { note: "Box crushed" });
    const before = await onHand("RET-A");
    const missingNote = await adminPost(`${ret.id}/lines/${ret.lines[0].id}/inspect`, { outcome: "damaged" });
    expect((await json(missingNote)).errors[0].path).toBe("note");
    expect((await adminPost(`${ret.id}/lines/${ret.lines[0].id}/inspect`, { outcome: "damaged", note: "Water damage" })).status).toBe(200);
    expect(await onHand("RET-A")).toBe(before);
    const movements = await env.INVENTORY_LEDGER.getByName("RET-A").movements("RET-A", 50);
    expect(movements.find((m) => m.refId === `return:${ret.lines[0].id}:damaged`)).toMatchObject({
      quantity: 0,
      reason: expect.stringContaining("Water damage"),
    });
    expect((await adminPost(`${ret.id}/close`, { note: "Damaged by the carrier: claim filed" })).status).toBe(200);
  });

  it("a refund never exceeds what was paid for the lines (discount share, restocking fee), even with concurrent requests", async () => {
    expect((await admin.send("/api/admin/settings/returns", "PATCH", { restockingFeePercent: 10 })).status).toBe(200);
    const order = await deliveredOrder(admin, [{ sku: "RET-B", quantity: 3 }]);
    // The line's share of an order discount: 15000 - 1001 = 13999 paid for 3 units.
    await env.DB.prepare("update order_lines set discount_total = 1001 where id = ?").bind(order.line("RET-B")).run();
    const make = async (quantity: number) => {
      const ret = await json(await returnOf(order.orderId, order.token, [{ orderLineId: order.line("RET-B"), quantity }]));
      await adminPost(`${ret.id}/approve`, { instructions: "Send it." });
      await adminPost(`${ret.id}/received`);
      await adminPost(`${ret.id}/lines/${ret.lines[0].id}/inspect`, { outcome: "restocked" });
      return ret;
    };
    const first = await make(1);
    // floor(13999 × 1/3) = 4666, less 10 % (467) = 4199
    expect((await json(await admin.send(`/api/admin/returns/${first.id}`))).refundable).toEqual({ amount: 4199, currency: "USD" });
    const tooMuch = await adminPost(`${first.id}/refund`, { amount: 4200 });
    expect(tooMuch.status).toBe(400);
    expect(await json(tooMuch)).toMatchObject({ code: "returns.refund_too_large", errors: [{ path: "amount" }] });
    const answers = await Promise.all([
      adminPost(`${first.id}/refund`, {}, { "Idempotency-Key": "ret-race-0001" }),
      adminPost(`${first.id}/refund`, {}, { "Idempotency-Key": "ret-race-0002" }),
      adminPost(`${first.id}/refund`, { amount: 1000 }, { "Idempotency-Key": "ret-race-0003" }),
    ]);
    const ok = answers.filter((a) => a.status === 200);
    expect(ok).toHaveLength(1);
    for (const a of answers.filter((x) => x.status !== 200)) expect([409]).toContain(a.status);
    const paid = (await env.DB.prepare("select refunded_amount as r from payments where order_id = ?").bind(order.orderId).first<{ r: number }>())?.r;
    const sent = (await json(ok[0] as Response)).refunded.amount;
    expect([4199, 1000]).toContain(sent);
    expect(paid).toBe(sent);
    // The other two units: what is left of the 13999, less the fee: 13999 - 4666 = 9333, less 933 = 8400.
    const rest = await make(2);
    expect((await json(await admin.send(`/api/admin/returns/${rest.id}`))).refundable.amount).toBe(8400);
    expect(await json(await adminPost(`${rest.id}/refund`))).toMatchObject({ status: "refunded", refunded: { amount: 8400 } });
    const total = (await env.DB.prepare("select refunded_amount as r from payments where order_id = ?").bind(order.orderId).first<{ r: number }>())
      ?.r as number;
    expect(total).toBeLessThanOrEqual(13999);
    const shopperView = await json(await call(`/api/orders/${order.orderId}?token=${order.token}`));
    expect(shopperView.totals.refunded.amount).toBe(total);
    expect((await admin.send("/api/admin/settings/returns", "PATCH", { restockingFeePercent: 0 })).status).toBe(200);
  });
});

describe("return settings and policy pages", () => {
  it("settings: audited, field errors named", async () => {
    const bad = await admin.send("/api/admin/settings/returns", "PATCH", { windowDays: -1, shippingPaidBy: "nobody", nonReturnableProductIds: ["prod_nope"] });
    expect(bad.status).toBe(400);
    expect((await json(bad)).errors.map((e: { path: string }) => e.path).sort()).toEqual(["shippingPaidBy", "windowDays"]);
    const unknown = await admin.send("/api/admin/settings/returns", "PATCH", { nonReturnableProductIds: ["prod_nope"] });
    expect(await json(unknown)).toMatchObject({ status: 400, errors: [{ path: "nonReturnableProductIds.0" }] });
    expect(await json(await admin.send("/api/admin/settings/returns", "PATCH", { reasons: ["Too small", "Other"], shippingPaidBy: "customer" }))).toMatchObject(
      {
        reasons: ["Too small", "Other"],
        shippingPaidBy: "customer",
      },
    );
    const row = await env.DB.prepare("select after from audit_log where action = 'settings.returns' order by at desc limit 1").first<{ after: string }>();
    expect(JSON.parse(row?.after ?? "{}")).toEqual({ reasons: ["Too small", "Other"], shippingPaidBy: "customer" });
    await admin.send("/api/admin/settings/returns", "PATCH", { reasons: ["Too small", "Too large", "Arrived damaged", "Other"], shippingPaidBy: "store" });
  });

  it("policies: staff write Markdown, everyone reads it escaped; unsafe links are dropped", async () => {
    const body = "# Returns\n\nSend it back <script>alert(1)</script> within **30 days**.\n\n- [Start a return](/account/orders)\n- [bad](javascript:alert(1))";
    expect((await support.send("/api/admin/settings/policies/returns", "PUT", { title: "Returns", body })).status).toBe(403);
    expect((await admin.send("/api/admin/settings/policies/returns", "PUT", { title: "Returns", body })).status).toBe(200);
    const policy = await json(await call("/api/policies/returns"));
    expect(policy.html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(policy.html).not.toContain("<script>");
    expect(policy.html).toContain('<a href="/account/orders">Start a return</a>');
    expect(policy.html).not.toContain("javascript:");
    expect(policy.html).toContain("<strong>30 days</strong>");
    expect((await call("/api/policies/cookies")).status).toBe(404);
    expect((await admin.send("/api/admin/settings/policies/cookies", "PUT", { title: "Cookies", body: "x" })).status).toBe(404);
  });
});
