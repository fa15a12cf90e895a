/**
 * Entity tags (RFC 9110 §8.8.3): a strong tag names exact bytes, so a client or cache holding the tag holds
 * those bytes, and a revalidation (`If-None-Match`) can be answered 304 without sending them again.
 */

/** A strong tag for these bytes: the first 16 bytes of their SHA-256, base64url, quoted. */
export async function entityTagOf(bytes: BufferSource): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return `"${Buffer.from(digest, 0, 16).toString("base64url")}"`;
}

/**
 * True when an `If-None-Match` header names this tag (or is `*`). The comparison is the weak one the header
 * calls for: `W/"x"` matches `"x"`, since a cache in between (Cloudflare's, when it compresses) may weaken a
 * strong tag.
 */
export function ifNoneMatchHits(ifNoneMatch: string | null | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  const opaque = etag.replace(/^W\//, "");
  return ifNoneMatch.split(",").some((t) => {
    const tag = t.trim().replace(/^W\//, "");
    return tag === "*" || tag === opaque;
  });
}
