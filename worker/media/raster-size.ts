// The pixel size of an uploaded PNG or JPEG, read from its header: Open Graph wants a picture's real width,
// height and type, and only these two formats render in every network's link preview.

/** A raster picture's type and size as its header states them. */
export interface RasterSize {
  type: "image/png" | "image/jpeg";
  width: number;
  height: number;
}

/** PNG: the IHDR chunk right after the signature. JPEG: the first start-of-frame marker. Null for anything else. */
export function rasterSize(bytes: Uint8Array): RasterSize | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length >= 24 && png.every((x, i) => bytes[i] === x) && String.fromCharCode(...bytes.subarray(12, 16)) === "IHDR") {
    const width = view.getUint32(16);
    const height = view.getUint32(20);
    return width > 0 && height > 0 ? { type: "image/png", width, height } : null;
  }
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) return null;
  let at = 2;
  while (at + 4 <= bytes.length) {
    if (bytes[at] !== 0xff) return null;
    const marker = bytes[at + 1] as number;
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2; // markers without a length
      continue;
    }
    const length = view.getUint16(at + 2);
    // SOF0–SOF15 except DHT (C4), JPG (C8) and DAC (CC): precision, height, width.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (at + 9 > bytes.length) return null;
      const height = view.getUint16(at + 5);
      const width = view.getUint16(at + 7);
      return width > 0 && height > 0 ? { type: "image/jpeg", width, height } : null;
    }
    if (marker === 0xda || marker === 0xd9) return null; // image data before any frame header
    at += 2 + length;
  }
  return null;
}

/** Enough of a file to reach a JPEG's frame header past large EXIF or ICC segments. */
const HEAD_BYTES = 256 * 1024;
// Uploads are content addressed (the name is the hash of the bytes), so a size, once read, is right forever.
const known = new Map<string, RasterSize | null>();
const KNOWN_MAX = 2000;

/**
 * The type and size of an uploaded picture (`/media/uploads/<sha256>.<png|jpg>`), read from the head of its
 * R2 object and kept per isolate; null for other paths, other formats and missing objects.
 */
export async function uploadedRasterSize(env: Env, url: string): Promise<RasterSize | null> {
  const match = /\/media\/uploads\/([0-9a-f]{64}\.(?:png|jpg))$/.exec(url);
  if (!match) return null;
  const file = match[1] as string;
  if (known.has(file)) return known.get(file) ?? null;
  const object = await env.MEDIA.get(`uploads/${file}`, { range: { offset: 0, length: HEAD_BYTES } });
  if (!object) return null; // not remembered: the upload may still arrive
  const size = rasterSize(new Uint8Array(await object.arrayBuffer()));
  if (known.size >= KNOWN_MAX) known.clear();
  known.set(file, size);
  return size;
}
