/**
 * Signed values of the help desk, all HMACs under keys derived from the PII key ring (so no token is stored):
 * - a guest's ticket link (`?token=`), emailed when the ticket is created, which proves they own the address;
 * - the reply address of a ticket's emails (`support+<ticket>.<sig>@domain`), which threads an inbound reply;
 * - a guest's chat token, which lets that browser (and no other) join its conversation's socket.
 * After a key rotation every key of the ring is tried, so links already emailed keep working.
 */

// Settled keys only: a promise would tie every request to the one that started the derivation.
const keys = new Map<string, CryptoKey[]>();

async function ringKeys(secret: string | undefined): Promise<CryptoKey[]> {
  if (!secret) throw new Error("PII_KEYS is not configured");
  const cached = keys.get(secret);
  if (cached) return cached;
  const parsed = JSON.parse(secret) as { active: string; keys: Record<string, string> };
  const ordered = [parsed.active, ...Object.keys(parsed.keys).filter((k) => k !== parsed.active)];
  const derived = await Promise.all(
    ordered.map(async (kid) => {
      const base = await crypto.subtle.importKey("raw", Buffer.from(parsed.keys[kid] ?? "", "base64"), "HKDF", false, ["deriveKey"]);
      return crypto.subtle.deriveKey(
        { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: new TextEncoder().encode("support-v1") },
        base,
        { name: "HMAC", hash: "SHA-256", length: 256 },
        false,
        ["sign"],
      );
    }),
  );
  keys.set(secret, derived);
  return derived;
}

async function mac(key: CryptoKey, value: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(value)));
}

const hex = (bytes: Uint8Array, chars: number) => Buffer.from(bytes).toString("hex").slice(0, chars);

/** Compares in time independent of where the strings differ. */
function sameText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

async function sign(env: Pick<Env, "PII_KEYS">, purpose: string, id: string, chars: number): Promise<string> {
  const [active] = await ringKeys(env.PII_KEYS);
  if (!active) throw new Error("PII_KEYS has no key");
  return hex(await mac(active, `${purpose}:${id}`), chars);
}

async function verify(env: Pick<Env, "PII_KEYS">, purpose: string, id: string, token: string, chars: number): Promise<boolean> {
  if (token.length !== chars) return false;
  for (const key of await ringKeys(env.PII_KEYS)) {
    if (sameText(hex(await mac(key, `${purpose}:${id}`), chars), token.toLowerCase())) return true;
  }
  return false;
}

/** The token of a guest's ticket link. */
export const ticketToken = (env: Pick<Env, "PII_KEYS">, ticketId: string) => sign(env, "ticket", ticketId, 40);
/** True when `token` opens `ticketId`. */
export const verifyTicketToken = (env: Pick<Env, "PII_KEYS">, ticketId: string, token: string) => verify(env, "ticket", ticketId, token, 40);

/** The token that lets a guest's browser join its chat. */
export const chatToken = (env: Pick<Env, "PII_KEYS">, chatId: string) => sign(env, "chat", chatId, 40);
/** True when `token` is the guest token of `chatId`. */
export const verifyChatToken = (env: Pick<Env, "PII_KEYS">, chatId: string, token: string) => verify(env, "chat", chatId, token, 40);

/** The domain replies go to: SUPPORT_EMAIL_DOMAIN, else the host of PUBLIC_ORIGIN; null when neither is set. */
export function replyDomain(env: Pick<Env, "SUPPORT_EMAIL_DOMAIN" | "PUBLIC_ORIGIN">): string | null {
  if (env.SUPPORT_EMAIL_DOMAIN) return env.SUPPORT_EMAIL_DOMAIN.toLowerCase();
  if (env.PUBLIC_ORIGIN) {
    try {
      return new URL(env.PUBLIC_ORIGIN).hostname.toLowerCase();
    } catch {
      return null;
    }
  }
  return null;
}

/** A ticket's signed reply address (`support+tkt_….<sig>@domain`), or null without a reply domain. */
export async function replyAddress(env: Pick<Env, "PII_KEYS" | "SUPPORT_EMAIL_DOMAIN" | "PUBLIC_ORIGIN">, ticketId: string): Promise<string | null> {
  const domain = replyDomain(env);
  if (!domain) return null;
  return `support+${ticketId}.${await sign(env, "reply", ticketId, 24)}@${domain}`;
}

/** The ticket an inbound address was signed for, or null when it is not a valid reply address. */
export async function ticketOfReplyAddress(env: Pick<Env, "PII_KEYS">, address: string): Promise<string | null> {
  const match = /^support\+(tkt_[0-9a-z]{1,40})\.([0-9a-f]{24})@/i.exec(address.trim());
  if (!match?.[1] || !match[2]) return null;
  const ticketId = match[1].toLowerCase();
  return (await verify(env, "reply", ticketId, match[2], 24)) ? ticketId : null;
}

/** "T-1042": the reference shoppers quote. */
export const referenceOf = (t: { number: number }) => `T-${t.number}`;

/** The ticket page's URL for emails: a guest's carries the signed token; account holders sign in. */
export async function ticketPageUrl(env: Pick<Env, "PII_KEYS">, origin: string, t: { id: string; customerUserId: string | null }): Promise<string> {
  const base = `${origin}/support/tickets/${t.id}`;
  return t.customerUserId ? base : `${base}?token=${await ticketToken(env, t.id)}`;
}
