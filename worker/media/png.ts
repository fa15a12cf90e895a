// A small PNG reader and writer and an area-averaging resize, enough to turn one uploaded square icon into
// the app's 192 and 512 px icons inside the Worker (no image binding or library is needed). Reads 8-bit,
// non-interlaced PNGs of every colour type; writes 8-bit RGBA. Pure: no bindings.
import { deflateSync, inflateSync } from "node:zlib";

/** Pixels as 8-bit RGBA rows, top to bottom. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Why a file could not be read: the caller turns it into a 400 naming the field. */
export class PngError extends Error {}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = (CRC_TABLE[(c ^ b) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Width and height from the header, without decoding (null when it is not a PNG). */
export function pngSize(bytes: Uint8Array): { width: number; height: number } | null {
  if (bytes.length < 24 || !SIGNATURE.every((x, i) => bytes[i] === x)) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

/**
 * Decodes an 8-bit, non-interlaced PNG (grey, grey+alpha, RGB, RGBA or a palette with optional
 * transparency) into RGBA. Refuses anything larger than `maxSide` on a side before inflating it.
 */
export function decodePng(bytes: Uint8Array, maxSide: number): RgbaImage {
  if (!SIGNATURE.every((x, i) => bytes[i] === x)) throw new PngError("Not a PNG file.");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let width = 0;
  let height = 0;
  let colourType = -1;
  let palette: Uint8Array | null = null;
  let paletteAlpha: Uint8Array | null = null;
  const idat: Uint8Array[] = [];
  for (let at = 8; at + 12 <= bytes.length; ) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    const data = bytes.subarray(at + 8, at + 8 + length);
    if (data.length !== length) throw new PngError("The file is cut short.");
    if (type === "IHDR") {
      width = view.getUint32(at + 8);
      height = view.getUint32(at + 12);
      const depth = bytes[at + 16];
      colourType = bytes[at + 17] ?? -1;
      const interlace = bytes[at + 20];
      if (depth !== 8 || CHANNELS[colourType] === undefined || interlace !== 0)
        throw new PngError("Save the icon as an 8-bit PNG without interlacing (the usual export of image editors).");
      if (width < 1 || height < 1 || width > maxSide || height > maxSide) throw new PngError(`At most ${maxSide} × ${maxSide} pixels.`);
    } else if (type === "PLTE") palette = data;
    else if (type === "tRNS") paletteAlpha = data;
    else if (type === "IDAT") idat.push(data);
    else if (type === "IEND") break;
    at += 12 + length;
  }
  if (!width || !idat.length) throw new PngError("The PNG has no image data.");
  const channels = CHANNELS[colourType] as number;
  const stride = width * channels;
  let raw: Uint8Array;
  try {
    const joined = new Uint8Array(idat.reduce((n, d) => n + d.length, 0));
    let offset = 0;
    for (const d of idat) {
      joined.set(d, offset);
      offset += d.length;
    }
    raw = new Uint8Array(inflateSync(joined, { maxOutputLength: (stride + 1) * height }));
  } catch {
    throw new PngError("The PNG's image data is damaged.");
  }
  if (raw.length < (stride + 1) * height) throw new PngError("The PNG's image data is cut short.");

  // Undo the per-row filters (PNG spec, section 9), in place row by row.
  const pixels = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const row = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const out = pixels.subarray(y * stride, (y + 1) * stride);
    const up = y > 0 ? pixels.subarray((y - 1) * stride, y * stride) : null;
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? (out[i - channels] as number) : 0;
      const b = up ? (up[i] as number) : 0;
      const c = up && i >= channels ? (up[i - channels] as number) : 0;
      const x = row[i] as number;
      let v: number;
      if (filter === 0) v = x;
      else if (filter === 1) v = x + a;
      else if (filter === 2) v = x + b;
      else if (filter === 3) v = x + ((a + b) >> 1);
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        v = x + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
      } else throw new PngError("The PNG uses an unknown row filter.");
      out[i] = v & 0xff;
    }
  }

  const rgba = new Uint8Array(width * height * 4);
  for (let p = 0, q = 0; p < width * height; p++, q += channels) {
    const o = p * 4;
    if (colourType === 6) rgba.set(pixels.subarray(q, q + 4), o);
    else if (colourType === 2) {
      rgba.set(pixels.subarray(q, q + 3), o);
      rgba[o + 3] = 255;
    } else if (colourType === 0 || colourType === 4) {
      const g = pixels[q] as number;
      rgba[o] = g;
      rgba[o + 1] = g;
      rgba[o + 2] = g;
      rgba[o + 3] = colourType === 4 ? (pixels[q + 1] as number) : 255;
    } else {
      const index = pixels[q] as number;
      if (!palette || index * 3 + 2 >= palette.length) throw new PngError("The PNG's palette is missing or too short.");
      rgba.set(palette.subarray(index * 3, index * 3 + 3), o);
      rgba[o + 3] = paletteAlpha && index < paletteAlpha.length ? (paletteAlpha[index] as number) : 255;
    }
  }
  return { width, height, data: rgba };
}

/**
 * Encodes RGBA as an 8-bit PNG with no metadata chunks. Rows are "Sub"-filtered by default, which suits flat
 * icons; `up` suits large pictures whose rows mostly repeat the one above (share cards: cheaper to filter and
 * to compress), and `level` trades size for CPU.
 */
export function encodePng(image: RgbaImage, options: { filter?: "sub" | "up"; level?: number } = {}): Uint8Array {
  const { width, height, data } = image;
  const stride = width * 4;
  const raw = new Uint8Array((stride + 1) * height);
  const up = options.filter === "up";
  for (let y = 0; y < height; y++) {
    raw[y * (stride + 1)] = up ? 2 : 1;
    const row = y * stride;
    const out = y * (stride + 1) + 1;
    if (up) {
      if (y === 0) raw.set(data.subarray(0, stride), out);
      else for (let i = 0; i < stride; i++) raw[out + i] = ((data[row + i] as number) - (data[row - stride + i] as number)) & 0xff;
      continue;
    }
    for (let i = 0; i < stride; i++) {
      const x = data[row + i] as number;
      const a = i >= 4 ? (data[row + i - 4] as number) : 0;
      raw[out + i] = (x - a) & 0xff;
    }
  }
  const header = new Uint8Array(13);
  const hv = new DataView(header.buffer);
  hv.setUint32(0, width);
  hv.setUint32(4, height);
  header.set([8, 6, 0, 0, 0], 8);
  const chunks = [chunk("IHDR", header), chunk("IDAT", new Uint8Array(deflateSync(raw, { level: options.level ?? 9 }))), chunk("IEND", new Uint8Array(0))];
  const out = new Uint8Array(8 + chunks.reduce((n, c) => n + c.length, 0));
  out.set(SIGNATURE, 0);
  let at = 8;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** For each destination index, the source indices it covers and how much of each (area averaging). */
function coverage(from: number, to: number): Array<Array<[number, number]>> {
  const scale = from / to;
  return Array.from({ length: to }, (_, d) => {
    const x0 = d * scale;
    const x1 = (d + 1) * scale;
    const taps: Array<[number, number]> = [];
    for (let s = Math.floor(x0); s < Math.min(from, Math.ceil(x1)); s++) {
      const w = Math.min(s + 1, x1) - Math.max(s, x0);
      if (w > 0) taps.push([s, w / scale]);
    }
    return taps;
  });
}

/**
 * Shrinks (or keeps) an image to `size` × `size` by averaging the source pixels each destination pixel
 * covers, with alpha premultiplied so transparent pixels never darken an edge. Answers premultiplied
 * floating-point RGBA (0–255), for `compose`.
 */
function resizePremultiplied(image: RgbaImage, size: number): Float32Array {
  const { width, height, data } = image;
  const cols = coverage(width, size);
  const rows = coverage(height, size);
  const horizontal = new Float32Array(height * size * 4);
  for (let y = 0; y < height; y++) {
    for (let dx = 0; dx < size; dx++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (const [sx, w] of cols[dx] as Array<[number, number]>) {
        const o = (y * width + sx) * 4;
        const alpha = ((data[o + 3] as number) / 255) * w;
        r += (data[o] as number) * alpha;
        g += (data[o + 1] as number) * alpha;
        b += (data[o + 2] as number) * alpha;
        a += alpha;
      }
      const o = (y * size + dx) * 4;
      horizontal[o] = r;
      horizontal[o + 1] = g;
      horizontal[o + 2] = b;
      horizontal[o + 3] = a * 255;
    }
  }
  const out = new Float32Array(size * size * 4);
  for (let dy = 0; dy < size; dy++) {
    for (const [sy, w] of rows[dy] as Array<[number, number]>) {
      for (let x = 0; x < size; x++) {
        const s = (sy * size + x) * 4;
        const o = (dy * size + x) * 4;
        for (let k = 0; k < 4; k++) out[o + k] = (out[o + k] as number) + (horizontal[s + k] as number) * w;
      }
    }
  }
  return out;
}

/** Premultiplied floats back to straight 8-bit RGBA. */
function toRgba(pre: Float32Array, size: number): RgbaImage {
  const data = new Uint8Array(size * size * 4);
  for (let i = 0; i < size * size; i++) {
    const a = pre[i * 4 + 3] as number;
    data[i * 4 + 3] = Math.round(Math.min(255, a));
    for (let k = 0; k < 3; k++) data[i * 4 + k] = a > 0 ? Math.round(Math.min(255, ((pre[i * 4 + k] as number) * 255) / a)) : 0;
  }
  return { width: size, height: size, data };
}

/** The image shrunk to `size` × `size`, transparency kept ("any" purpose icons). */
export function resizeSquare(image: RgbaImage, size: number): RgbaImage {
  return toRgba(resizePremultiplied(image, size), size);
}

/**
 * A maskable icon: the image shrunk to `safeShare` of the side, centred on an opaque `background`
 * (#rrggbb), so launchers may crop the square to a circle or squircle without cutting into it.
 */
export function maskableIcon(image: RgbaImage, size: number, background: string, safeShare = 0.8): RgbaImage {
  const bg = [1, 3, 5].map((i) => Number.parseInt(background.slice(i, i + 2), 16) || 0) as [number, number, number];
  const inner = Math.max(1, Math.round(size * safeShare));
  const offset = Math.floor((size - inner) / 2);
  const content = resizePremultiplied(image, inner);
  const data = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const o = (y * size + x) * 4;
      const cx = x - offset;
      const cy = y - offset;
      const inside = cx >= 0 && cy >= 0 && cx < inner && cy < inner;
      const s = (cy * inner + cx) * 4;
      const alpha = inside ? (content[s + 3] as number) / 255 : 0;
      for (let k = 0; k < 3; k++) {
        const over = inside ? (content[s + k] as number) : 0;
        data[o + k] = Math.round(Math.min(255, over + (bg[k] as number) * (1 - alpha)));
      }
      data[o + 3] = 255;
    }
  }
  return { width: size, height: size, data };
}
