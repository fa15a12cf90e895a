import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { api } from "../../worker/api";
import { memberCan, type VENDOR_MEMBER_ROLES, type VendorCapability } from "../../worker/vendors";
import { insertCategory, insertUser } from "../support/factories";
import { call, json } from "../support/http";
import { buy } from "../support/orders";
import { addMember, bearerFor, insertVendor, type VendorMemberCaller } from "../support/vendors";

/**
 * The vendor API's isolation matrix, built from the route table: every /api/vendor route is called by
 * seller A's owner with seller B's object ids (B's product, SKU, vendor order, member and invitation),
 * by A's members whose role lacks the route's capability, by a customer and by nobody. A route must answer
 * B's ids with 403 or 404, never show B's data in its body and never change B's data; routes without an
 * id answer A's own data only. A route this file cannot classify (its capability, or whose object one of
 * its parameters names) fails the first test: add it below.
 */
vi.setConfig({ testTimeout: 120_000, hookTimeout: 180_000 });

/** Which capability each area of the vendor API needs (the path after /api/vendor). */
const CAPABILITIES: [RegExp, VendorCapability][] = [
  // How the seller is paid is an owner's setting; the payouts themselves are finance.
  [/^\/payouts\/(account|connect)$/, "settings"],
  [/^\/(products|inventory|reviews)(\/|$)/, "catalog"],
  [/^\/(orders|returns)(\/|$)/, "orders"],
  [/^\/(ledger|payouts|analytics)(\/|$)/, "finance"],
  [/^\/(members|settings)(\/|$)/, "settings"],
];

interface BObjects {
  vendorId: string;
  handle: string;
  productId: string;
  productName: string;
  sku: string;
  vendorOrderId: string;
  memberId: string;
  memberEmail: string;
  invitationId: string;
  invitationEmail: string;
  ownerEmail: string;
  returnId: string;
  reviewId: string;
}

/** Which of B's objects a path parameter names, by the path segment before it and the parameter's name. */
const PARAMS: Record<string, keyof BObjects> = {
  "products/:id": "productId",
  "inventory/:sku": "sku",
  "orders/:id": "vendorOrderId",
  "invitations/:id": "invitationId",
  "members/:userId": "memberId",
  "returns/:id": "returnId",
  "reviews/:id": "reviewId",
};

/** Bodies that pass each write's schema, so a refusal comes from the scoping or the capability, not validation. */
const BODIES: Record<string, (category: string) => unknown> = {
  "POST /api/vendor/products": (category) => ({
    name: "Matrix item",
    categoryId: category,
    variants: [{ sku: `MTX-${Date.now().toString(36).toUpperCase()}`, price: 100 }],
  }),
  "PUT /api/vendor/products/:id": (category) => ({ name: "Taken over", categoryId: category, variants: [{ sku: "MTX-TAKEOVER", price: 1 }] }),
  "POST /api/vendor/inventory/:sku/adjustments": () => ({ delta: 500, reason: "matrix test" }),
  "POST /api/vendor/orders/:id/shipments": () => ({ carrier: "UPS", trackingNumber: "1ZMATRIX00000001" }),
  "POST /api/vendor/members/invitations": () => ({ email: "matrix-invitee@example.test", role: "catalog" }),
  "PATCH /api/vendor/members/:userId": () => ({ role: "owner" }),
  "PATCH /api/vendor/settings": () => ({ about: "Matrix test" }),
  "PUT /api/vendor/payouts/account": () => ({ method: "manual", payoutDetails: "Matrix bank account" }),
  "POST /api/vendor/reviews/:id/reply": () => ({ body: "Thank you for the review." }),
};

/** Writes whose body is not JSON (a picture upload): the content type and the bytes they take. */
const PNG = Uint8Array.from(atob("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="), (ch) => ch.charCodeAt(0));
const RAW_BODIES: Record<string, { type: string; body: Uint8Array<ArrayBuffer>; query: string }> = {
  "POST /api/vendor/products/:id/images": { type: "image/png", body: PNG, query: "?alt=Matrix%20picture" },
};

/** A seller's own route that may refuse for a reason of the store, not of the caller (status it answers). */
const OWN_REFUSALS: Record<string, number> = {
  // This store does not pay sellers through Stripe Connect (no platform account configured in tests).
  "POST /api/vendor/payouts/connect": 409,
};

interface Route {
  key: string;
  method: string;
  path: string;
  capability: VendorCapability | undefined;
  /** B's objects named by the path parameters (empty: the route works on the caller's vendor as a whole). */
  params: (keyof BObjects)[];
  unknownParams: string[];
}

const routes: Route[] = [
  ...new Set(api.routes.filter((r) => r.method !== "ALL" && r.path.startsWith("/api/vendor/") && !r.path.endsWith("*")).map((r) => `${r.method} ${r.path}`)),
].map((key) => {
  const [method, path] = key.split(" ") as [string, string];
  const rest = path.slice("/api/vendor".length);
  const segments = rest.split("/");
  const params: (keyof BObjects)[] = [];
  const unknownParams: string[] = [];
  segments.forEach((seg, i) => {
    if (!seg.startsWith(":")) return;
    const name = seg.replace(/\{.*\}$/, "");
    const object = PARAMS[`${segments[i - 1]}/${name}`];
    if (object) params.push(object);
    else unknownParams.push(`${segments[i - 1]}/${name}`);
  });
  return { key, method, path, capability: CAPABILITIES.find(([re]) => re.test(rest))?.[1], params, unknownParams };
});

function urlFor(route: Route, b: BObjects): string {
  const segments = route.path.split("/");
  return segments
    .map((seg, i) => {
      if (!seg.startsWith(":")) return seg;
      const object = PARAMS[`${segments[i - 1]}/${seg.replace(/\{.*\}$/, "")}`];
      return object ? encodeURIComponent(b[object]) : seg;
    })
    .join("/");
}

function request(route: Route, url: string, headers: Record<string, string>, category: string) {
  const raw = RAW_BODIES[route.key];
  if (raw) {
    const init: RequestInit = { method: route.method, headers: { ...headers, "Content-Type": raw.type }, body: raw.body };
    return { res: call(`${url}${raw.query}`, init), sent: `${url}${raw.query}` };
  }
  const body = BODIES[route.key]?.(category) ?? (route.method === "GET" || route.method === "DELETE" ? undefined : {});
  const init: RequestInit = { method: route.method, headers: { ...headers, ...(body === undefined ? {} : { "Content-Type": "application/json" }) } };
  if (body !== undefined) init.body = JSON.stringify(body);
  return { res: call(url, init), sent: `${url} ${init.body ?? ""}` };
}

/** `text` names `value` as a whole token (so `usr_t9` is not found inside `usr_t91`). */
function mentions(text: string, value: string): boolean {
  const escaped = value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(^|[^A-Za-z0-9_-])${escaped}($|[^A-Za-z0-9_-])`).test(text);
}

let a: VendorMemberCaller;
let b: VendorMemberCaller;
let bObjects: BObjects;
let category: string;
const membersOfA: Partial<Record<(typeof VENDOR_MEMBER_ROLES)[number], VendorMemberCaller>> = {};
let customer: Record<string, string>;

/** What of B the matrix must never change: its product, stock, vendor order, team and settings. */
async function stateOfB() {
  const q = (sql: string, ...args: string[]) =>
    env.DB.prepare(sql)
      .bind(...args)
      .all()
      .then((r) => r.results);
  return {
    product: await q("SELECT name, status, vendor_id, updated_at FROM products WHERE id = ?", bObjects.productId),
    variants: await q("SELECT sku, price, stock_available FROM product_variants WHERE product_id = ? ORDER BY sku", bObjects.productId),
    images: await q("SELECT url, alt, position FROM product_images WHERE product_id = ? ORDER BY position", bObjects.productId),
    vendorOrder: await q("SELECT status, updated_at FROM vendor_orders WHERE id = ?", bObjects.vendorOrderId),
    shipments: await q("SELECT count(*) AS n FROM shipments WHERE order_id = (SELECT order_id FROM vendor_orders WHERE id = ?)", bObjects.vendorOrderId),
    members: await q("SELECT user_id, role FROM vendor_members WHERE vendor_id = ? ORDER BY user_id", bObjects.vendorId),
    invitations: await q("SELECT id, role, revoked_at, accepted_at FROM vendor_invitations WHERE vendor_id = ? ORDER BY id", bObjects.vendorId),
    vendor: await q("SELECT name, about, status, contact_email, updated_at FROM vendors WHERE id = ?", bObjects.vendorId),
    payoutAccount: await q("SELECT * FROM vendors WHERE id = ?", bObjects.vendorId),
    return: await q("SELECT status, updated_at FROM returns WHERE id = ?", bObjects.returnId),
    review: await q("SELECT * FROM reviews WHERE id = ?", bObjects.reviewId),
    replies: await q("SELECT * FROM review_replies WHERE review_id = ?", bObjects.reviewId),
  };
}

beforeAll(async () => {
  category = (await insertCategory(env.DB, { slug: "isolation-goods" })).id;
  a = await insertVendor();
  b = await insertVendor();
  for (const role of ["catalog", "orders", "finance"] as const) membersOfA[role] = await addMember(a.vendorId, role);
  customer = await bearerFor(await insertUser(env.DB));

  const stamp = Date.now().toString(36).toUpperCase();
  const make = async (who: VendorMemberCaller, sku: string, name: string) => {
    const res = await call("/api/vendor/products", {
      method: "POST",
      headers: { ...who.headers, "Content-Type": "application/json" },
      body: JSON.stringify({ name, status: "active", categoryId: category, variants: [{ sku, price: 2200, initialStock: 20 }] }),
    });
    expect(res.status).toBe(201);
    return json(res);
  };
  await make(a, `ISO-A-${stamp}`, "Alder matrix lamp");
  const bProduct = await make(b, `ISO-B-${stamp}`, "Birchwood matrix stool");
  // One order with a line of each seller: A may see the order's own number, never B's line or vendor order.
  const order = await buy([
    { sku: `ISO-A-${stamp}`, quantity: 1 },
    { sku: `ISO-B-${stamp}`, quantity: 1 },
  ]);
  const vendorOrder = await env.DB.prepare("SELECT id FROM vendor_orders WHERE order_id = ? AND vendor_id = ?")
    .bind(order.orderId, b.vendorId)
    .first<{ id: string }>();
  const bMember = await addMember(b.vendorId, "catalog");
  const invited = await call("/api/vendor/members/invitations", {
    method: "POST",
    headers: { ...b.headers, "Content-Type": "application/json" },
    body: JSON.stringify({ email: "birch-invitee@example.test", role: "orders" }),
  });
  expect(invited.status).toBe(201);
  const invitation = (await json(invited)).invitations.find((i: { email: string }) => i.email === "birch-invitee@example.test");
  const handle = await env.DB.prepare("SELECT handle FROM vendors WHERE id = ?").bind(b.vendorId).first<{ handle: string }>();
  // A return of B's line and a published review of B's product, written straight to their tables.
  const bLine = await env.DB.prepare("SELECT id, sku, name FROM order_lines WHERE order_id = ? AND sku = ?")
    .bind(order.orderId, `ISO-B-${stamp}`)
    .first<{ id: string; sku: string; name: string }>();
  const returnId = `ret_iso_${stamp.toLowerCase()}`;
  await env.DB.batch([
    env.DB.prepare("INSERT INTO returns (id, number, order_id, resolution, currency, requested_by) VALUES (?, ?, ?, 'refund', 'USD', 'customer')").bind(
      returnId,
      `R-ISO${stamp}`,
      order.orderId,
    ),
    env.DB.prepare("INSERT INTO return_lines (id, return_id, order_line_id, sku, name, quantity, reason) VALUES (?, ?, ?, ?, ?, 1, 'Too small')").bind(
      `rtl_iso_${stamp.toLowerCase()}`,
      returnId,
      bLine?.id ?? "",
      bLine?.sku ?? "",
      bLine?.name ?? "",
    ),
  ]);
  const reviewer = await insertUser(env.DB);
  const reviewId = `rev_iso_${stamp.toLowerCase()}`;
  await env.DB.prepare(
    "INSERT INTO reviews (id, product_id, user_id, order_line_id, author_name, rating, title, body, status) VALUES (?, ?, ?, ?, 'Iso R.', 5, 'Sturdy', 'A sturdy stool.', 'published')",
  )
    .bind(reviewId, bProduct.id, reviewer.id, bLine?.id ?? "")
    .run();
  bObjects = {
    vendorId: b.vendorId,
    handle: handle?.handle ?? "",
    productId: bProduct.id,
    productName: bProduct.name,
    sku: `ISO-B-${stamp}`,
    vendorOrderId: vendorOrder?.id ?? "",
    memberId: bMember.id,
    memberEmail: bMember.email,
    invitationId: invitation.id,
    invitationEmail: "birch-invitee@example.test",
    ownerEmail: b.email,
    returnId,
    reviewId,
  };
  expect(Object.values(bObjects).every(Boolean)).toBe(true);
});

describe("vendor API isolation matrix (from the route table)", () => {
  it("classifies every vendor route: its capability and the object each parameter names", () => {
    expect(routes.length).toBeGreaterThanOrEqual(18);
    expect(routes.filter((r) => !r.capability).map((r) => r.key)).toEqual([]);
    expect(routes.filter((r) => r.unknownParams.length).map((r) => `${r.key} (${r.unknownParams.join(", ")})`)).toEqual([]);
  });

  it("answers seller B's ids to seller A's owner with 403 or 404, never with B's data, and changes nothing of B's", async () => {
    const before = await stateOfB();
    const wrong: string[] = [];
    for (const route of routes) {
      const url = urlFor(route, bObjects);
      const { res, sent } = request(route, url, a.headers, category);
      const answer = await res;
      const text = await answer.text();
      if (route.params.length && answer.status !== 403 && answer.status !== 404) wrong.push(`${route.key} with B's ids → ${answer.status}`);
      if (!route.params.length && (answer.status < 200 || answer.status > 299) && OWN_REFUSALS[route.key] !== answer.status)
        wrong.push(`${route.key} (A's own) → ${answer.status} ${text.slice(0, 200)}`);
      // What the caller sent (B's id in the URL) may be echoed back; anything else of B's may not.
      const leaked = Object.entries(bObjects).filter(([, value]) => !sent.includes(value) && mentions(text, value));
      if (leaked.length) wrong.push(`${route.key} shows B's ${leaked.map(([k]) => k).join(", ")}`);
    }
    expect(wrong).toEqual([]);
    expect(await stateOfB()).toEqual(before);
  });

  it("refuses A's members whose role lacks the route's capability (403), customers (403) and anonymous callers (401)", async () => {
    const before = await stateOfB();
    const wrong: string[] = [];
    for (const route of routes) {
      const url = urlFor(route, bObjects);
      const lacking = (["catalog", "orders", "finance"] as const).find((role) => route.capability && !memberCan(role, route.capability));
      const member = lacking ? membersOfA[lacking] : undefined;
      if (!member) wrong.push(`${route.key}: no member role lacks "${route.capability}"`);
      else {
        const status = (await request(route, url, member.headers, category).res).status;
        if (status !== 403) wrong.push(`${route.key} as A's ${lacking} member → ${status}`);
      }
      const asCustomer = (await request(route, url, customer, category).res).status;
      if (asCustomer !== 403) wrong.push(`${route.key} as a customer → ${asCustomer}`);
      const anonymous = (await request(route, url, {}, category).res).status;
      if (anonymous !== 401) wrong.push(`${route.key} anonymous → ${anonymous}`);
    }
    expect(wrong).toEqual([]);
    expect(await stateOfB()).toEqual(before);
  });
});
