import { env } from "cloudflare:workers";
import { purgeCatalogCache } from "../../worker/catalog";
import { getDb } from "../../worker/db/client";
import { encryptPii } from "../../worker/lib/pii-crypto";
import { newOrderAccessToken } from "../../worker/orders/access";
import { orderAddressContext } from "../../worker/orders";
import { type OrderStatus, orderEvents, orderLines, orders } from "../../worker/orders/tables";
import { payments } from "../../worker/payments/tables";
import { insertCategory, insertProduct, insertUser } from "./factories";
import { call, cookiesFrom, freshIp, json, postJson } from "./http";
import { passwordSignIn } from "./staff";

export const US_ADDRESS = { fullName: "Ada Lovelace", line1: "1 Market St", city: "San Francisco", region: "CA", postalCode: "94105", country: "US" };

/** A single-variant product with `stock` units. */
export async function stockProduct(sku: string, stock: number, price = 2500) {
  const category = await insertCategory(env.DB, { slug: `c-${sku.toLowerCase()}` });
  await insertProduct(env.DB, {
    slug: sku.toLowerCase(),
    name: `Item ${sku}`,
    category,
    variants: [{ sku, title: "Default", options: {}, price, stockAvailable: stock }],
  });
  purgeCatalogCache();
}

/** A browser-like client that keeps its cookies. */
export function client(cookie = "") {
  let jar = cookie;
  const send = async (path: string, method = "GET", body?: unknown, headers: Record<string, string> = {}) => {
    const res = await call(path, {
      method,
      headers: { "Content-Type": "application/json", Origin: "http://store.test", ...(jar ? { Cookie: jar } : {}), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const set = cookiesFrom(res);
    if (set) jar = [jar, set].filter(Boolean).join("; ");
    return res;
  };
  return { send, cookie: () => jar };
}

/** A signed-in user of a role, as a cookie-carrying client. */
export async function signedIn(role: "customer" | "vendor" | "support" | "admin" = "customer") {
  const user = await insertUser(env.DB, { role });
  const login = await passwordSignIn(user, { "CF-Connecting-IP": freshIp() });
  if (login.status !== 200) throw new Error(`login failed: ${login.status}`);
  return { user, ...client(cookiesFrom(login)) };
}

/**
 * Buys through the real path (cart → checkout → test provider's Pay now) and
 * answers the order's id, number, guest token and payment id.
 */
export async function buy(items: { sku: string; quantity: number }[], who = client(), pay = true) {
  for (const item of items) {
    const added = await who.send("/api/cart/items", "POST", item);
    if (added.status !== 200) throw new Error(`add to cart: ${added.status} ${await added.text()}`);
  }
  const res = await who.send("/api/checkout", "POST", { email: "buyer@example.test", shippingAddress: US_ADDRESS, shippingOption: "standard" });
  if (res.status !== 201) throw new Error(`checkout: ${res.status} ${await res.text()}`);
  const placed = await json(res);
  const paymentId = placed.payment.redirectUrl.split("/").pop() as string;
  if (pay) await postJson(`/api/checkout/test-payments/${paymentId}`, { outcome: "succeeded" });
  const token = new URL(placed.orderUrl).searchParams.get("token") as string;
  return { orderId: placed.orderId as string, number: placed.orderNumber as string, token, paymentId, total: placed.total.amount as number, client: who };
}

/** An order row in any status, written straight to D1 (for the transition table). */
export async function insertOrder(status: OrderStatus, lines: { sku: string; quantity: number; unitPrice?: number }[] = [{ sku: "TBL-1", quantity: 1 }]) {
  const db = getDb(env.DB);
  const id = `ord_t${crypto.randomUUID().replace(/-/g, "").slice(0, 16)}`;
  const access = await newOrderAccessToken(env, id);
  const subtotal = lines.reduce((s, l) => s + (l.unitPrice ?? 1000) * l.quantity, 0);
  await db.batch([
    db.insert(orders).values({
      id,
      number: `NW-T${id.slice(-8).toUpperCase()}`,
      email: "table@example.test",
      cartId: `cart_${id}`,
      status,
      currency: "USD",
      subtotal,
      shippingTotal: 0,
      taxTotal: 0,
      grandTotal: subtotal,
      shippingOption: "standard",
      shippingCountry: "US",
      shippingAddressEnc: await encryptPii(env.PII_KEYS, JSON.stringify(US_ADDRESS), orderAddressContext(id)),
      accessTokenHash: access.hash,
      holdsExpireAt: Date.now() + 60_000,
    }),
    db.insert(orderLines).values(
      lines.map((l, i) => ({
        id: `${id}_l${i}`,
        orderId: id,
        sku: l.sku,
        name: `Item ${l.sku}`,
        variantTitle: "Default",
        unitPrice: l.unitPrice ?? 1000,
        quantity: l.quantity,
        lineTotal: (l.unitPrice ?? 1000) * l.quantity,
        holdId: `${id}:${l.sku}`,
      })),
    ),
    db.insert(orderEvents).values({ id: `oev_${id}`, orderId: id, status, actor: "guest", note: "Inserted by a test" }),
    db.insert(payments).values({
      id: `pay_${id}`,
      orderId: id,
      provider: "test",
      status: status === "pending_payment" ? "pending" : "succeeded",
      amount: subtotal,
      currency: "USD",
    }),
  ]);
  return { id, token: access.token };
}

export const api = (orderId: string, token?: string, suffix = "") => `/api/orders/${orderId}${suffix}${token ? `?token=${token}` : ""}`;
