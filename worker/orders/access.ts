/**
 * The token in a guest's order link. It is derived (HMAC of the order id under
 * a key derived from the PII key ring) rather than random, so every later
 * email (shipped, delivered, refunded…) can carry the same link without the
 * store ever storing the token itself: orders keep only its SHA-256
 * (`accessTokenHash`). After a key rotation, old orders' links are found by
 * trying each key of the ring against the stored hash.
 */
import { hashOpaqueToken } from "../accounts/tokens";

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
