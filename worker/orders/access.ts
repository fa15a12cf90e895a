/**
 * The token in a guest's order link. It is derived (HMAC of the order id under
 * a key derived from the PII key ring) rather than random, so every later
 * email (shipped, delivered, refunded…) can carry the same link without the
 * store ever storing the token itself: orders keep only its SHA-256
 * (`accessTokenHash`). After a key rotation, old orders' links are found by
 * trying each key of the ring against the stored hash.
 */
import { hashOpaqueToken } from "../accounts";
import { securitySettings } from "../store";
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

// Version 0 keeps the original message, so links sent before versions existed still match their hash.
async function tokenWith(key: CryptoKey, orderId: string, version = 0): Promise<string> {
  const message = version === 0 ? `order:${orderId}` : `order:${orderId}:v${version}`;
  return Buffer.from(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(message))).toString("base64url");
}

/**
 * A link token (with the active key) and the hash to store: version 0 for a new order; a revoked or
 * renewed link takes the next version, so every earlier token stops matching.
 */
export async function newOrderAccessToken(env: Pick<Env, "PII_KEYS">, orderId: string, version = 0): Promise<{ token: string; hash: string }> {
  const [active] = await ringKeys(env.PII_KEYS);
  if (!active) throw new Error("PII_KEYS has no key");
  const token = await tokenWith(active, orderId, version);
  return { token, hash: await hashOpaqueToken(token) };
}

/** The token of an order's current link, or null for orders whose token was random (before links were derived). */
export async function orderAccessToken(
  env: Pick<Env, "PII_KEYS">,
  order: { id: string; accessTokenHash: string; accessLinkVersion: number },
): Promise<string | null> {
  for (const key of await ringKeys(env.PII_KEYS)) {
    const token = await tokenWith(key, order.id, order.accessLinkVersion);
    if ((await hashOpaqueToken(token)) === order.accessTokenHash) return token;
  }
  return null;
}

/** When a guest's current link stops working: `days` after it was issued (at checkout unless renewed). */
export function guestLinkExpiresAt(order: { createdAt: string; accessLinkIssuedAt: string | null }, days: number): number {
  return Date.parse(order.accessLinkIssuedAt ?? order.createdAt) + days * 86_400_000;
}

/**
 * The order page URL for emails: guests get the signed link (they have no
 * session); account holders get the plain page (they sign in), so a forwarded
 * email does not open their order to anyone.
 */
export async function orderPageUrl(
  env: Pick<Env, "PII_KEYS">,
  origin: string,
  order: { id: string; userId: string | null; accessTokenHash: string; accessLinkVersion: number },
) {
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
    // Only a right token learns that its link expired; a wrong one stays a plain 404.
    if (guestLinkExpiresAt(order, (await securitySettings(env)).guestLinkDays) <= Date.now()) {
      throw new AppError("orders.link_expired", 410, "This order link has expired. Ask for a new one on the order page, or sign in.", [
        { path: "token", message: "Expired" },
      ]);
    }
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
