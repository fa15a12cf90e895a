/**
 * Uploaded pictures in the `MEDIA` R2 bucket, under content-addressed keys:
 * `uploads/<sha-256 of the bytes>.<ext>`. A key's bytes never change, so the
 * picture is served as immutable and the hash is its ETag; uploading the same
 * bytes twice stores one object.
 */

export interface ImageFormat {
  type: string;
  ext: string;
}

const ascii = (b: Uint8Array, from: number, to: number) => String.fromCharCode(...b.slice(from, to));

/** ISO-BMFF `ftyp` box naming an AVIF brand (major or compatible). */
function isAvif(b: Uint8Array): boolean {
  if (ascii(b, 4, 8) !== "ftyp") return false;
  const size = Math.min(((b[0] ?? 0) << 24) | ((b[1] ?? 0) << 16) | ((b[2] ?? 0) << 8) | (b[3] ?? 0), b.length);
  for (let at = 8; at + 4 <= size; at += 4) {
    if (at === 12) continue; // minor version, not a brand
    const brand = ascii(b, at, at + 4);
    if (brand === "avif" || brand === "avis") return true;
  }
  return false;
}

/** Raster formats only, recognised by their first bytes (never SVG: it can carry script). */
const FORMATS: (ImageFormat & { test: (b: Uint8Array) => boolean })[] = [
  { type: "image/png", ext: "png", test: (b) => [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a].every((x, i) => b[i] === x) },
  { type: "image/jpeg", ext: "jpg", test: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  { type: "image/gif", ext: "gif", test: (b) => ascii(b, 0, 6) === "GIF87a" || ascii(b, 0, 6) === "GIF89a" },
  { type: "image/webp", ext: "webp", test: (b) => ascii(b, 0, 4) === "RIFF" && ascii(b, 8, 12) === "WEBP" },
  { type: "image/avif", ext: "avif", test: isAvif },
];

/** The content types an upload may be sent as (the bytes still decide). */
export const UPLOAD_TYPES = FORMATS.map((f) => f.type);

const TYPE_BY_EXT = new Map(FORMATS.map((f) => [f.ext, f.type]));

/** The picture format the bytes start with, or null (SVG, HTML, anything else). */
export function sniffImageFormat(bytes: ArrayBuffer): ImageFormat | null {
  const head = new Uint8Array(bytes.slice(0, 64));
  const found = FORMATS.find((f) => f.test(head));
  return found ? { type: found.type, ext: found.ext } : null;
}

/** A served upload's file name: 64 hex digits and a known extension. */
export const UPLOAD_FILE = /^[0-9a-f]{64}\.(png|jpg|gif|webp|avif)$/;

/** Cache lifetime for content-addressed pictures: a year, never revalidated. */
export const IMMUTABLE = "public, max-age=31536000, immutable";

/**
 * Writes the picture under its content hash unless that object exists already
 * (private photos are always written), and answers its file name
 * (`<sha256>.<ext>`). The caller has checked the format.
 */
export async function putUpload(
  env: Env,
  bytes: ArrayBuffer,
  format: ImageFormat,
  prefix: "uploads/" | "private/" = "uploads/",
): Promise<{ file: string; key: string; stored: boolean }> {
  const hash = [...new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))].map((x) => x.toString(16).padStart(2, "0")).join("");
  const file = `${hash}.${format.ext}`;
  const key = `${prefix}${file}`;
  // Private photos are written again even when present: the write makes the object young, so the daily sweep of
  // unattached private photos (which removes only old ones) cannot take one that is being attached right now.
  if (prefix === "uploads/" && (await env.MEDIA.head(key))) return { file, key, stored: false };
  await env.MEDIA.put(key, bytes, {
    httpMetadata: { contentType: format.type, cacheControl: IMMUTABLE },
    sha256: hash,
  });
  return { file, key, stored: true };
}

/** The stored object of an upload's file name (already matched against `UPLOAD_FILE`), or null. */
export async function getUpload(env: Env, file: string): Promise<{ body: ReadableStream; type: string; size: number } | null> {
  const object = await env.MEDIA.get(`uploads/${file}`);
  if (!object) return null;
  const type = TYPE_BY_EXT.get(file.slice(file.lastIndexOf(".") + 1)) ?? "application/octet-stream";
  return { body: object.body, type, size: object.size };
}
