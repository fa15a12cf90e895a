// Demo order history for the recommenders and their offline evaluation (`npm run eval:recs`):
// deterministic per seed, with a planted co-purchase structure the recommenders should find.
//
// Structure: "bundles" of an anchor product and two or three companions, mostly from OTHER categories
// (a tent with a lantern and a mug), so the popular-in-category baseline cannot guess them, plus one
// companion of the anchor's own category and brand (what content similarity can see). Most orders take
// the anchor and some companions of one bundle; the rest, and one extra item in some orders, are noise
// drawn by popularity. Orders spread over the year before the catalog's reference date, delivered,
// belonging to demo buyers `usr_seedbuyer_<n>` (not sign-in accounts). They are NOT counted in
// products.sold_count (sold_counted = 0): the generated catalog's sold counts already stand for sales.
// Each has a demo shipping address, encrypted like a real order's with the store's PII key (from .dev.vars), so
// staff can open them in /admin/orders; without a key (a bare seed for tests) the address is left empty.
import { hash32, mulberry32, REFERENCE_DATE } from "./generate.ts";

export const DEFAULT_ORDERS = 3_000;
const BUYERS = 600;
const DAY = 86_400_000;

interface Row {
  id: string;
  category_id: string;
  brand_id: string | null;
  name: string;
  sku: string;
  price: number;
  currency: string;
  sold: number;
}

const quote = (s: string) => `'${s.replaceAll("'", "''")}'`;

/** A product drawn with probability proportional to `weights` (prefix sums in `cumulative`). */
function draw(r: () => number, cumulative: number[]): number {
  const total = cumulative[cumulative.length - 1] ?? 0;
  const x = r() * total;
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((cumulative[mid] as number) > x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * Replaces the demo order history (orders of `usr_seedbuyer_*`) with `count` deterministic orders over
 * the active catalog. Returns how many orders and lines were written.
 */
/**
 * A demo address encrypted as the orders domain does it (AES-256-GCM, `<kid>.<iv>.<data>` in base64url, the
 * order's address context as additional data), so the order pages read it like any other.
 */
async function demoAddressCipher(piiKeys: string, orderId: string, buyer: number): Promise<string> {
  const ring = JSON.parse(piiKeys) as { active: string; keys: Record<string, string> };
  const raw = Buffer.from(ring.keys[ring.active] ?? "", "base64");
  const key = await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt"]);
  const address = {
    fullName: `Demo Buyer ${buyer}`,
    company: null,
    line1: `${100 + (buyer % 900)} Market Street`,
    line2: null,
    city: "San Francisco",
    region: "CA",
    postalCode: "94105",
    country: "US",
    phone: null,
  };
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const data = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: new TextEncoder().encode(`orders.shipping_address:${orderId}`) },
    key,
    new TextEncoder().encode(JSON.stringify(address)),
  );
  return `${ring.active}.${Buffer.from(iv).toString("base64url")}.${Buffer.from(data).toString("base64url")}`;
}

export async function seedOrderHistory(db: D1Database, seed: number, count = DEFAULT_ORDERS, piiKeys?: string): Promise<{ orders: number; lines: number }> {
  await db.batch([
    db.prepare("DELETE FROM order_lines WHERE order_id IN (SELECT id FROM orders WHERE user_id LIKE 'usr_seedbuyer_%')"),
    db.prepare("DELETE FROM orders WHERE user_id LIKE 'usr_seedbuyer_%'"),
  ]);
  if (count <= 0) return { orders: 0, lines: 0 };
  const products = (
    await db
      .prepare(
        `SELECT p.id, p.category_id, p.brand_id, p.name, p.currency, p.sold_count AS sold,
           (SELECT v.sku FROM product_variants v WHERE v.product_id = p.id ORDER BY v.position, v.sku LIMIT 1) AS sku,
           (SELECT v.price FROM product_variants v WHERE v.product_id = p.id ORDER BY v.position, v.sku LIMIT 1) AS price
         FROM products p WHERE p.status = 'active' ORDER BY p.rowid`,
      )
      .all<Row>()
  ).results.filter((p) => p.sku);
  if (products.length < 8) return { orders: 0, lines: 0 };

  const r = mulberry32(hash32(seed + 104_729, products.length));
  const byCategory = new Map<string, number[]>();
  for (const [i, p] of products.entries()) byCategory.set(p.category_id, [...(byCategory.get(p.category_id) ?? []), i]);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(r() * list.length)] as T;

  // Bundles: anchor + companions from other categories + one of the anchor's category (same brand if any).
  const bundles: number[][] = [];
  const bundleCount = Math.max(4, Math.floor(products.length / 6));
  for (let b = 0; b < bundleCount; b++) {
    const anchor = Math.floor(r() * products.length);
    const a = products[anchor] as Row;
    const members = new Set([anchor]);
    const others = 2 + Math.floor(r() * 2);
    for (let k = 0; k < others * 4 && members.size < 1 + others; k++) {
      const c = Math.floor(r() * products.length);
      if ((products[c] as Row).category_id !== a.category_id) members.add(c);
    }
    const sameCategory = (byCategory.get(a.category_id) ?? []).filter((i) => i !== anchor);
    const sameBrand = sameCategory.filter((i) => (products[i] as Row).brand_id === a.brand_id);
    if (sameBrand.length || sameCategory.length) members.add(pick(sameBrand.length ? sameBrand : sameCategory));
    bundles.push([...members]);
  }
  // Popular bundles and products come up more often (a long tail, as in a real store).
  const bundleWeights: number[] = [];
  for (let i = 0; i < bundles.length; i++) bundleWeights.push((bundleWeights[i - 1] ?? 0) + 1 / (1 + i) ** 0.6);
  const productWeights: number[] = [];
  for (const [i, p] of products.entries()) productWeights.push((productWeights[i - 1] ?? 0) + 1 + p.sold);

  const end = Date.parse(REFERENCE_DATE);
  const orderHead =
    "INSERT INTO orders (id, number, user_id, email, cart_id, status, currency, subtotal, shipping_total, tax_total, discount_total, grand_total, shipping_option, shipping_country, shipping_address_enc, access_token_hash, holds_expire_at, sold_counted, created_at, updated_at) VALUES ";
  const lineHead =
    "INSERT INTO order_lines (id, order_id, sku, product_id, name, variant_title, unit_price, quantity, line_total, discount_total, hold_id) VALUES ";
  const statements: string[] = [];
  let orderTuples: string[] = [];
  let lineTuples: string[] = [];
  let lines = 0;
  const flush = () => {
    if (orderTuples.length) statements.push(orderHead + orderTuples.join(","));
    if (lineTuples.length) statements.push(lineHead + lineTuples.join(","));
    orderTuples = [];
    lineTuples = [];
  };
  for (let n = 0; n < count; n++) {
    const chosen = new Set<number>();
    if (r() < 0.75) {
      const bundle = bundles[draw(r, bundleWeights)] as number[];
      chosen.add(bundle[0] as number);
      for (const companion of bundle.slice(1)) if (r() < 0.55) chosen.add(companion);
      if (chosen.size === 1) chosen.add(pick(bundle.slice(1)));
      if (r() < 0.3) chosen.add(draw(r, productWeights));
    } else {
      const k = 1 + Math.floor(r() * 3);
      for (let i = 0; i < k; i++) chosen.add(draw(r, productWeights));
    }
    // Evenly spread over the year, with a little jitter; ids sort in time order.
    const at = new Date(end - 365 * DAY + Math.floor(((n + r() * 0.5) / count) * 365 * DAY)).toISOString();
    const id = `ord_seed${String(n).padStart(6, "0")}`;
    const buyer = Math.floor(r() * BUYERS);
    let subtotal = 0;
    let currency = "USD";
    let k = 0;
    for (const index of chosen) {
      const p = products[index] as Row;
      const quantity = r() < 0.85 ? 1 : 2;
      subtotal += p.price * quantity;
      currency = p.currency;
      lineTuples.push(
        `(${[quote(`${id}_l${k++}`), quote(id), quote(p.sku), quote(p.id), quote(p.name), quote(""), p.price, quantity, p.price * quantity, 0, quote(`${id}:${p.sku}`)].join(",")})`,
      );
      lines++;
    }
    orderTuples.push(
      `(${[
        quote(id),
        quote(`SEED-${String(n).padStart(6, "0")}`),
        quote(`usr_seedbuyer_${buyer}`),
        quote(`buyer${buyer}@example.com`),
        quote(`cart_seed${n}`),
        "'delivered'",
        quote(currency),
        subtotal,
        0,
        0,
        0,
        subtotal,
        "'standard'",
        "'US'",
        piiKeys ? quote(await demoAddressCipher(piiKeys, id, buyer)) : "''",
        "''",
        0,
        0,
        quote(at),
        quote(at),
      ].join(",")})`,
    );
    if (orderTuples.length >= 200) flush();
  }
  flush();
  for (let i = 0; i < statements.length; i += 20) await db.batch(statements.slice(i, i + 20).map((s) => db.prepare(s)));
  return { orders: count, lines };
}
