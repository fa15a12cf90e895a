// Time-based one-time codes (RFC 6238: HMAC-SHA1, 6 digits, 30-second steps, as every authenticator app
// reads them) over WebCrypto. The Worker needs three things: a new key, its otpauth:// URI, and which time step
// a typed code belongs to.

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
export const TOTP_PERIOD_SECONDS = 30;
const DIGITS = 6;

/** Bytes as RFC 4648 Base32, without padding (what authenticator apps take). */
export function base32Encode(bytes: Uint8Array): string {
  let out = "";
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

/** Base32 (any case, spaces and padding ignored) as bytes; throws on a character outside the alphabet. */
export function base32Decode(text: string): Uint8Array<ArrayBuffer> {
  const clean = text.toUpperCase().replace(/[\s=]/g, "");
  const out = new Uint8Array(Math.floor((clean.length * 5) / 8));
  let bits = 0;
  let value = 0;
  let at = 0;
  for (const ch of clean) {
    const v = BASE32.indexOf(ch);
    if (v < 0) throw new Error(`not Base32: ${ch}`);
    value = (value << 5) | v;
    bits += 5;
    if (bits >= 8) {
      out[at++] = (value >>> (bits - 8)) & 255;
      bits -= 8;
    }
  }
  return out;
}

/** A fresh 160-bit key, Base32 (RFC 4226 recommends 160 bits for HMAC-SHA1). */
export const newTotpSecret = (): string => base32Encode(crypto.getRandomValues(new Uint8Array(20)));

/** The key as an otpauth:// URI ("Issuer:label", the issuer again as a parameter), for a QR code or a link. */
export function totpUri(o: { issuer: string; label: string; secret: string }): string {
  const e = encodeURIComponent;
  return `otpauth://totp/${e(o.issuer)}:${e(o.label)}?issuer=${e(o.issuer)}&secret=${o.secret}&algorithm=SHA1&digits=${DIGITS}&period=${TOTP_PERIOD_SECONDS}`;
}

/** The code of one time step (RFC 4226 dynamic truncation of HMAC-SHA1 over the step as 8 bytes). */
async function codeAt(key: CryptoKey, step: number): Promise<string> {
  const counter = new DataView(new ArrayBuffer(8));
  counter.setUint32(0, Math.floor(step / 2 ** 32));
  counter.setUint32(4, step >>> 0);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, counter.buffer));
  const offset = (mac[19] as number) & 15;
  const n = new DataView(mac.buffer).getUint32(offset) & 0x7fffffff;
  return String(n % 10 ** DIGITS).padStart(DIGITS, "0");
}

/**
 * The time step `code` belongs to, within `window` steps either side of the step of `now` (clock drift), or
 * null. Every candidate step is computed, so the time taken does not say which one matched.
 */
export async function totpStep(secret: string, code: string, now: number, window = 1): Promise<number | null> {
  if (!new RegExp(`^\\d{${DIGITS}}$`).test(code)) return null;
  const key = await crypto.subtle.importKey("raw", base32Decode(secret), { name: "HMAC", hash: "SHA-1" }, false, ["sign"]);
  const current = Math.floor(now / 1000 / TOTP_PERIOD_SECONDS);
  // The current step first, then outwards (as otpauth does): a code that two steps share counts as the nearest.
  const deltas = [0];
  for (let d = 1; d <= window; d++) deltas.push(-d, d);
  let found: number | null = null;
  for (const delta of deltas) {
    const candidate = await codeAt(key, current + delta);
    let diff = 0;
    for (let i = 0; i < DIGITS; i++) diff |= candidate.charCodeAt(i) ^ code.charCodeAt(i);
    if (diff === 0 && found === null) found = current + delta;
  }
  return found;
}

/** The current code of a key (`npm run totp`, for a local store without an authenticator app). */
export async function totpCode(secret: string, now = Date.now()): Promise<string> {
  const key = await crypto.subtle.importKey("raw", base32Decode(secret), { name: "HMAC", hash: "SHA-1" }, false, ["sign"]);
  return codeAt(key, Math.floor(now / 1000 / TOTP_PERIOD_SECONDS));
}
