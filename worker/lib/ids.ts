/** A prefixed opaque id such as `usr_3k9x…` (128 random bits, base32-ish). */
export function newId(prefix: string): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let out = "";
  for (const b of bytes) out += "0123456789abcdefghjkmnpqrstvwxyz"[b & 31];
  return `${prefix}_${out}`;
}
