/**
 * AES-256-GCM for personal data at rest (phone numbers, addresses).
 *
 * Keys come from the `PII_KEYS` secret: `{"active":"k2","keys":{"k2":"<base64 32 bytes>","k1":"…"}}`.
 * Ciphertexts are `<kid>.<iv>.<data>` (base64url), so old rows stay readable
 * after a new active key is added, and can be re-encrypted at leisure.
 * `context` is bound as additional data: a ciphertext copied to another
 * user's row fails to decrypt.
 */
interface KeyRing {
  active: string;
  keys: Map<string, CryptoKey>;
}

// Settled key rings only: a promise would tie every request to the one that started the import.
const rings = new Map<string, KeyRing>();

function b64url(bytes: ArrayBuffer | Uint8Array): string {
  return Buffer.from(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes)).toString("base64url");
}

async function loadRing(secret: string | undefined): Promise<KeyRing> {
  if (!secret) throw new Error("PII_KEYS is not configured");
  let ring = rings.get(secret);
  if (!ring) {
    ring = await (async () => {
      const parsed = JSON.parse(secret) as { active: string; keys: Record<string, string> };
      const keys = new Map<string, CryptoKey>();
      for (const [kid, raw] of Object.entries(parsed.keys)) {
        const bytes = Buffer.from(raw, "base64");
        if (bytes.length !== 32) throw new Error(`PII key ${kid} is not 32 bytes`);
        keys.set(kid, await crypto.subtle.importKey("raw", bytes, "AES-GCM", false, ["encrypt", "decrypt"]));
      }
      if (!keys.has(parsed.active)) throw new Error("PII_KEYS.active names no key");
      return { active: parsed.active, keys };
    })();
    rings.set(secret, ring);
  }
  return ring;
}

export async function encryptPii(secret: string | undefined, plaintext: string, context: string): Promise<string> {
  const ring = await loadRing(secret);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const data = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: new TextEncoder().encode(context) },
    ring.keys.get(ring.active) as CryptoKey,
    new TextEncoder().encode(plaintext),
  );
  return `${ring.active}.${b64url(iv)}.${b64url(data)}`;
}

export async function decryptPii(secret: string | undefined, ciphertext: string, context: string): Promise<string> {
  const ring = await loadRing(secret);
  const [kid, iv, data] = ciphertext.split(".");
  const key = kid ? ring.keys.get(kid) : undefined;
  if (!key || !iv || !data) throw new Error("unreadable ciphertext");
  const plain = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: Buffer.from(iv, "base64url"), additionalData: new TextEncoder().encode(context) },
    key,
    Buffer.from(data, "base64url"),
  );
  return new TextDecoder().decode(plain);
}
