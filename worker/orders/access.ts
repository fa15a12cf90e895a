/**
 * The token in a guest's order link. It is derived (HMAC of the order id under
 * a key derived from the PII key ring) rather than random, so every later
 * email (shipped, delivered, refunded…) can carry the same link without the
 * store ever storing the token itself: orders keep only its SHA-256
 * (`accessTokenHash`). After a key rotation, old orders' links are found by
 * trying each key of the ring against the stored hash.
 */
import { hashOpaqueToken } from "../accounts";
import type { Principal } from "../lib/context";
import { AppError } from "../lib/errors";
import { actors, type TimelineActor } from "./actor";
import { getOrderByAccessToken, getOrderForUser, type OrderRow } from "./service/orders";

// Settled keys only: a promise would tie every request to the one that started the derivation.
const keys = new Map<string, CryptoKey[]>();

async function ringKeys(secret: string | undefined): Promise<CryptoKey[]> {
  if (!secret) throw new Error("PII_KEYS is not configured");
  let found = keys.get(secret);
  if (!found) {
    found = await (async () => {
      const parsed = JSON.parse(secret) as { active: string; keys: Record<string, string> };
      const ordered = [parsed.active, ...Object.keys(parsed.keys).filter((k) => k !== parsed.active)];
      return Promise.all(
        ordered.map(async (kid) => {
          const base = await crypto.subtle.importKey("raw", Buffer.from(parsed.keys[kid] ?? "", "base64"), "HKDF", false, ["deriveKey"]);
          return crypto.subtle.deriveKey(
            { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: new TextEncoder().encode("order-link-v1") },
            base,
            { name: "HMAC", hash: "SHA-256", length: 256 },
            false,
            ["sign"],
          );
        }),
      );
    })();
    keys.set(secret, found);
  }
  return found;
}

async function tokenWith(key: CryptoKey, orderId: string): Promise<string> {
  return Buffer.from(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`order:${orderId}`))).toString("base64url");
}

/** A new order's link token (with the active key) and the hash to store. */
export async function newOrderAccessToken(env: Pick<Env, "PII_KEYS">, orderId: string): Promise<{ token: string; hash: string }> {
  const [active] = await ringKeys(env.PII_KEYS);
  if (!active) throw new Error("PII_KEYS has no key");
  const token = await tokenWith(active, orderId);
  return { token, hash: await hashOpaqueToken(token) };
}

/** The token of an existing order's link, or null for orders whose token was random (before links were derived). */
export async function orderAccessToken(env: Pick<Env, "PII_KEYS">, order: { id: string; accessTokenHash: string }): Promise<string | null> {
  for (const key of await ringKeys(env.PII_KEYS)) {
    const token = await tokenWith(key, order.id);
    if ((await hashOpaqueToken(token)) === order.accessTokenHash) return token;
  }
  return null;
}

/**
 * The order page URL for emails: guests get the signed link (they have no
 * session); account holders get the plain page (they sign in), so a forwarded
 * email does not open their order to anyone.
 */
export async function orderPageUrl(env: Pick<Env, "PII_KEYS">, origin: string, order: { id: string; userId: string | null; accessTokenHash: string }) {
  const base = `${origin}/orders/${order.id}`;
  if (order.userId) return base;
  const token = await orderAccessToken(env, order);
  return token ? `${base}?token=${token}` : base;
}

/** An order a caller may see and act on, with the actor their changes are recorded as. */
export interface OrderAccess {
  order: OrderRow;
  actor: TimelineActor;
  /** The guest token that opened it (pages hand it to the live island); null for the signed-in owner. */
  token: string | null;
}

/**
 * The one rule for who may open an order, used by the order API routes and
 * the order pages alike: the emailed link's token (`token`), else the
 * signed-in owner, else a token the browser remembered for its last order
 * (`rememberedToken`, pages only). An order that exists but is not the
 * caller's is 404 like a missing one; an anonymous caller without a token
 * is 401. Staff read orders through the admin routes instead.
 */
export async function accessOrder(
  env: Env,
  orderId: string,
  caller: { principal: Principal | null; token?: string | null; rememberedToken?: string | null },
): Promise<OrderAccess> {
  const { principal } = caller;
  const byToken = async (token: string): Promise<OrderAccess> => {
    const order = await getOrderByAccessToken(env, orderId, await hashOpaqueToken(token));
    return { order, actor: principal && order.userId === principal.id ? actors.customer(principal.id) : actors.guest, token };
  };
  if (caller.token) return byToken(caller.token);
  if (principal) {
    const owned = await getOrderForUser(env, principal.id, orderId).catch((err: unknown) => {
      if (caller.rememberedToken && err instanceof AppError && err.status === 404) return null;
      throw err;
    });
    if (owned) return { order: owned, actor: actors.customer(principal.id), token: null };
  }
  if (caller.rememberedToken) return byToken(caller.rememberedToken);
  throw new AppError("auth.unauthenticated", 401, "Sign in to continue.", [], { "WWW-Authenticate": "Bearer" });
}
