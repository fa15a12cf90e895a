import { type AuditActor, recordAudit } from "../lib/audit";
import { AppError } from "../lib/errors";
import { type AppIcons, setAppIcons, storefrontSettings } from "../store";
import { stripImageMetadata } from "./metadata";
import { decodePng, encodePng, maskableIcon, PngError, pngSize, resizeSquare } from "./png";
import { putUpload, sniffImageFormat } from "./store";

/** Largest product picture an admin may upload. */
export const IMAGE_MAX_BYTES = 5 * 1024 * 1024;
const LEGACY_KEY_PREFIX = "media:upload:";

/**
 * Stores an uploaded product picture in the `MEDIA` R2 bucket under the
 * sha-256 of its bytes and records the upload in the audit log. Returns the
 * site path that serves it (`/media/uploads/<sha256>.<ext>`). The bytes decide
 * the format: a PNG, JPEG, GIF, WebP or AVIF of at most 5 MiB, whatever the
 * client called it; SVG and everything else is refused (415).
 */
export async function storeUploadedImage(env: Env, actor: AuditActor, bytes: ArrayBuffer): Promise<{ url: string; type: string; bytes: number }> {
  if (bytes.byteLength === 0) throw new AppError("request.invalid", 400, "The file is empty.", [{ path: "file", message: "Empty file" }]);
  if (bytes.byteLength > IMAGE_MAX_BYTES)
    throw new AppError("request.too_large", 413, "Images may be at most 5 MiB.", [{ path: "file", message: "Larger than 5 MiB" }]);
  const format = sniffImageFormat(bytes);
  if (!format)
    throw new AppError("catalog.image_type", 415, "Upload a PNG, JPEG, GIF, WebP or AVIF picture (SVG is not accepted).", [
      { path: "file", message: "Not a PNG, JPEG, GIF, WebP or AVIF picture" },
    ]);
  const { file } = await putUpload(env, bytes, format);
  const url = `/media/uploads/${file}`;
  await recordAudit(env.DB, actor, { action: "media.upload", entityType: "media", entityId: file, after: { url, type: format.type, bytes: bytes.byteLength } });
  return { url, type: format.type, bytes: bytes.byteLength };
}

/** The formats a shopper's photo may have: those whose metadata `stripImageMetadata` can remove. */
export const SHOPPER_PHOTO_TYPES = ["image/jpeg", "image/png", "image/webp"];

/**
 * Stores a shopper's photo (a review picture) in the media bucket like a staff upload, but only as JPEG,
 * PNG or WebP (decided from the bytes, 415 otherwise) and with its metadata removed first (EXIF with GPS
 * position and camera serial, XMP, comments), so what is published is the picture alone. Not audited:
 * the caller rate-limits shoppers.
 */
export async function storeShopperPhoto(env: Env, bytes: ArrayBuffer): Promise<{ url: string; type: string; bytes: number }> {
  const { stripped, format } = checkShopperPhoto(bytes, "file");
  const { file } = await putUpload(env, stripped, format);
  return { url: `/media/uploads/${file}`, type: format.type, bytes: stripped.byteLength };
}

/** The checks of a shopper's photo (size, JPEG/PNG/WebP by its bytes), with its metadata removed; `path` names the field in errors. */
function checkShopperPhoto(bytes: ArrayBuffer, path: string) {
  if (bytes.byteLength === 0) throw new AppError("request.invalid", 400, "The file is empty.", [{ path, message: "Empty file" }]);
  if (bytes.byteLength > IMAGE_MAX_BYTES)
    throw new AppError("request.too_large", 413, "Photos may be at most 5 MiB.", [{ path, message: "Larger than 5 MiB" }]);
  const format = sniffImageFormat(bytes);
  const stripped = format && SHOPPER_PHOTO_TYPES.includes(format.type) ? stripImageMetadata(bytes, format.type) : null;
  if (!format || !stripped)
    throw new AppError("media.photo_type", 415, "Upload a JPEG, PNG or WebP photo.", [{ path, message: "Not a JPEG, PNG or WebP picture" }]);
  return { stripped, format };
}

/**
 * Stores a shopper's photo that only the shopper and staff may see (a return's evidence): the same checks
 * and metadata removal as `storeShopperPhoto`, but kept under the `private/` prefix of the bucket, which no
 * public route serves. Answers the object key; the owning domain records it and decides who may read it.
 * `path` names the form field in a refusal (`photos.1`).
 */
export async function storePrivatePhoto(env: Env, bytes: ArrayBuffer, path = "file"): Promise<{ key: string; type: string; bytes: number }> {
  const { stripped, format } = checkShopperPhoto(bytes, path);
  const { key } = await putUpload(env, stripped, format, "private/");
  return { key, type: format.type, bytes: stripped.byteLength };
}

/** A private photo's bytes by the key `storePrivatePhoto` answered, or null. The caller has checked who is asking. */
export async function readPrivatePhoto(env: Env, key: string): Promise<{ body: ReadableStream; type: string; size: number } | null> {
  if (!/^private\/[0-9a-f]{64}\.(png|jpg|webp)$/.test(key)) return null;
  const object = await env.MEDIA.get(key);
  if (!object) return null;
  return { body: object.body, type: object.httpMetadata?.contentType ?? "application/octet-stream", size: object.size };
}

/**
 * Tells which of the given private keys an owning domain still refers to (the domain that recorded them).
 * Registered by later domains, since media cannot read their tables.
 */
export type PrivatePhotoOwner = (env: Env, keys: string[]) => Promise<Iterable<string>>;
const privatePhotoOwners: PrivatePhotoOwner[] = [];

/** Adds a domain that keeps private photos; the sweep keeps every key any owner still refers to. */
export function registerPrivatePhotoOwner(owner: PrivatePhotoOwner): void {
  privatePhotoOwners.push(owner);
}

/** How old an unreferenced private photo must be before the sweep removes it. */
export const ORPHAN_PHOTO_AGE_MS = 24 * 60 * 60 * 1000;
const SWEEP_PAGE = 500;

/**
 * Removes private photos that no owner refers to and that were written more than `ORPHAN_PHOTO_AGE_MS` before
 * `now`: uploads whose request failed after the bytes were stored (the row that would point at them was never
 * written). Run by the daily cron. Young objects are left alone, since a request may be between storing a photo
 * and committing its row; a key is checked again just before it is deleted, because a new upload of the same
 * bytes rewrites it (`putUpload`) and makes it young. With no owner registered nothing is removed. At most
 * `maxPages` listing pages per run; the next run goes on.
 */
export async function sweepOrphanPrivatePhotos(env: Env, now = Date.now(), maxPages = 20): Promise<{ checked: number; removed: number }> {
  if (privatePhotoOwners.length === 0) return { checked: 0, removed: 0 };
  const cutoff = now - ORPHAN_PHOTO_AGE_MS;
  let checked = 0;
  let removed = 0;
  let cursor: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    const listed = await env.MEDIA.list({ prefix: "private/", limit: SWEEP_PAGE, ...(cursor ? { cursor } : {}) });
    checked += listed.objects.length;
    const old = listed.objects.filter((o) => o.uploaded.getTime() < cutoff).map((o) => o.key);
    if (old.length) {
      const referenced = new Set<string>();
      for (const owner of privatePhotoOwners) for (const key of await owner(env, old)) referenced.add(key);
      const orphans: string[] = [];
      for (const key of old) {
        if (referenced.has(key)) continue;
        const head = await env.MEDIA.head(key);
        if (head && head.uploaded.getTime() < cutoff) orphans.push(key);
      }
      if (orphans.length) {
        await env.MEDIA.delete(orphans);
        removed += orphans.length;
      }
    }
    if (!listed.truncated) break;
    cursor = listed.cursor;
  }
  return { checked, removed };
}

/**
 * A picture uploaded before uploads moved to R2 (stored in KV `CACHE` under
 * `media:upload:img_….ext`), or null. Kept so products that still point at
 * `/api/media/uploads/…` go on showing their pictures; nothing writes there now.
 */
export async function readLegacyUploadedImage(env: Env, name: string): Promise<{ body: ArrayBuffer; type: string } | null> {
  const found = await env.CACHE.getWithMetadata<{ type: string }>(LEGACY_KEY_PREFIX + name, "arrayBuffer");
  if (!found.value || !found.metadata?.type) return null;
  return { body: found.value, type: found.metadata.type };
}

/** The smallest and largest side of an uploaded app icon (the largest icon made is 512 px; 2048 px of RGBA is 16 MiB). */
export const APP_ICON_MIN_SIDE = 512;
export const APP_ICON_MAX_SIDE = 2048;

/**
 * Makes the installable app's icons from one uploaded square PNG (512 to 2048 px a side, at most 5 MiB):
 * 192 and 512 px "any" icons with its transparency, and 192 and 512 px maskable icons with the picture in
 * the central 80% on the app's background colour. Each is re-encoded (no metadata survives), stored
 * content-addressed in the media bucket, and the storefront settings point the manifest at them (audited).
 * Refusals name the field `file`: 415 for anything that is not a PNG by its bytes, 400 for a PNG that is
 * not square, too small or too large, or that this reader cannot decode (16-bit, interlaced).
 */
export async function uploadAppIcon(env: Env, actor: AuditActor, bytes: ArrayBuffer): Promise<AppIcons> {
  const file = (message: string, status: 400 | 413 | 415 = 400, code = "media.icon_invalid") =>
    new AppError(code, status, message, [{ path: "file", message }]);
  if (bytes.byteLength === 0) throw file("The file is empty.");
  if (bytes.byteLength > IMAGE_MAX_BYTES) throw file("Icons may be at most 5 MiB.", 413, "request.too_large");
  if (sniffImageFormat(bytes)?.type !== "image/png") throw file("Upload the icon as a PNG.", 415, "media.icon_type");
  const head = new Uint8Array(bytes);
  const size = pngSize(head);
  if (!size) throw file("Upload the icon as a PNG.", 415, "media.icon_type");
  if (size.width !== size.height) throw file(`The icon must be square; this one is ${size.width} × ${size.height} pixels.`);
  if (size.width < APP_ICON_MIN_SIDE) throw file(`The icon must be at least ${APP_ICON_MIN_SIDE} × ${APP_ICON_MIN_SIDE} pixels; this one is ${size.width}.`);
  if (size.width > APP_ICON_MAX_SIDE) throw file(`The icon may be at most ${APP_ICON_MAX_SIDE} × ${APP_ICON_MAX_SIDE} pixels; this one is ${size.width}.`);
  let image: ReturnType<typeof decodePng>;
  try {
    image = decodePng(head, APP_ICON_MAX_SIDE);
  } catch (error) {
    if (error instanceof PngError) throw file(error.message);
    throw error;
  }
  const { backgroundColor } = await storefrontSettings(env);
  const made = {
    any192: resizeSquare(image, 192),
    any512: resizeSquare(image, 512),
    maskable192: maskableIcon(image, 192, backgroundColor),
    maskable512: maskableIcon(image, 512, backgroundColor),
  };
  const png = { type: "image/png", ext: "png" };
  const icons = {} as AppIcons;
  for (const [name, icon] of Object.entries(made) as [keyof AppIcons, (typeof made)[keyof AppIcons]][]) {
    const encoded = encodePng(icon);
    const { file: stored } = await putUpload(env, encoded.buffer.slice(encoded.byteOffset, encoded.byteOffset + encoded.byteLength) as ArrayBuffer, png);
    icons[name] = `/media/uploads/${stored}`;
  }
  await setAppIcons(env, actor, icons);
  return icons;
}

/** Back to the icons built with the site (the uploaded ones stay in the bucket: their addresses never change meaning). Audited. */
export async function resetAppIcon(env: Env, actor: AuditActor): Promise<null> {
  await setAppIcons(env, actor, null);
  return null;
}
