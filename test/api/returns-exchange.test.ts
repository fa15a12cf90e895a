import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { purgeCatalogCache } from "../../worker/catalog";
import { insertCategory, insertProduct } from "../support/factories";
import { client, signedIn } from "../support/orders";
import { deliveredOrder, json, returnsUrl } from "../support/returns";

// Whole purchases run inside each test; on a busy machine they take longer than the 5 s default.
vi.setConfig({ testTimeout: 90_000, hookTimeout: 60_000 });

let admin: Awaited<ReturnType<typeof signedIn>>;
let shopper: Awaited<ReturnType<typeof signedIn>>;

/** A product in several sizes: M and L at 3000, XL dearer at 4500, S cheaper at 2000. */
async function sizedProduct(prefix: string, stock: Record<string, number>) {
  const category = await insertCategory(env.DB, { slug: `c-${prefix.toLowerCase()}` });
  const price = { S: 2000, M: 3000, L: 3000, XL: 4500 } as Record<string, number>;
  await insertProduct(env.DB, {
    slug: prefix.toLowerCase(),
    name: `Tee ${prefix}`,
    category,
    variants: Object.entries(stock).map(([size, n]) => ({
      sku: `${prefix}-${size}`,
      title: size,
      options: { size },
      price: price[size] ?? 3000,
      stockAvailable: n,
    })),
  });
  purgeCatalogCache();
}

beforeAll(async () => {
  await sizedProduct("EXA", { S: 50, M: 50, L: 50, XL: 50 });
  await sizedProduct("EXR", { M: 50, L: 1 });
  admin = await signedIn("admin");
  shopper = await signedIn("customer");
});

const adminPost = (path: string, body: unknown = {}) => admin.send(`/api/admin/returns/${path}`, "POST", body);
const stock = (sku: string) => env.INVENTORY_LEDGER.getByName(sku).snapshot(sku);
const outbox = async (like: string) =>
  (await env.DB.prepare("select count(*) as n from email_outbox where id like ?").bind(like).first<{ n: number }>())?.n ?? 0;
const audits = async (returnId: string) =>
  (await env.DB.prepare("select action from audit_log where entity_id = ? order by at, rowid").bind(returnId).all<{ action: string }>()).results.map(
    (a) => a.action,
  );

async function exchangeRequest(order: Awaited<ReturnType<typeof deliveredOrder>>, sku: string, exchangeSku: string, quantity = 1) {
  return client().send(returnsUrl(order.orderId, order.token), "POST", {
    resolution: "exchange",
    lines: [{ orderLineId: order.line(sku), quantity, reason: "Too small", exchangeSku }],
  });
}

/** Approve, mark received and restock every line: the return is ready for its exchange to ship. */
async function receiveAndInspect(ret: { id: string; lines: { id: string }[] }) {
  expect((await adminPost(`${ret.id}/approve`, { instructions: "Use the prepaid label." })).status).toBe(200);
  expect((await adminPost(`${ret.id}/received`)).status).toBe(200);
  for (const line of ret.lines) expect((await adminPost(`${ret.id}/lines/${line.id}/inspect`, { outcome: "restocked" })).status).toBe(200);
}

describe("POST /api/orders/:id/returns with resolution exchange", () => {
  it("offers every variant of the product with its price, the bought one included", async () => {
    const order = await deliveredOrder(admin, [{ sku: "EXA-M", quantity: 1 }]);
    const view = await json(await client().send(returnsUrl(order.orderId, order.token)));
    expect(view.lines[0].unitPrice).toEqual({ amount: 3000, currency: "USD" });
    expect(view.lines[0].exchangeOptions.map((o: { sku: string }) => o.sku).sort()).toEqual(["EXA-L", "EXA-M", "EXA-S", "EXA-XL"]);
  });

  it("a dearer variant is refused with 409 naming the line's exchangeSku; another product's SKU is 400", async () => {
    const order = await deliveredOrder(admin, [{ sku: "EXA-M", quantity: 1 }]);
    const dearer = await exchangeRequest(order, "EXA-M", "EXA-XL");
    expect(dearer.status).toBe(409);
    const body = await json(dearer);
    expect(body.code).toBe("returns.exchange_price_higher");
    expect(body.errors.map((e: { path: string }) => e.path)).toEqual(["lines.0.exchangeSku"]);
    const foreign = await exchangeRequest(order, "EXA-M", "EXR-L");
    expect(foreign.status).toBe(400);
    expect((await json(foreign)).errors.map((e: { path: string }) => e.path)).toEqual(["lines.0.exchangeSku"]);
    // Nothing was recorded: the unit may still be returned.
    expect((await json(await client().send(returnsUrl(order.orderId, order.token)))).lines[0].returnable).toBe(1);
  });
});

describe("the exchange flow: approve holds the replacement, ship creates a zero-charge replacement order", () => {
  it("same price: held at approval, committed and shipped as order X-…, which ships and is delivered like any order", async () => {
    const order = await deliveredOrder(admin, [{ sku: "EXA-M", quantity: 2 }], shopper);
    const res = await shopper.send(returnsUrl(order.orderId), "POST", {
      resolution: "exchange",
      lines: [{ orderLineId: order.line("EXA-M"), quantity: 2, reason: "Too small", exchangeSku: "EXA-L" }],
    });
    expect(res.status).toBe(201);
    const ret = await json(res);
    expect(ret).toMatchObject({ resolution: "exchange", status: "requested", exchangeOrderId: null, lines: [{ exchangeSku: "EXA-L", quantity: 2 }] });

    const before = await stock("EXA-L");
    expect((await adminPost(`${ret.id}/approve`, { instructions: "Use the prepaid label." })).status).toBe(200);
    const held = await stock("EXA-L");
    expect(held.available).toBe(before.available - 2);
    expect(held.onHand).toBe(before.onHand);

    // Not before the parcel is back and inspected.
    const early = await adminPost(`${ret.id}/exchange`);
    expect([early.status, (await json(early)).code]).toEqual([409, "returns.invalid_transition"]);
    expect((await adminPost(`${ret.id}/received`)).status).toBe(200);
    const uninspected = await adminPost(`${ret.id}/exchange`);
    expect([uninspected.status, (await json(uninspected)).code]).toEqual([409, "returns.not_inspected"]);
    expect((await adminPost(`${ret.id}/lines/${ret.lines[0].id}/inspect`, { outcome: "restocked" })).status).toBe(200);

    const shipped = await adminPost(`${ret.id}/exchange`);
    expect(shipped.status).toBe(200);
    const done = await json(shipped);
    expect(done).toMatchObject({ status: "exchanged", refunded: { amount: 0 } });
    expect(done.exchangeOrderId).toMatch(/^ord_x/);
    const after = await stock("EXA-L");
    expect(after.onHand).toBe(before.onHand - 2);
    expect(after.available).toBe(before.available - 2);

    // The replacement is the shopper's own order: paid, nothing charged, the new variant at price 0.
    const replacement = await json(await shopper.send(`/api/orders/${done.exchangeOrderId}`));
    expect(replacement).toMatchObject({ status: "paid" });
    expect(JSON.stringify(replacement)).toContain("EXA-L");
    const row = await env.DB.prepare("select grand_total as grandTotal, email, user_id as userId from orders where id = ?")
      .bind(done.exchangeOrderId)
      .first<{ grandTotal: number; userId: string | null }>();
    expect(row).toMatchObject({ grandTotal: 0 });
    expect(row?.userId).toBeTruthy();
    const line = await env.DB.prepare("select sku, quantity, unit_price as unitPrice, line_total as lineTotal from order_lines where order_id = ?")
      .bind(done.exchangeOrderId)
      .all();
    expect(line.results).toEqual([{ sku: "EXA-L", quantity: 2, unitPrice: 0, lineTotal: 0 }]);

    // The normal shipment path: paid → shipped → delivered; the original order stays delivered.
    expect((await admin.send(`/api/admin/orders/${done.exchangeOrderId}/shipments`, "POST", { carrier: "UPS", trackingNumber: "1ZEXCHANGE01" })).status).toBe(
      200,
    );
    expect((await admin.send(`/api/admin/orders/${done.exchangeOrderId}/delivered`, "POST", {})).status).toBe(200);
    expect((await json(await shopper.send(`/api/orders/${done.exchangeOrderId}`))).status).toBe("delivered");
    expect((await json(await shopper.send(`/api/orders/${order.orderId}`))).status).toBe("delivered");

    // Shipping it again changes nothing: 409, still one replacement, stock moved once.
    const again = await adminPost(`${ret.id}/exchange`);
    expect(again.status).toBe(409);
    expect((await env.DB.prepare("select count(*) as n from orders where cart_id = ?").bind(ret.id).first<{ n: number }>())?.n).toBe(1);
    expect((await stock("EXA-L")).onHand).toBe(before.onHand - 2);
    expect(await audits(ret.id)).toEqual(["return.requested", "return.approved", "return.received", "return.inspect", "return.exchanged"]);
    await vi.waitFor(async () => expect(await outbox(`return-exchanged:${ret.id}`)).toBe(1), { timeout: 10_000 });
  });

  it("a cheaper variant: the difference between what was paid and its price is refunded on the original order", async () => {
    const order = await deliveredOrder(admin, [{ sku: "EXA-M", quantity: 1 }]);
    const ret = await json(await exchangeRequest(order, "EXA-M", "EXA-S"));
    await receiveAndInspect(ret);
    const done = await json(await adminPost(`${ret.id}/exchange`));
    expect(done).toMatchObject({ status: "exchanged", refunded: { amount: 1000, currency: "USD" } });
    const orig = await env.DB.prepare("select refunded_total as refunded, status from orders where id = ?")
      .bind(order.orderId)
      .first<{ refunded: number; status: string }>();
    expect(orig).toEqual({ refunded: 1000, status: "partially_refunded" });
  });

  it("two requests shipping the same exchange at once: one replacement order, one 409", async () => {
    const order = await deliveredOrder(admin, [{ sku: "EXA-M", quantity: 1 }]);
    const ret = await json(await exchangeRequest(order, "EXA-M", "EXA-M"));
    await receiveAndInspect(ret);
    const before = (await stock("EXA-M")).onHand;
    const results = await Promise.all([adminPost(`${ret.id}/exchange`), adminPost(`${ret.id}/exchange`)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    expect((await env.DB.prepare("select count(*) as n from orders where cart_id = ?").bind(ret.id).first<{ n: number }>())?.n).toBe(1);
    expect((await stock("EXA-M")).onHand).toBe(before - 1);
  });

  it("two exchanges for the last unit of a variant, approved at once: exactly one holds it, the other stays requested with 409", async () => {
    const a = await deliveredOrder(admin, [{ sku: "EXR-M", quantity: 1 }]);
    const b = await deliveredOrder(admin, [{ sku: "EXR-M", quantity: 1 }]);
    const ra = await json(await exchangeRequest(a, "EXR-M", "EXR-L"));
    const rb = await json(await exchangeRequest(b, "EXR-M", "EXR-L"));
    expect((await stock("EXR-L")).available).toBe(1);
    const results = await Promise.all([
      adminPost(`${ra.id}/approve`, { instructions: "Send it back." }),
      adminPost(`${rb.id}/approve`, { instructions: "Send it back." }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    const refused = results.find((r) => r.status === 409) as Response;
    expect((await json(refused)).code).toBe("returns.exchange_out_of_stock");
    const statuses = await Promise.all([ra, rb].map(async (r) => (await json(await admin.send(`/api/admin/returns/${r.id}`))).status));
    expect(statuses.sort()).toEqual(["approved", "requested"]);
    expect((await stock("EXR-L")).available).toBe(0);

    // Closing the approved one without shipping gives the unit back; the other may then be approved.
    const winner = (await json(await admin.send(`/api/admin/returns/${ra.id}`))).status === "approved" ? ra : rb;
    const loser = winner === ra ? rb : ra;
    await receiveAndInspectApproved(winner);
    expect((await adminPost(`${winner.id}/close`, { note: "Shopper changed their mind" })).status).toBe(200);
    expect((await stock("EXR-L")).available).toBe(1);
    expect((await adminPost(`${loser.id}/approve`, { instructions: "Send it back." })).status).toBe(200);
    expect((await stock("EXR-L")).available).toBe(0);
  });

  it("a refund-only return cannot be shipped as an exchange; staff need the orders permission", async () => {
    const order = await deliveredOrder(admin, [{ sku: "EXA-M", quantity: 1 }]);
    const res = await client().send(returnsUrl(order.orderId, order.token), "POST", {
      resolution: "refund",
      lines: [{ orderLineId: order.line("EXA-M"), quantity: 1, reason: "Too small" }],
    });
    const ret = await json(res);
    await receiveAndInspect(ret);
    const refused = await adminPost(`${ret.id}/exchange`);
    expect([refused.status, (await json(refused)).code]).toEqual([409, "returns.not_exchange"]);
    const support = await signedIn("support");
    expect((await support.send(`/api/admin/returns/${ret.id}/exchange`, "POST", {})).status).toBe(403);
    expect((await shopper.send(`/api/admin/returns/${ret.id}/exchange`, "POST", {})).status).toBe(403);
    expect((await adminPost(`${ret.id}/exchange`, { colour: "red" })).status).toBe(400);
    expect((await adminPost(`ret_nope/exchange`)).status).toBe(404);
  });
});

async function receiveAndInspectApproved(ret: { id: string; lines: { id: string }[] }) {
  expect((await adminPost(`${ret.id}/received`)).status).toBe(200);
  for (const line of ret.lines) expect((await adminPost(`${ret.id}/lines/${line.id}/inspect`, { outcome: "restocked" })).status).toBe(200);
}
