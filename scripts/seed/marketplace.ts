// The demo marketplace: three sellers with their owners, storefront texts, commission rules and products, and
// their sales. `npm run users:demo` calls it once the demo accounts exist (each seller's owner is one of them).
//
// Pure (no Node APIs: Web Crypto only), so the same code runs in the CLI against the local D1 and in the workerd
// tests that check its books. Deterministic: the same catalog gives the same sellers, products, orders, parcels
// and ledger entries (times count back from the catalog's reference date, not from now).
//
// The orders are written like the seed's order history (plain rows), but shaped exactly as checkout and the
// order services leave them: one vendor order per seller with its own shipping, the commission rule frozen on
// each line, the vendor ledger's `sale`/`commission` entries under the keys a payment writes, parcels with
// their lines, and one line refunded with the `refund`/`commission_refund` entries a line refund writes.
// One more order counts back from the day the seed runs instead (a sale delivered a few days ago, still inside its
// hold), and each seller gets one payout, paid, made by the store's own payout code (a `DemoPayoutRunner`, see
// demo-payouts.ts), so a demo seller sees a payout, a held balance and the date of its next payout.
// test/api/demo-marketplace.test.ts checks every figure against checkout's own split and an independent
// recomputation of each seller's ledger.
import { REFERENCE_DATE } from "./generate.ts";

/**
 * Runs the demo's payouts through the store's payout code (demo-payouts.ts builds the real one). Kept as an
 * interface so this file stays free of the Worker's modules and runs in Node and in workerd alike.
 */
export interface DemoPayoutRunner {
  /** One payout of everything the seller can be paid as of `asOf`, under the id given; answers its status, or null when nothing was payable. */
  pay(payout: { id: string; vendorId: string; currency: string; asOf: number }): Promise<"pending" | "paid" | "failed" | null>;
  /** Records the bank transfer of a pending manual payout, as staff do. */
  markPaid(payoutId: string, reference: string): Promise<void>;
}

export interface DemoSeller {
  id: string;
  handle: string;
  name: string;
  owner: { email: string; name: string; password: string };
  country: string;
  contactPhone: string;
  description: string;
  about: string;
  /** The seller's commission: a vendor rule, and optionally a product rule on its first product (the most specific wins). */
  rule: { kind: "percent" | "fixed"; rateBps?: number; fixedAmount?: number; includeShipping?: boolean };
  productRateBps?: number;
}

/** The demo sellers; the first is the one the README's demo vendor account has always owned. */
export const DEMO_SELLERS: readonly DemoSeller[] = [
  {
    id: "vnd_demo_trail",
    handle: "trail-supply",
    name: "Trail Supply Co.",
    owner: { email: "vendor@demo.test", name: "Val Vendor", password: "northwind-vendor-demo" },
    country: "US",
    contactPhone: "+1 555 0101",
    description: "Camping and trail gear from a small workshop.",
    about: "We make and test our gear on the trail.",
    rule: { kind: "percent", rateBps: 1_200 },
  },
  {
    id: "vnd_demo_harbor",
    handle: "harbor-home",
    name: "Harbor & Home",
    owner: { email: "harbor@demo.test", name: "Hana Harbor", password: "northwind-harbor-demo" },
    country: "US",
    contactPhone: "+1 555 0102",
    description: "Small-batch goods for the house and the weekend away.",
    about: "A family shop by the water: everything we list, we use at home first.",
    rule: { kind: "fixed", fixedAmount: 250 },
  },
  {
    id: "vnd_demo_lumen",
    handle: "lumen-outfitters",
    name: "Lumen Outfitters",
    owner: { email: "lumen@demo.test", name: "Luca Lumen", password: "northwind-lumen-demo" },
    country: "CA",
    contactPhone: "+1 555 0103",
    description: "Clothing and kit for long days outside, shipped from Vancouver.",
    about: "Outfitters for early starts and late finishes. Ten years of guiding went into every pick.",
    rule: { kind: "percent", rateBps: 1_000, includeShipping: true },
    productRateBps: 800,
  },
];

/** Products each newly created demo seller gets from the store's catalog. */
export const DEMO_SELLER_PRODUCTS = 16;
/** Shipping of each parcel of a demo order (a seller's part, or the store's own). */
export const DEMO_PARCEL_SHIPPING = 599;

const DAY = 86_400_000;
const REF = Date.parse(REFERENCE_DATE);
/** A time `daysBefore` days (and `hours` hours after that) before `anchor`. */
const atFrom =
  (anchor: number) =>
  (daysBefore: number, hours = 0) =>
    new Date(anchor - daysBefore * DAY + hours * 3_600_000).toISOString();
const at = atFrom(REF);
/** The demo payout of each seller: one id per seller, so a second run finds it and changes nothing. */
export const demoPayoutId = (seller: DemoSeller) => `po_demo_${seller.handle.replaceAll("-", "_")}`;
/** The bank reference the demo's payouts are marked paid with. */
export const demoPayoutReference = (seller: DemoSeller) => `DEMO-BANK-${seller.handle.toUpperCase()}`;

type Part = "paid" | "shipped" | "delivered";
type Who = 0 | 1 | 2 | "store";
interface Scenario {
  /** "customer": the demo customer account; a number: a demo buyer without an account. */
  buyer: "customer" | number;
  placed: number;
  items: [Who, number, number][];
  /** Each part's state (the store's own part too), and when it shipped / was delivered (days before the reference). */
  parts: Partial<Record<string, Part>>;
  shippedAfter?: number;
  deliveredAfter?: number;
  /** Refund this item (index into `items`) in full after delivery. */
  refundItem?: number;
  /** Count the days back from the day the seed runs instead of the catalog's reference date. */
  recent?: boolean;
}

// Delivered long before the reference date (past any hold: payable), shipped, awaiting shipment, one refunded line.
const SCENARIOS: Scenario[] = [
  {
    buyer: "customer",
    placed: 80,
    items: [
      [0, 0, 1],
      [1, 0, 2],
    ],
    parts: { 0: "delivered", 1: "delivered" },
    shippedAfter: 1,
    deliveredAfter: 4,
  },
  {
    buyer: 11,
    placed: 72,
    items: [
      [1, 1, 1],
      [2, 0, 1],
      ["store", 0, 1],
    ],
    parts: { 1: "delivered", 2: "delivered", store: "delivered" },
    shippedAfter: 1,
    deliveredAfter: 5,
  },
  { buyer: 12, placed: 66, items: [[0, 1, 2]], parts: { 0: "delivered" }, shippedAfter: 2, deliveredAfter: 5 },
  {
    buyer: 13,
    placed: 60,
    items: [
      [2, 1, 1],
      [2, 2, 1],
      [0, 2, 1],
    ],
    parts: { 0: "delivered", 2: "delivered" },
    shippedAfter: 1,
    deliveredAfter: 3,
  },
  {
    buyer: 14,
    placed: 55,
    items: [
      [1, 2, 1],
      [2, 3, 2],
    ],
    parts: { 1: "delivered", 2: "delivered" },
    shippedAfter: 1,
    deliveredAfter: 4,
    refundItem: 0,
  },
  {
    buyer: 15,
    placed: 12,
    items: [
      [0, 3, 1],
      [2, 4, 1],
    ],
    parts: { 0: "delivered", 2: "shipped" },
    shippedAfter: 1,
    deliveredAfter: 4,
  },
  {
    buyer: 16,
    placed: 6,
    items: [
      [1, 3, 1],
      [0, 4, 1],
    ],
    parts: { 1: "shipped", 0: "shipped" },
    shippedAfter: 2,
  },
  {
    buyer: "customer",
    placed: 3,
    items: [
      [0, 5, 1],
      [1, 4, 1],
      [2, 5, 1],
    ],
    parts: { 0: "shipped", 1: "paid", 2: "paid" },
    shippedAfter: 1,
  },
  {
    buyer: 17,
    placed: 1,
    items: [
      [2, 6, 2],
      ["store", 1, 1],
    ],
    parts: { 2: "paid", store: "paid" },
  },
  {
    buyer: 18,
    placed: 0,
    items: [
      [0, 6, 1],
      [1, 5, 1],
    ],
    parts: { 0: "paid", 1: "paid" },
  },
  // Delivered six days before the seed runs: inside the hold, so each seller has a held sale with a date.
  {
    buyer: "customer",
    placed: 10,
    items: [
      [0, 7, 1],
      [1, 6, 2],
      [2, 7, 1],
    ],
    parts: { 0: "delivered", 1: "delivered", 2: "delivered" },
    shippedAfter: 1,
    deliveredAfter: 4,
    recent: true,
  },
];

interface ProductPick {
  id: string;
  categoryId: string;
  name: string;
  sku: string;
  price: number;
  currency: string;
}
interface Rule {
  id: string;
  scope: string;
  target: string;
  kind: "percent" | "fixed";
  rateBps: number;
  fixedAmount: number;
  includeTax: number;
  includeShipping: number;
}

const bpsOf = (amount: number, bps: number) => Math.floor((amount * bps + 5000) / 10000);
const RANK: Record<string, number> = { product: 0, category: 1, vendor: 2, store: 3 };
/** The most specific rule, as checkout picks it (product > category > vendor > store). */
function ruleFor(rules: Rule[], vendorId: string, productId: string | null, categoryId: string | null): Rule | null {
  const hits = rules.filter(
    (r) =>
      (r.scope === "product" && r.target === productId) ||
      (r.scope === "category" && r.target === categoryId) ||
      (r.scope === "vendor" && r.target === vendorId) ||
      r.scope === "store",
  );
  return hits.sort((a, b) => (RANK[a.scope] ?? 9) - (RANK[b.scope] ?? 9))[0] ?? null;
}

function base64url(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** A demo address encrypted the way the orders domain stores it (AES-256-GCM with the order's address context). */
async function addressCipher(piiKeys: string, orderId: string, fullName: string): Promise<string> {
  const ring = JSON.parse(piiKeys) as { active: string; keys: Record<string, string> };
  const raw = Uint8Array.from(atob(ring.keys[ring.active] ?? ""), (c) => c.charCodeAt(0));
  const key = await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt"]);
  const address = {
    fullName,
    company: null,
    line1: "200 Harbor Way",
    line2: null,
    city: "Portland",
    region: "OR",
    postalCode: "97201",
    country: "US",
    phone: null,
  };
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const data = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: new TextEncoder().encode(`orders.shipping_address:${orderId}`) },
    key,
    new TextEncoder().encode(JSON.stringify(address)),
  );
  return `${ring.active}.${base64url(iv)}.${base64url(new Uint8Array(data))}`;
}

/**
 * Creates the demo sellers whose owner accounts exist (active, owner member, commission rules, products from the
 * catalog) and, once, their demo orders. Answers what it created; a second run creates nothing.
 */
export async function seedDemoMarketplace(
  db: D1Database,
  opts: { piiKeys?: string; payouts?: DemoPayoutRunner; now?: number } = {},
): Promise<{ sellers: string[]; orders: number; payouts: number }> {
  const created: string[] = [];
  const unowned = (await db.prepare("select id from products where vendor_id is null and status = 'active' order by id").all<{ id: string }>()).results.map(
    (r) => r.id,
  );
  for (const [i, seller] of DEMO_SELLERS.entries()) {
    const owner = await db.prepare("select id from users where email = ?").bind(seller.owner.email).first<{ id: string }>();
    if (!owner) continue;
    const [inserted] = await db.batch([
      db
        .prepare(
          `insert into vendors (id, handle, name, status, contact_email, contact_phone, country, description, about, approved_at, created_at)
           values (?, ?, ?, 'active', ?, ?, ?, ?, ?, ?, ?) on conflict do nothing`,
        )
        .bind(
          seller.id,
          seller.handle,
          seller.name,
          seller.owner.email,
          seller.contactPhone,
          seller.country,
          seller.description,
          seller.about,
          at(120),
          at(121),
        ),
      db.prepare("insert into vendor_members (vendor_id, user_id, role) values (?, ?, 'owner') on conflict do nothing").bind(seller.id, owner.id),
    ]);
    if (!inserted?.meta.changes) continue;
    created.push(seller.id);
    // Interleaved picks from the catalog's id order spread each seller over many categories.
    const picks = unowned.filter((_, k) => k % DEMO_SELLERS.length === i).slice(0, DEMO_SELLER_PRODUCTS);
    const first = picks[0];
    await db.batch([
      db.prepare(`update products set vendor_id = ? where vendor_id is null and id in (${picks.map(() => "?").join(",") || "''"})`).bind(seller.id, ...picks),
      db
        .prepare(
          `insert into commission_rules (id, scope, target, kind, rate_bps, fixed_amount, include_tax, include_shipping)
           values (?, 'vendor', ?, ?, ?, ?, 0, ?) on conflict do nothing`,
        )
        .bind(
          `cr_demo_${seller.handle}`,
          seller.id,
          seller.rule.kind,
          seller.rule.rateBps ?? 0,
          seller.rule.fixedAmount ?? 0,
          seller.rule.includeShipping ? 1 : 0,
        ),
      ...(seller.productRateBps && first
        ? [
            db
              .prepare(
                `insert into commission_rules (id, scope, target, kind, rate_bps, fixed_amount, include_tax, include_shipping)
                 values (?, 'product', ?, 'percent', ?, 0, 0, 0) on conflict do nothing`,
              )
              .bind(`cr_demo_${seller.handle}_product`, first, seller.productRateBps),
          ]
        : []),
    ]);
  }
  const now = opts.now ?? Date.now();
  const orders = await seedDemoSales(db, now, opts.piiKeys);
  const payouts = opts.payouts ? await seedDemoPayouts(db, opts.payouts, now) : 0;
  return { sellers: created, orders, payouts };
}

/**
 * Once per demo seller: a payout of everything it can be paid as of `now` (its sales delivered past the hold),
 * made by the store's payout code and marked paid with a bank reference. Answers how many it made; a second run
 * finds each payout by its id and makes none.
 */
async function seedDemoPayouts(db: D1Database, runner: DemoPayoutRunner, now: number): Promise<number> {
  let made = 0;
  for (const seller of DEMO_SELLERS) {
    const id = demoPayoutId(seller);
    const active = await db.prepare("select 1 from vendors where id = ? and status = 'active'").bind(seller.id).first();
    if (!active || (await db.prepare("select 1 from payouts where id = ?").bind(id).first())) continue;
    const ledger = await db.prepare("select currency from vendor_ledger where vendor_id = ? limit 1").bind(seller.id).first<{ currency: string }>();
    if (!ledger) continue;
    const status = await runner.pay({ id, vendorId: seller.id, currency: ledger.currency, asOf: now });
    if (status === "pending") await runner.markPaid(id, demoPayoutReference(seller));
    if (status) made++;
  }
  return made;
}

/**
 * The demo orders (ids `ord_demo_mkt_…`), written once every demo seller exists, each in one batch; an order that
 * exists already is left as it is (so an older demo store gets only the orders added since). Answers how many it
 * wrote.
 */
async function seedDemoSales(db: D1Database, now: number, piiKeys?: string): Promise<number> {
  const existing = new Set((await db.prepare("select id from orders where id like 'ord_demo_mkt_%'").all<{ id: string }>()).results.map((r) => r.id));
  if (existing.size >= SCENARIOS.length) return 0;
  const sellers = await Promise.all(
    DEMO_SELLERS.map((s) =>
      db
        .prepare("select 1 from vendors where id = ? and status = 'active'")
        .bind(s.id)
        .first()
        .then((row) => (row ? s : null)),
    ),
  );
  if (sellers.some((s) => !s)) return 0;
  const productsOf = async (vendorId: string | null) =>
    (
      await db
        .prepare(
          `select p.id, p.category_id as categoryId, p.name, p.currency,
             (select v.sku from product_variants v where v.product_id = p.id order by v.position, v.sku limit 1) as sku,
             (select v.price from product_variants v where v.product_id = p.id order by v.position, v.sku limit 1) as price
           from products p where p.status = 'active' and ${vendorId ? "p.vendor_id = ?" : "p.vendor_id is null"} order by p.id limit 12`,
        )
        .bind(...(vendorId ? [vendorId] : []))
        .all<ProductPick>()
    ).results.filter((p) => p.sku);
  const catalog = new Map<Who, ProductPick[]>();
  for (const [i, s] of DEMO_SELLERS.entries()) catalog.set(i as Who, await productsOf(s.id));
  catalog.set("store", await productsOf(null));
  const rules = (
    await db
      .prepare(
        "select id, scope, target, kind, rate_bps as rateBps, fixed_amount as fixedAmount, include_tax as includeTax, include_shipping as includeShipping from commission_rules",
      )
      .all<Rule>()
  ).results;
  const customer = await db.prepare("select id, email from users where email = 'customer@demo.test'").first<{ id: string; email: string }>();

  let written = 0;
  for (const [n, sc] of SCENARIOS.entries()) {
    const lines = sc.items.map(([who, index, quantity]) => ({ who, quantity, product: catalog.get(who)?.[index] }));
    if (lines.some((l) => !l.product)) continue;
    const id = `ord_demo_mkt_${String(n + 1).padStart(3, "0")}`;
    if (existing.has(id)) continue;
    const statements: D1PreparedStatement[] = [];
    const at = sc.recent ? atFrom(now) : atFrom(REF);
    const number = `MKT-${String(n + 1).padStart(4, "0")}`;
    const placedAt = at(sc.placed);
    const paidAt = at(sc.placed, 0.1);
    const shippedAt = sc.shippedAfter === undefined ? null : at(sc.placed - sc.shippedAfter);
    const deliveredAt = sc.deliveredAfter === undefined ? null : at(sc.placed - sc.deliveredAfter);
    const currency = lines[0]?.product?.currency ?? "USD";
    const buyerName = sc.buyer === "customer" ? "Casey Customer" : `Demo Buyer ${sc.buyer}`;
    const userId = sc.buyer === "customer" ? (customer?.id ?? null) : `usr_seedbuyer_${sc.buyer}`;
    const email = sc.buyer === "customer" ? (customer?.email ?? "customer@demo.test") : `buyer${sc.buyer}@example.com`;
    // Groups in checkout's order: the store's own first, then sellers by vendor id.
    const whos = [...new Set(lines.map((l) => l.who))].sort((a, b) =>
      a === "store" ? -1 : b === "store" ? 1 : (DEMO_SELLERS[a]?.id ?? "").localeCompare(DEMO_SELLERS[b]?.id ?? ""),
    );
    const subtotal = lines.reduce((s, l) => s + (l.product?.price ?? 0) * l.quantity, 0);
    const shippingTotal = whos.length * DEMO_PARCEL_SHIPPING;
    const grandTotal = subtotal + shippingTotal;
    const refunded = sc.refundItem === undefined ? null : lines[sc.refundItem];
    const refundAmount = refunded ? (refunded.product?.price ?? 0) * refunded.quantity : 0;
    const partStates = whos.map((w) => sc.parts[String(w)] ?? "paid");
    const orderStatus = refundAmount
      ? "partially_refunded"
      : partStates.every((p) => p === "delivered")
        ? "delivered"
        : partStates.every((p) => p !== "paid")
          ? "shipped"
          : partStates.some((p) => p !== "paid")
            ? "fulfilling"
            : "paid";
    const updatedAt = [placedAt, paidAt, shippedAt, deliveredAt].filter((t): t is string => !!t && partStates.some((p) => p !== "paid")).pop() ?? paidAt;
    const address = piiKeys ? await addressCipher(piiKeys, id, buyerName) : "";
    statements.push(
      db
        .prepare(
          `insert into orders (id, number, user_id, email, cart_id, status, currency, subtotal, shipping_total, tax_total, discount_total, grand_total,
             refunded_total, shipping_option, shipping_country, tax_label, shipping_address_enc, access_token_hash, holds_expire_at, sold_counted, created_at, updated_at)
           values (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, ?, ?, 'standard', 'US', 'Sales tax', ?, '', 0, 0, ?, ?)`,
        )
        .bind(
          id,
          number,
          userId,
          email,
          `cart_demo_mkt_${n + 1}`,
          orderStatus,
          currency,
          subtotal,
          shippingTotal,
          grandTotal,
          refundAmount,
          address,
          placedAt,
          updatedAt,
        ),
      db
        .prepare(
          `insert into payments (id, order_id, provider, provider_ref, provider_payment_id, status, amount, currency, refunded_amount, created_at, updated_at)
           values (?, ?, 'test', ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .bind(
          `pay_demo_mkt_${n + 1}`,
          id,
          `pay_demo_mkt_${n + 1}`,
          `pay_demo_mkt_${n + 1}`,
          refundAmount ? "partially_refunded" : "succeeded",
          grandTotal,
          currency,
          refundAmount,
          placedAt,
          paidAt,
        ),
      event(db, id, 1, "status", "pending_payment", sc.buyer === "customer" && customer ? `customer:${customer.id}` : "guest", placedAt),
      event(db, id, 2, "status", "paid", "payment:test", paidAt),
    );
    let refundedSoFar = 0;
    for (const [g, who] of whos.entries()) {
      const own = lines.map((l, li) => ({ ...l, li })).filter((l) => l.who === who);
      const state = partStates[g] ?? "paid";
      const seller = who === "store" ? null : DEMO_SELLERS[who];
      const voId = seller ? `vor_demo_mkt_${n + 1}_${g}` : null;
      const shipmentId = state === "paid" ? null : `shp_demo_mkt_${n + 1}_${g}`;
      // Commission per line by the seller's rules, then the shipping's by its vendor rule (tax is 0 on these orders).
      const lineCommission = own.map((l) => {
        const paid = (l.product?.price ?? 0) * l.quantity;
        const rule = seller ? ruleFor(rules, seller.id, l.product?.id ?? null, l.product?.categoryId ?? null) : null;
        if (!rule) return { rule: null, commission: 0 };
        const raw = rule.kind === "percent" ? bpsOf(paid, rule.rateBps) : rule.fixedAmount * l.quantity;
        return { rule, commission: Math.max(0, Math.min(raw, paid)) };
      });
      const goods = own.reduce((s, l) => s + (l.product?.price ?? 0) * l.quantity, 0);
      const shippingRule = seller ? ruleFor(rules, seller.id, null, null) : null;
      const shippingCommission =
        shippingRule?.includeShipping && shippingRule.kind === "percent"
          ? Math.min(bpsOf(DEMO_PARCEL_SHIPPING, shippingRule.rateBps), DEMO_PARCEL_SHIPPING)
          : 0;
      const commission = lineCommission.reduce((s, c) => s + c.commission, 0) + shippingCommission;
      const gross = goods + DEMO_PARCEL_SHIPPING;
      if (seller && voId) {
        statements.push(
          db
            .prepare(
              `insert into vendor_orders (id, order_id, vendor_id, status, currency, subtotal, discount_total, shipping_total, tax_total, gross_total, commission_total,
                 shipment_id, shipped_at, delivered_at, created_at, updated_at)
               values (?, ?, ?, ?, ?, ?, 0, ?, 0, ?, ?, ?, ?, ?, ?, ?)`,
            )
            .bind(
              voId,
              id,
              seller.id,
              state,
              currency,
              goods,
              DEMO_PARCEL_SHIPPING,
              gross,
              commission,
              shipmentId,
              state === "paid" ? null : shippedAt,
              state === "delivered" ? deliveredAt : null,
              placedAt,
              state === "delivered" ? deliveredAt : state === "shipped" ? shippedAt : paidAt,
            ),
          ledger(db, seller.id, "sale", gross, currency, id, voId, `sale:${voId}`, paidAt),
          ledger(db, seller.id, "commission", -commission, currency, id, voId, `commission:${voId}`, paidAt),
        );
      }
      for (const [k, l] of own.entries()) {
        const c = lineCommission[k];
        const p = l.product as ProductPick;
        statements.push(
          db
            .prepare(
              `insert into order_lines (id, order_id, sku, product_id, name, variant_title, unit_price, quantity, line_total, discount_total, hold_id,
                 vendor_id, vendor_order_id, commission_rule_id, commission_bps, commission_fixed, commission_total)
               values (?, ?, ?, ?, ?, 'Default', ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?)`,
            )
            .bind(
              `${id}_l${l.li}`,
              id,
              p.sku,
              p.id,
              p.name,
              p.price,
              l.quantity,
              p.price * l.quantity,
              `${id}:${p.sku}`,
              seller?.id ?? null,
              voId,
              c?.rule?.id ?? null,
              c?.rule?.kind === "percent" ? c.rule.rateBps : null,
              c?.rule?.kind === "fixed" ? c.rule.fixedAmount : null,
              c?.commission ?? 0,
            ),
        );
      }
      if (shipmentId && shippedAt) {
        const delivered = state === "delivered";
        statements.push(
          db
            .prepare(
              `insert into shipments (id, order_id, carrier, tracking_number, tracking_url, status, last_event_at, shipped_at, delivered_at, created_by)
               values (?, ?, 'ups', ?, null, ?, ?, ?, ?, ?)`,
            )
            .bind(
              shipmentId,
              id,
              `1ZDEMO${String(n + 1).padStart(4, "0")}${g}`,
              delivered ? "delivered" : "in_transit",
              delivered ? deliveredAt : shippedAt,
              shippedAt,
              delivered ? deliveredAt : null,
              seller ? `vendor:${seller.id}:demo` : "system",
            ),
          ...own.map((l) =>
            db.prepare("insert into shipment_lines (shipment_id, order_line_id, quantity) values (?, ?, ?)").bind(shipmentId, `${id}_l${l.li}`, l.quantity),
          ),
          event(
            db,
            id,
            10 + g,
            "shipment",
            g === whos.length - 1 && orderStatus !== "fulfilling" ? "shipped" : "fulfilling",
            seller ? `vendor:${seller.id}:demo` : "system",
            shippedAt,
          ),
        );
      }
      // The refunded line: its seller gives back what the shopper paid for it (no tax on these orders) and the
      // store gives back the commission in the same proportion, under the keys a line refund writes.
      if (refunded && refunded.who === who && seller && voId) {
        refundedSoFar += refundAmount;
        const back = Math.min(gross, Math.floor((refundAmount * gross) / gross));
        const commissionBack = Math.min(commission, Math.floor((back * commission) / gross));
        const refundAt = at(sc.placed - (sc.deliveredAfter ?? 0) - 3);
        statements.push(
          ledger(db, seller.id, "refund", -back, currency, id, voId, `refund:${voId}:${refundedSoFar}`, refundAt),
          ledger(db, seller.id, "commission_refund", commissionBack, currency, id, voId, `commission_refund:${voId}:${refundedSoFar}`, refundAt),
          event(db, id, 30, "refund", "partially_refunded", "system", refundAt, `Refunded ${refunded.product?.name}: damaged in transit`),
        );
      }
    }
    if (orderStatus === "delivered" || orderStatus === "partially_refunded")
      statements.push(event(db, id, 20, "status", "delivered", "carrier:ups", deliveredAt ?? paidAt));
    // One batch per order: an order is written whole or not at all.
    await db.batch(statements);
    written++;
  }
  return written;
}

function event(db: D1Database, orderId: string, k: number, kind: string, status: string, actor: string, when: string, note: string | null = null) {
  return db
    .prepare("insert into order_events (id, order_id, kind, internal, status, actor, note, at) values (?, ?, ?, 0, ?, ?, ?, ?)")
    .bind(`${orderId}_e${k}`, orderId, kind, status, actor, note, when);
}

function ledger(db: D1Database, vendorId: string, kind: string, amount: number, currency: string, orderId: string, voId: string, key: string, when: string) {
  return db
    .prepare(
      "insert into vendor_ledger (id, vendor_id, kind, amount, currency, order_id, vendor_order_id, idempotency_key, created_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(`vle_${key.replaceAll(":", "_")}`, vendorId, kind, amount, currency, orderId, voId, key, when);
}
