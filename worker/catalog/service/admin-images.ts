import { type AuditActor, recordAudit } from "../../admin/audit";
import { AppError } from "../../lib/errors";
import { newId } from "../../lib/ids";

/** Largest product picture an admin may upload. */
export const IMAGE_MAX_BYTES = 1024 * 1024;
const KEY_PREFIX = "media:upload:";

/** Raster formats only, recognised by their first bytes (never SVG: it can carry script). */
const FORMATS: { type: string; ext: string; test: (b: Uint8Array) => boolean }[] = [
  { type: "image/png", ext: "png", test: (b) => b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47 },
  { type: "image/jpeg", ext: "jpg", test: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  { type: "image/gif", ext: "gif", test: (b) => b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x38 },
  {
    type: "image/webp",
    ext: "webp",
    test: (b) => String.fromCharCode(...b.slice(0, 4)) === "RIFF" && String.fromCharCode(...b.slice(8, 12)) === "WEBP",
  },
];

/**
 * Stores an uploaded product picture in KV (`CACHE`; R2 is not bound) under a
 * new random name and records the upload in the audit log. Returns the site
 * path that serves it. The bytes decide the format: a PNG, JPEG, GIF or WebP of
 * at most 1 MiB, whatever the client called it.
 */
export async function storeUploadedImage(env: Env, actor: AuditActor, bytes: ArrayBuffer): Promise<{ url: string; type: string; bytes: number }> {
  if (bytes.byteLength === 0) throw new AppError("request.invalid", 400, "The file is empty.", [{ path: "file", message: "Empty file" }]);
  if (bytes.byteLength > IMAGE_MAX_BYTES)
    throw new AppError("request.too_large", 413, "Images may be at most 1 MiB.", [{ path: "file", message: "Larger than 1 MiB" }]);
  const head = new Uint8Array(bytes.slice(0, 12));
  const format = FORMATS.find((f) => f.test(head));
  if (!format)
    throw new AppError("catalog.image_type", 415, "Upload a PNG, JPEG, GIF or WebP picture.", [
      { path: "file", message: "Not a PNG, JPEG, GIF or WebP picture" },
    ]);
  const name = `${newId("img")}.${format.ext}`;
  await env.CACHE.put(KEY_PREFIX + name, bytes, { metadata: { type: format.type } });
  const url = `/api/media/uploads/${name}`;
  await recordAudit(env.DB, actor, { action: "media.upload", entityType: "media", entityId: name, after: { url, type: format.type, bytes: bytes.byteLength } });
  return { url, type: format.type, bytes: bytes.byteLength };
}

/** An uploaded picture and its type, or null. */
export async function readUploadedImage(env: Env, name: string): Promise<{ body: ArrayBuffer; type: string } | null> {
  const found = await env.CACHE.getWithMetadata<{ type: string }>(KEY_PREFIX + name, "arrayBuffer");
  if (!found.value || !found.metadata?.type) return null;
  return { body: found.value, type: found.metadata.type };
}
