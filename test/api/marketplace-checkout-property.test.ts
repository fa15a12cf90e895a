import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { purgeShippingCache } from "../../worker/shipping";
import { json, postJson } from "../support/http";
import { client } from "../support/orders";
import { type Caller, send, signIn } from "../support/staff";
import { insertCommissionRule, insertVendor, sellerProduct } from "../support/vendors-money";
import { seededRandom } from "../support/seeded-random";

// test/unit/marketplace-split.test.ts checks the split function over 1,000 random carts. This file runs random
// multi-seller carts through the REAL checkout and payment (cart API, promotion code, checkout, the test
// provider's payment) to a taxed destination, and checks from D1 that each order's money adds up to the cent:
// sellers' nets + commissions + the store's own goods and shipping + tax + duties = what was charged.
// Replay: every cart comes from its own seed (BASE_SEED + its number), named in each failure; put failing seeds
// in REPLAY to run only those.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 60_000 });

const BASE_SEED = 20_261_203;
const CARTS = 30;
const REPLAY: number[] = [];

const BASE = { fullName: "Erika Mustermann", line1: "Heidestraße 17", city: "Berlin" };
/**
 * Sales tax added on top, shipping taxed too (US, with the rate set below: a new store's is 0 %), VAT included (DE),
 * VAT included with duties above the threshold (GB).
 */
const DESTINATIONS = {
  US: { ...BASE, city: "San Francisco", region: "CA", postalCode: "94105", country: "US" },
  DE: { ...BASE, postalCode: "10115", country: "DE" },
  GB: { ...BASE, city: "London", postalCode: "SW1A 1AA", country: "GB" },
} as const;
const CODES = ["PROP10", "PROP7OFF"] as const;

type Seller = "store" | "A" | "B" | "C";
const skus = new Map<Seller, string[]>();
let admin: Caller;

beforeAll(async () => {
  admin = await signIn("admin");
  await env.DB.prepare("update countries set tax_rate_bp = 725, tax_shipping = 1 where code = 'US'").run();
  purgeShippingCache();
  const vendors = {
    A: await insertVendor({ name: "Prop Alder" }),
    B: await insertVendor({ name: "Prop Birch" }),
    C: await insertVendor({ name: "Prop Cedar" }),
  };
  const r = seededRandom(BASE_SEED);
  for (const seller of ["store", "A", "B", "C"] as const) {
    const list: string[] = [];
    for (let i = 0; i < 3; i++) {
      const sku = `PROP-${seller === "store" ? "S" : seller}${i}`;
      await sellerProduct(sku, seller === "store" ? null : vendors[seller].id, r.int(199, 9_999), 10_000, r.int(100, 2_500));
      list.push(sku);
    }
    skus.set(seller, list);
  }
  const productOf = async (sku: string) =>
    (await env.DB.prepare("select p.id, p.category_id as categoryId from products p join product_variants v on v.product_id = p.id where v.sku = ?")
      .bind(sku)
      .first<{ id: string; categoryId: string }>()) as { id: string; categoryId: string };
  // Every kind of rule: a store default on goods and shipping, a percent on goods with their tax, a fixed fee per
  // unit, a product rule and a category rule (the most specific wins).
  await insertCommissionRule({ scope: "store", target: "", rateBps: 1_200, includeShipping: true });
  await insertCommissionRule({ scope: "vendor", target: vendors.A.id, rateBps: 1_750, includeTax: true, includeShipping: true });
  await insertCommissionRule({ scope: "vendor", target: vendors.B.id, kind: "fixed", fixedAmount: 175 });
  await insertCommissionRule({ scope: "product", target: (await productOf("PROP-C0")).id, rateBps: 650, includeTax: true });
  await insertCommissionRule({ scope: "category", target: (await productOf("PROP-C1")).categoryId, kind: "fixed", fixedAmount: 90 });
  for (const [code, kind, value] of [
    ["PROP10", "percentage", 1_000],
    ["PROP7OFF", "fixed", 700],
  ] as const) {
    const res = await send("/api/admin/promotions", "POST", admin.headers, { name: `Property ${code}`, code, kind, value });
    expect(res.status, await res.clone().text()).toBe(201);
  }
});

interface OrderRow {
  status: string;
  subtotal: number;
  discount: number;
  shipping: number;
  tax: number;
  inclusive: number;
  duties: number;
  grand: number;
}
interface LineRow {
  vendorId: string | null;
  vo: string | null;
  lineTotal: number;
  discount: number;
  commission: number;
}
interface VoRow {
  id: string;
  vendorId: string;
  subtotal: number;
  discount: number;
  shipping: number;
  tax: number;
  gross: number;
  commission: number;
}

/** One random cart of two or more sellers (six or more lines at times), bought through the API; answers what it did and the order id. */
async function buyRandomCart(seed: number) {
  const r = seededRandom(seed);
  const sellers = (["A", "B", "C", "store"] as const).filter(() => r.next() < 0.7);
  while (sellers.length < 2) {
    const more = r.pick(["A", "B", "C", "store"] as const);
    if (!sellers.includes(more)) sellers.push(more);
  }
  const items = new Map<string, number>();
  for (const seller of sellers) {
    for (let n = r.int(1, 2); n > 0; n--) {
      const sku = r.pick(skus.get(seller) ?? []);
      items.set(sku, Math.min(10, (items.get(sku) ?? 0) + r.int(1, 3)));
    }
  }
  const country = r.pick(Object.keys(DESTINATIONS) as (keyof typeof DESTINATIONS)[]);
  const code = r.next() < 0.75 ? r.pick(CODES) : null;
  const shopper = client();
  for (const [sku, quantity] of items) {
    const added = await shopper.send("/api/cart/items", "POST", { sku, quantity });
    expect(added.status, `seed ${seed}: add ${sku} ${await added.clone().text()}`).toBe(200);
  }
  if (code) expect((await shopper.send("/api/cart/promotions", "POST", { code })).status, `seed ${seed}: code ${code}`).toBe(200);
  const res = await shopper.send("/api/checkout", "POST", {
    email: "property@example.test",
    shippingAddress: DESTINATIONS[country],
    shippingOption: "standard",
  });
  expect(res.status, `seed ${seed}: checkout ${await res.clone().text()}`).toBe(201);
  const placed = await json(res);
  const paid = await postJson(`/api/checkout/test-payments/${placed.payment.redirectUrl.split("/").pop()}`, { outcome: "succeeded" });
  expect(paid.status, `seed ${seed}: payment`).toBe(200);
  return { orderId: placed.orderId as string, sellers, country, code };
}

/** The order's money as D1 has it, checked part by part; answers the order row. */
async function checkOrder(seed: number, orderId: string) {
  const at = `seed ${seed} (${orderId})`;
  const [order, payment, lines, vos, ledger] = await Promise.all([
    env.DB.prepare(
      `select status, subtotal, discount_total as discount, shipping_total as shipping, tax_total as tax, tax_inclusive as inclusive,
              duties_total as duties, grand_total as grand from orders where id = ?`,
    )
      .bind(orderId)
      .first<OrderRow>(),
    env.DB.prepare("select amount, status from payments where order_id = ?").bind(orderId).all<{ amount: number; status: string }>(),
    env.DB.prepare(
      `select vendor_id as vendorId, vendor_order_id as vo, line_total as lineTotal, discount_total as discount, commission_total as commission
         from order_lines where order_id = ?`,
    )
      .bind(orderId)
      .all<LineRow>(),
    env.DB.prepare(
      `select id, vendor_id as vendorId, subtotal, discount_total as discount, shipping_total as shipping, tax_total as tax, gross_total as gross,
              commission_total as commission from vendor_orders where order_id = ?`,
    )
      .bind(orderId)
      .all<VoRow>(),
    env.DB.prepare("select vendor_order_id as vo, kind, amount from vendor_ledger where order_id = ?")
      .bind(orderId)
      .all<{ vo: string; kind: string; amount: number }>(),
  ]);
  if (!order) throw new Error(`${at}: no order`);
  expect(order.status, at).toBe("paid");
  // What was charged: the one successful payment, for the order's total.
  const charges = payment.results.filter((p) => p.status === "succeeded");
  expect(charges.length, at).toBe(1);
  const charged = charges[0]?.amount as number;
  expect(charged, at).toBe(order.grand);
  const paidFor = (l: LineRow) => l.lineTotal - l.discount;
  expect(
    lines.results.reduce((s, l) => s + paidFor(l), 0),
    at,
  ).toBe(order.subtotal - order.discount);

  let nets = 0;
  let commissions = 0;
  for (const vo of vos.results) {
    const own = lines.results.filter((l) => l.vo === vo.id);
    expect(own.length, at).toBeGreaterThan(0);
    expect(
      own.every((l) => l.vendorId === vo.vendorId),
      at,
    ).toBe(true);
    const goods = own.reduce((s, l) => s + paidFor(l), 0);
    expect(vo.subtotal - vo.discount, at).toBe(goods);
    // The seller earns its goods and shipping as paid, without the tax (which the store collects and remits).
    expect(vo.gross, at).toBe(goods + vo.shipping - (order.inclusive ? vo.tax : 0));
    expect(vo.commission, at).toBeGreaterThanOrEqual(own.reduce((s, l) => s + l.commission, 0));
    expect(vo.commission, at).toBeLessThanOrEqual(vo.gross);
    // The ledger's entries at payment are the vendor order's figures.
    const entries = ledger.results.filter((e) => e.vo === vo.id);
    expect(entries.map((e) => [e.kind, e.amount]).sort(), at).toEqual(
      [
        ["commission", -vo.commission],
        ["sale", vo.gross],
      ].filter(([, amount]) => amount !== 0),
    );
    nets += entries.reduce((s, e) => s + e.amount, 0);
    commissions += vo.commission;
  }
  expect(
    ledger.results.every((e) => vos.results.some((vo) => vo.id === e.vo)),
    at,
  ).toBe(true);

  // The store's own part: its lines, the shipping of its own parcel (the order's less the sellers'), and where
  // prices include tax, less its share of that tax (the tax is counted once, below).
  const storeLines = lines.results.filter((l) => !l.vendorId);
  const storeGoods = storeLines.reduce((s, l) => s + paidFor(l), 0);
  const storeShipping = order.shipping - vos.results.reduce((s, vo) => s + vo.shipping, 0);
  const storeTax = order.tax - vos.results.reduce((s, vo) => s + vo.tax, 0);
  expect(storeShipping, at).toBeGreaterThanOrEqual(0);
  expect(storeTax, at).toBeGreaterThanOrEqual(0);
  if (storeLines.length === 0) {
    expect(storeShipping, at).toBe(0);
    expect(storeTax, at).toBe(0);
  }
  const storeOwn = storeGoods + storeShipping - (order.inclusive ? storeTax : 0);
  expect(nets + commissions + storeOwn + order.tax + order.duties, at).toBe(charged);
  return order;
}

describe("random multi-seller carts through the real checkout and payment", () => {
  it("sellers' nets + commissions + the store's own goods and shipping + tax + duties = the amount charged, per order", async () => {
    const seeds = REPLAY.length ? REPLAY : Array.from({ length: CARTS }, (_, i) => BASE_SEED + 1 + i);
    const seen = { countries: new Set<string>(), codes: 0, inclusive: 0, duties: 0, storeLines: 0, threeSellers: 0 };
    // Three shoppers at a time (each cart is its own seed, so the order of checkouts changes nothing it checks).
    const bought = [];
    for (let i = 0; i < seeds.length; i += 3) bought.push(...(await Promise.all(seeds.slice(i, i + 3).map(buyRandomCart))));
    for (const [i, seed] of seeds.entries()) {
      const cart = bought[i] as Awaited<ReturnType<typeof buyRandomCart>>;
      const order = await checkOrder(seed, cart.orderId);
      seen.countries.add(cart.country);
      if (cart.code) {
        expect(order.discount, `seed ${seed}: ${cart.code} applied`).toBeGreaterThan(0);
        seen.codes++;
      } else expect(order.discount, `seed ${seed}`).toBe(0);
      expect(order.tax, `seed ${seed}: ${cart.country} is taxed`).toBeGreaterThan(0);
      if (order.inclusive) seen.inclusive++;
      if (order.duties > 0) seen.duties++;
      if (cart.sellers.includes("store")) seen.storeLines++;
      if (cart.sellers.filter((s) => s !== "store").length >= 3) seen.threeSellers++;
    }
    // The fixed seeds cover every case the sum has to survive.
    if (!REPLAY.length) {
      expect([...seen.countries].sort()).toEqual(["DE", "GB", "US"]);
      expect(seen.codes).toBeGreaterThan(0);
      expect(seen.inclusive).toBeGreaterThan(0);
      expect(seen.duties).toBeGreaterThan(0);
      expect(seen.storeLines).toBeGreaterThan(0);
      expect(seen.threeSellers).toBeGreaterThan(0);
    }
  });
});
