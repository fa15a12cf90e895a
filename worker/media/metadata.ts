/**
 * Removes what a camera or editor writes beside the picture itself: EXIF (GPS position, camera serial,
 * time), XMP, IPTC, comments and text chunks. Shoppers' photos are published, so none of that may go
 * with them. Works on the container only (no decoding): JPEG segments, PNG chunks, WebP RIFF chunks.
 * Answers null when the bytes do not parse as the format claims (the caller refuses the upload).
 */
export function stripImageMetadata(bytes: ArrayBuffer, type: string): ArrayBuffer | null {
  const b = new Uint8Array(bytes);
  if (type === "image/jpeg") return stripJpeg(b);
  if (type === "image/png") return stripPng(b);
  if (type === "image/webp") return stripWebp(b);
  return null;
}

function concat(parts: Uint8Array[]): ArrayBuffer {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out.buffer;
}

/** JPEG: keep SOI, JFIF (APP0), Adobe (APP14, colour transform) and every non-APP segment; drop APP1–13, APP15 and COM. */
function stripJpeg(b: Uint8Array): ArrayBuffer | null {
  if (b[0] !== 0xff || b[1] !== 0xd8) return null;
  const parts: Uint8Array[] = [b.subarray(0, 2)];
  let at = 2;
  while (at + 4 <= b.length) {
    if (b[at] !== 0xff) return null;
    const marker = b[at + 1] as number;
    if (marker === 0xff) {
      at += 1; // fill byte
      continue;
    }
    // Start of scan: the entropy-coded image and everything after it are kept as they are.
    if (marker === 0xda) {
      parts.push(b.subarray(at));
      return concat(parts);
    }
    const length = ((b[at + 2] as number) << 8) | (b[at + 3] as number);
    if (length < 2 || at + 2 + length > b.length) return null;
    const isApp = marker >= 0xe0 && marker <= 0xef;
    const keep = (!isApp && marker !== 0xfe) || marker === 0xe0 || marker === 0xee;
    if (keep) parts.push(b.subarray(at, at + 2 + length));
    at += 2 + length;
  }
  return null;
}

const PNG_DROP = new Set(["tEXt", "zTXt", "iTXt", "eXIf", "tIME"]);

/** PNG: drop text, EXIF and time chunks; keep everything the picture needs. */
function stripPng(b: Uint8Array): ArrayBuffer | null {
  const parts: Uint8Array[] = [b.subarray(0, 8)];
  let at = 8;
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  while (at + 12 <= b.length) {
    const length = view.getUint32(at);
    const kind = String.fromCharCode(...b.subarray(at + 4, at + 8));
    const end = at + 12 + length;
    if (end > b.length) return null;
    if (!PNG_DROP.has(kind)) parts.push(b.subarray(at, end));
    at = end;
    if (kind === "IEND") return concat(parts);
  }
  return null;
}

/** WebP: drop the EXIF and XMP chunks and clear their flags in the VP8X header; fix the RIFF size. */
function stripWebp(b: Uint8Array): ArrayBuffer | null {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const parts: Uint8Array[] = [];
  let at = 12;
  while (at + 8 <= b.length) {
    const kind = String.fromCharCode(...b.subarray(at, at + 4));
    const size = view.getUint32(at + 4, true);
    const end = at + 8 + size + (size % 2);
    if (at + 8 + size > b.length) return null;
    if (kind === "VP8X") {
      const chunk = b.slice(at, Math.min(end, b.length));
      chunk[8] = (chunk[8] as number) & ~0x0c; // EXIF (0x08) and XMP (0x04) present flags
      parts.push(chunk);
    } else if (kind !== "EXIF" && kind !== "XMP ") parts.push(b.subarray(at, Math.min(end, b.length)));
    at = end;
  }
  const body = new Uint8Array(concat(parts));
  const out = new Uint8Array(12 + body.length);
  out.set(b.subarray(0, 12));
  new DataView(out.buffer).setUint32(4, 4 + body.length, true);
  out.set(body, 12);
  return out.buffer;
}
