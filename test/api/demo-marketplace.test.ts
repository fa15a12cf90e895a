import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { vendorSalesSummary } from "../../worker/orders";
import { type CommissionRule, splitOrder, vendorBalance, vendorPayoutSummary } from "../../worker/vendors";
import { demoPayouts } from "../../scripts/seed/demo-payouts";
import {
  DEMO_PARCEL_SHIPPING,
  DEMO_SELLER_PRODUCTS,
  DEMO_SELLERS,
  demoPayoutId,
  demoPayoutReference,
  seedDemoMarketplace,
} from "../../scripts/seed/marketplace";
import { insertCategory, insertProduct, insertUser } from "../support/factories";
import { cookiesFrom, freshIp, json } from "../support/http";
import { client } from "../support/orders";
import { passwordSignIn } from "../support/staff";

// The demo marketplace `npm run users:demo` writes, run against this file's own D1: its books must be what
// checkout's split and the ledger rules would have made, and each demo seller must see only its own orders.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 90_000 });

const CATEGORIES = 6;
const PRODUCTS = 60;
/** The demo's orders: ten counted back from the catalog's reference date, one from the day the seed runs. */
const DEMO_ORDERS = 11;
const DAY = 86_400_000;
/** When the seed "runs" (pinned, so writing it again gives the same rows). */
const NOW = Date.now();
const seedOptions = () => ({ piiKeys: env.PII_KEYS, payouts: demoPayouts(env), now: NOW });
let first: Awaited<ReturnType<typeof seedDemoMarketplace>>;

beforeAll(async () => {
  const cats = [];
  for (let c = 0; c < CATEGORIES; c++) cats.push(await insertCategory(env.DB, { slug: `demo-cat-${c}` }));
  for (let i = 0; i < PRODUCTS; i++) {
    const n = String(i).padStart(3, "0");
    await insertProduct(env.DB, {
      id: `prod_demo${n}`,
      slug: `demo-product-${n}`,
      name: `Demo product ${n}`,
      category: cats[Math.floor(i / 3) % CATEGORIES] as { id: string; path: string },
      variants: [{ sku: `DEMO-${n}`, title: "Default", options: {}, price: 1_000 + 137 * i, stockAvailable: 40 }],
    });
  }
  await insertUser(env.DB, { email: "customer@demo.test", name: "Casey Customer", role: "customer" });
  for (const s of DEMO_SELLERS) await insertUser(env.DB, { email: s.owner.email, name: s.owner.name, role: "vendor", password: s.owner.password });
  first = await seedDemoMarketplace(env.DB, seedOptions());
  const rows = (await env.DB.prepare("select id, created_at as at from vendor_orders").all<{ id: string; at: string }>()).results;
  for (const r of rows) createdAt.set(r.id, r.at);
});

interface Vo {
  id: string;
  orderId: string;
  vendorId: string;
  status: string;
  subtotal: number;
  shippingTotal: number;
  grossTotal: number;
  commissionTotal: number;
  deliveredAt: string | null;
}
const createdAt = new Map<string, string>();
const vendorOrders = async () =>
  (
    await env.DB.prepare(
      `select id, order_id as orderId, vendor_id as vendorId, status, subtotal, shipping_total as shippingTotal, gross_total as grossTotal,
              commission_total as commissionTotal, delivered_at as deliveredAt
         from vendor_orders where order_id like 'ord_demo_mkt_%' order by id`,
    ).all<Vo>()
  ).results;

describe("the demo marketplace", () => {
  it("has three active sellers, each with its owner, storefront text, its own commission rule and products across categories", async () => {
    expect(first.sellers).toEqual(DEMO_SELLERS.map((s) => s.id));
    expect(new Set(DEMO_SELLERS.map((s) => s.handle)).size).toBe(3);
    for (const s of DEMO_SELLERS) {
      const v = await env.DB.prepare("select handle, name, status, about, description from vendors where id = ?").bind(s.id).first();
      expect(v).toEqual({ handle: s.handle, name: s.name, status: "active", about: s.about, description: s.description });
      const owner = await env.DB.prepare("select u.email, m.role from vendor_members m join users u on u.id = m.user_id where m.vendor_id = ?")
        .bind(s.id)
        .all();
      expect(owner.results).toEqual([{ email: s.owner.email, role: "owner" }]);
      const products = await env.DB.prepare("select count(*) as n, count(distinct category_id) as cats from products where vendor_id = ?")
        .bind(s.id)
        .first<{ n: number; cats: number }>();
      expect(products?.n).toBe(DEMO_SELLER_PRODUCTS);
      expect(products?.cats).toBeGreaterThanOrEqual(3);
      const rule = await env.DB.prepare("select kind, rate_bps as bps, fixed_amount as fixed from commission_rules where scope = 'vendor' and target = ?")
        .bind(s.id)
        .first();
      expect(rule).toEqual({ kind: s.rule.kind, bps: s.rule.rateBps ?? 0, fixed: s.rule.fixedAmount ?? 0 });
    }
  });

  it("has sales of every kind: multi-seller orders, delivered past the hold, shipped, awaiting shipment and one refunded line", async () => {
    const vos = await vendorOrders();
    const perOrder = new Map<string, number>();
    for (const vo of vos) perOrder.set(vo.orderId, (perOrder.get(vo.orderId) ?? 0) + 1);
    expect([...perOrder.values()].filter((n) => n >= 2).length).toBeGreaterThanOrEqual(3);
    const states = vos.map((v) => v.status);
    for (const s of ["delivered", "shipped", "paid"]) expect(states).toContain(s);
    // Delivered long enough ago that the hold has run (paid out by the seed), and delivered recently (still held),
    // for every seller.
    const holdDays = (await vendorPayoutSummary(env, DEMO_SELLERS[0]?.id ?? "", "USD")).holdDays;
    for (const s of DEMO_SELLERS) {
      const own = vos.filter((v) => v.vendorId === s.id && v.status === "delivered");
      expect(own.some((v) => Date.parse(v.deliveredAt ?? "") < NOW - holdDays * DAY)).toBe(true);
      expect(own.some((v) => Date.parse(v.deliveredAt ?? "") > NOW - holdDays * DAY)).toBe(true);
    }
    const refunded = await env.DB.prepare(
      "select count(*) as n from orders where id like 'ord_demo_mkt_%' and status = 'partially_refunded' and refunded_total > 0",
    ).first<{ n: number }>();
    expect(refunded?.n).toBe(1);
    // Shipped and delivered parts each have their parcel with tracking and their own lines in it.
    for (const vo of vos.filter((v) => v.status !== "paid")) {
      const parcel = await env.DB.prepare(
        `select s.tracking_number as t, (select count(*) from shipment_lines sl join order_lines ol on ol.id = sl.order_line_id where sl.shipment_id = s.id and ol.vendor_order_id != ?) as foreign_lines
           from vendor_orders vo join shipments s on s.id = vo.shipment_id where vo.id = ?`,
      )
        .bind(vo.id, vo.id)
        .first<{ t: string; foreign_lines: number }>();
      expect(parcel?.t).toMatch(/^1ZDEMO/);
      expect(parcel?.foreign_lines).toBe(0);
    }
  });

  it("every vendor order and line carries what checkout's own split gives for its lines and the rules", async () => {
    const rules = (await env.DB.prepare("select * from commission_rules").all<Record<string, unknown>>()).results.map(
      (r) =>
        ({
          id: r.id,
          scope: r.scope,
          target: r.target,
          kind: r.kind,
          rateBps: r.rate_bps,
          fixedAmount: r.fixed_amount,
          includeTax: r.include_tax === 1,
          includeShipping: r.include_shipping === 1,
        }) as CommissionRule,
    );
    const orders = (
      await env.DB.prepare("select id, subtotal, shipping_total as shipping, grand_total as total from orders where id like 'ord_demo_mkt_%'").all<{
        id: string;
        subtotal: number;
        shipping: number;
        total: number;
      }>()
    ).results;
    expect(orders.length).toBe(DEMO_ORDERS);
    let productRuleUsed = false;
    for (const order of orders) {
      const lines = (
        await env.DB.prepare(
          `select ol.id, ol.vendor_id as vendorId, ol.vendor_order_id as voId, ol.product_id as productId, p.category_id as categoryId, ol.quantity, ol.line_total as paid,
                  ol.commission_rule_id as ruleId, ol.commission_bps as bps, ol.commission_fixed as fixed, ol.commission_total as commission
             from order_lines ol join products p on p.id = ol.product_id where ol.order_id = ? order by ol.id`,
        )
          .bind(order.id)
          .all<{
            id: string;
            vendorId: string | null;
            voId: string | null;
            productId: string;
            categoryId: string;
            quantity: number;
            paid: number;
            ruleId: string | null;
            bps: number | null;
            fixed: number | null;
            commission: number;
          }>()
      ).results;
      const sellers = [...new Set(lines.map((l) => l.vendorId))];
      expect(order.shipping).toBe(sellers.length * DEMO_PARCEL_SHIPPING);
      expect(order.total).toBe(order.subtotal + order.shipping);
      const split = splitOrder({
        taxTotal: 0,
        inclusive: false,
        rules,
        groups: sellers.map((vendorId) => ({
          vendorId,
          shipping: DEMO_PARCEL_SHIPPING,
          lines: lines
            .filter((l) => l.vendorId === vendorId)
            .map((l) => ({ productId: l.productId, categoryId: l.categoryId, quantity: l.quantity, paid: l.paid })),
        })),
      });
      for (const [g, vendorId] of sellers.entries()) {
        const result = split[g];
        const own = lines.filter((l) => l.vendorId === vendorId);
        expect(own.map((l) => ({ ruleId: l.ruleId, bps: l.bps, fixed: l.fixed, commission: l.commission }))).toEqual(result?.lines);
        if (own.some((l) => rules.find((r) => r.id === l.ruleId)?.scope === "product")) productRuleUsed = true;
        if (!vendorId) continue;
        const vo = await env.DB.prepare("select gross_total as gross, commission_total as commission, vendor_id as v from vendor_orders where id = ?")
          .bind(own[0]?.voId)
          .first();
        expect(vo).toEqual({ gross: result?.gross, commission: result?.commission, v: vendorId });
      }
    }
    expect(productRuleUsed).toBe(true);
  });

  it("each seller's ledger equals an independent recomputation: its sales past the hold paid out once, the rest held with a next payout date", async () => {
    const vos = await vendorOrders();
    const refund = await env.DB.prepare(
      "select ol.vendor_order_id as voId, o.refunded_total as amount from orders o join order_lines ol on ol.order_id = o.id where o.status = 'partially_refunded' and o.id like 'ord_demo_mkt_%' and ol.id = o.id || '_l0'",
    ).first<{ voId: string; amount: number }>();
    expect(refund?.voId).toBeTruthy();
    const holdDays = (await vendorPayoutSummary(env, DEMO_SELLERS[0]?.id ?? "", "USD")).holdDays;
    const cutoff = NOW - holdDays * DAY;
    for (const s of DEMO_SELLERS) {
      let earned = 0;
      const released: { id: string; net: number }[] = [];
      const inHold: { net: number; deliveredAt: number }[] = [];
      for (const vo of vos.filter((v) => v.vendorId === s.id)) {
        // A line refund: the seller gives back what the shopper paid (no tax), the store its commission in proportion.
        const back = vo.id === refund?.voId ? refund.amount : 0;
        const commissionBack = vo.id === refund?.voId ? Math.floor((back * vo.commissionTotal) / vo.grossTotal) : 0;
        expect(vo.grossTotal).toBe(vo.subtotal + vo.shippingTotal);
        const net = vo.grossTotal - vo.commissionTotal - back + commissionBack;
        earned += net;
        const delivered = vo.status === "delivered" ? Date.parse(vo.deliveredAt ?? "") : null;
        if (delivered !== null && delivered <= cutoff && net > 0) released.push({ id: vo.id, net });
        else if (delivered !== null) inHold.push({ net, deliveredAt: delivered });
      }
      const paidOut = released.reduce((t, r) => t + r.net, 0);
      expect(paidOut).toBeGreaterThan(0);

      // One payout through the payout code: manual, marked paid with its bank reference, covering exactly the
      // vendor orders past the hold, each with a transfer entry for its net.
      const payouts = await env.DB.prepare("select id, amount, provider, status, provider_reference as ref from payouts where vendor_id = ?").bind(s.id).all();
      expect(payouts.results).toEqual([{ id: demoPayoutId(s), amount: paidOut, provider: "manual", status: "paid", ref: demoPayoutReference(s) }]);
      const items = await env.DB.prepare("select vendor_order_id as vo, amount, netted from payout_items where payout_id = ? order by vendor_order_id")
        .bind(demoPayoutId(s))
        .all();
      expect(items.results).toEqual(released.map((r) => ({ vo: r.id, amount: r.net, netted: 0 })).sort((a, b) => a.vo.localeCompare(b.vo)));
      const transfers = await env.DB.prepare(
        "select vendor_order_id as vo, amount, idempotency_key as k from vendor_ledger where vendor_id = ? and kind = 'transfer' order by vendor_order_id",
      )
        .bind(s.id)
        .all();
      expect(transfers.results).toEqual(
        released.map((r) => ({ vo: r.id, amount: -r.net, k: `payout:${demoPayoutId(s)}:${r.id}` })).sort((a, b) => a.vo.localeCompare(b.vo)),
      );

      // What is left is held: nothing can be paid now, and the next payout is the earliest delivery still inside
      // its hold, a hold period after that delivery.
      expect(await vendorBalance(env, s.id, "USD")).toBe(earned - paidOut);
      const summary = await vendorPayoutSummary(env, s.id, "USD");
      expect(summary.balance.amount).toBe(earned - paidOut);
      expect(summary.available.amount).toBe(0);
      expect(summary.held.amount).toBe(earned - paidOut);
      const earliest = Math.min(...inHold.map((h) => h.deliveredAt));
      expect(inHold.length).toBeGreaterThan(0);
      expect(summary.nextPayout).toEqual({
        amount: { amount: inHold.filter((h) => h.deliveredAt === earliest).reduce((t, h) => t + h.net, 0), currency: "USD" },
        availableNow: false,
        payableAt: new Date(earliest + holdDays * DAY).toISOString(),
      });
    }
    // Every ledger entry of the demo names its vendor order and a key of the kinds payments, refunds and payouts write.
    const keys = (
      await env.DB.prepare("select kind, idempotency_key as k from vendor_ledger where order_id like 'ord_demo_mkt_%'").all<{ kind: string; k: string }>()
    ).results;
    for (const { kind, k } of keys) expect(k.startsWith(kind === "transfer" ? "payout:po_demo_" : `${kind}:vor_demo_mkt_`), k).toBe(true);
  });

  it("each demo seller's owner signs in and sees only its own orders in /api/vendor/orders", async () => {
    const vos = await vendorOrders();
    for (const s of DEMO_SELLERS) {
      const login = await passwordSignIn({ email: s.owner.email, password: s.owner.password }, { "CF-Connecting-IP": freshIp() });
      expect(login.status).toBe(200);
      const owner = client(cookiesFrom(login));
      const res = await owner.send("/api/vendor/orders?perPage=100");
      expect(res.status).toBe(200);
      const page = await json(res);
      const own = vos.filter((v) => v.vendorId === s.id).map((v) => v.id);
      expect(own.length).toBeGreaterThanOrEqual(3);
      expect(page.items.map((i: { id: string }) => i.id).sort()).toEqual([...own].sort());
      // And another seller's vendor order is the same 404 as a missing one.
      const other = vos.find((v) => v.vendorId !== s.id);
      expect((await owner.send(`/api/vendor/orders/${other?.id}`)).status).toBe(404);
      const mine = await owner.send(`/api/vendor/orders/${own[0]}`);
      expect(mine.status).toBe(200);
      expect((await json(mine)).shipTo.fullName).toMatch(/^(Casey Customer|Demo Buyer \d+)$/);
    }
  });

  it("each seller's overview counts its paid sales, all time and since a date", async () => {
    const vos = await vendorOrders();
    const since = "2026-10-20T00:00:00.000Z";
    for (const s of DEMO_SELLERS) {
      const own = vos.filter((v) => v.vendorId === s.id && v.status !== "cancelled");
      const recent = own.filter((v) => v.id && Date.parse(createdAt.get(v.id) ?? "") >= Date.parse(since));
      expect(await vendorSalesSummary(env, s.id, since)).toEqual({
        total: { orders: own.length, sales: { amount: own.reduce((t, v) => t + v.grossTotal, 0), currency: "USD" } },
        recent: { since, orders: recent.length, sales: { amount: recent.reduce((t, v) => t + v.grossTotal, 0), currency: "USD" } },
      });
      expect(recent.length).toBeGreaterThan(0);
      expect(recent.length).toBeLessThan(own.length);
    }
  });

  it("is deterministic and runs once: a second run writes nothing, and re-writing the sales and payouts gives the same rows", async () => {
    const snapshot = async () =>
      JSON.stringify([
        (
          await env.DB.prepare(
            "select id, number, user_id, status, subtotal, shipping_total, grand_total, refunded_total, created_at, updated_at from orders where id like 'ord_demo_mkt_%' order by id",
          ).all()
        ).results,
        (await env.DB.prepare("select * from order_lines where order_id like 'ord_demo_mkt_%' order by id").all()).results,
        (await env.DB.prepare("select * from vendor_orders where order_id like 'ord_demo_mkt_%' order by id").all()).results,
        (
          await env.DB.prepare(
            "select * from vendor_ledger where order_id like 'ord_demo_mkt_%' and kind not in ('transfer', 'transfer_reversal') order by id",
          ).all()
        ).results,
        (await env.DB.prepare("select * from shipments where order_id like 'ord_demo_mkt_%' order by id").all()).results,
        // The payout code gives its own rows random ids and the time they were written: compare the rest.
        (
          await env.DB.prepare(
            "select id, vendor_id, amount, currency, provider, status, provider_reference, vendor_order_id, order_id from payouts where id like 'po_demo_%' order by id",
          ).all()
        ).results,
        (
          await env.DB.prepare(
            "select payout_id, vendor_id, vendor_order_id, order_id, amount, netted from payout_items where payout_id like 'po_demo_%' order by payout_id, vendor_order_id",
          ).all()
        ).results,
        (
          await env.DB.prepare(
            "select vendor_id, kind, amount, currency, order_id, vendor_order_id, idempotency_key, note from vendor_ledger where kind = 'transfer' order by idempotency_key",
          ).all()
        ).results,
      ]);
    const before = await snapshot();
    expect(await seedDemoMarketplace(env.DB, seedOptions())).toEqual({ sellers: [], orders: 0, payouts: 0 });
    expect(await snapshot()).toBe(before);
    await env.DB.batch([
      env.DB.prepare("delete from vendor_ledger where order_id like 'ord_demo_mkt_%'"),
      env.DB.prepare("delete from payout_items where payout_id like 'po_demo_%'"),
      env.DB.prepare("delete from payouts where id like 'po_demo_%'"),
      env.DB.prepare("delete from payments where order_id like 'ord_demo_mkt_%'"),
      env.DB.prepare("delete from orders where id like 'ord_demo_mkt_%'"),
    ]);
    expect(await seedDemoMarketplace(env.DB, seedOptions())).toMatchObject({ orders: DEMO_ORDERS, payouts: DEMO_SELLERS.length });
    expect(await snapshot()).toBe(before);
  });
});
