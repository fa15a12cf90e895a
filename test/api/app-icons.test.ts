import { env } from "cloudflare:workers";
import { deflateSync } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import { decodePng, pngSize } from "../../worker/media/png";
import { storefrontSettings, storeSettings } from "../../worker/store";
import { BUILT_IN_ICONS, webManifest } from "../../site/lib/pwa";
import { call, json } from "../support/http";
import { type Caller, signIn } from "../support/staff";

// The app icon upload: one square PNG in, four PNG icons out (stored in the media bucket), and the web app
// manifest pointing at them. The pictures are written here with an encoder of the test's own that uses
// every PNG row filter, so the store's reader is checked against more than its own writer.

const CRC = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc = (b: Uint8Array) => {
  let c = 0xffffffff;
  for (const x of b) c = (CRC[(c ^ x) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, data.length);
  out.set(new TextEncoder().encode(type), 4);
  out.set(data, 8);
  v.setUint32(8 + data.length, crc(out.subarray(4, 8 + data.length)));
  return out;
}

/** A PNG of `width` × `height` whose pixel colour `paint` gives (RGB or RGBA), rows filtered with filter y mod 5. */
function png(width: number, height: number, paint: (x: number, y: number) => number[], opts: { alpha?: boolean; depth?: number } = {}): ArrayBuffer {
  const channels = opts.alpha ? 4 : 3;
  const stride = width * channels;
  const rows: Uint8Array[] = [];
  for (let y = 0; y < height; y++) {
    const row = new Uint8Array(stride);
    for (let x = 0; x < width; x++) row.set(paint(x, y).slice(0, channels), x * channels);
    rows.push(row);
  }
  const raw = new Uint8Array((stride + 1) * height);
  rows.forEach((row, y) => {
    const filter = y % 5;
    const up = y > 0 ? (rows[y - 1] as Uint8Array) : new Uint8Array(stride);
    raw[y * (stride + 1)] = filter;
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? (row[i - channels] as number) : 0;
      const b = up[i] as number;
      const c = i >= channels ? (up[i - channels] as number) : 0;
      const p = a + b - c;
      const paeth = Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c;
      const predictor = [0, a, b, (a + b) >> 1, paeth][filter] as number;
      raw[y * (stride + 1) + 1 + i] = ((row[i] as number) - predictor) & 0xff;
    }
  });
  const header = new Uint8Array(13);
  const hv = new DataView(header.buffer);
  hv.setUint32(0, width);
  hv.setUint32(4, height);
  header.set([opts.depth ?? 8, opts.alpha ? 6 : 2, 0, 0, 0], 8);
  const parts = [
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", new Uint8Array(deflateSync(raw))),
    chunk("IEND", new Uint8Array()),
  ];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out.buffer;
}

/** A red disc on a transparent square: what is kept, cropped and padded is easy to check. */
const disc = (size: number) =>
  png(size, size, (x, y) => ((x - size / 2) ** 2 + (y - size / 2) ** 2 < (size * 0.3) ** 2 ? [220, 30, 40, 255] : [0, 0, 0, 0]), { alpha: true });

const upload = (headers: Record<string, string>, body: ArrayBuffer | string, type = "image/png") =>
  call("/api/admin/settings/app-icon", { method: "PUT", headers: { ...headers, "Content-Type": type }, body });

async function pixels(path: string) {
  const res = await call(path);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("image/png");
  const bytes = new Uint8Array(await res.arrayBuffer());
  const image = decodePng(bytes, 1024);
  const at = (x: number, y: number) => [...image.data.subarray((y * image.width + x) * 4, (y * image.width + x) * 4 + 4)];
  return { size: pngSize(bytes), at };
}

let admin: Caller;
let support: Caller;
beforeAll(async () => {
  admin = await signIn("admin");
  support = await signIn("support");
});

describe("PUT /api/admin/settings/app-icon", () => {
  it("makes 192 and 512 px icons, plain and maskable, and the manifest names them", async () => {
    const res = await upload(admin.headers, disc(600));
    expect(res.status).toBe(200);
    const { icons } = await json(res);
    for (const path of Object.values(icons)) expect(path).toMatch(/^\/media\/uploads\/[0-9a-f]{64}\.png$/);

    const any192 = await pixels(icons.any192);
    expect(any192.size).toEqual({ width: 192, height: 192 });
    expect(any192.at(96, 96)).toEqual([220, 30, 40, 255]);
    expect(any192.at(2, 2)[3]).toBe(0);
    expect((await pixels(icons.any512)).size).toEqual({ width: 512, height: 512 });
    // Maskable: opaque everywhere, the splash colour (#faf7f2 by default) around the picture, the disc in the middle.
    const masked = await pixels(icons.maskable512);
    expect(masked.size).toEqual({ width: 512, height: 512 });
    expect(masked.at(3, 3)).toEqual([0xfa, 0xf7, 0xf2, 255]);
    expect(masked.at(256, 256)).toEqual([220, 30, 40, 255]);
    // The disc's radius is 30% of the picture; shrunk into the central 80% it ends inside 0.8 × 0.3 × 512 ≈ 123 px of the centre.
    expect(masked.at(256 + 130, 256)).toEqual([0xfa, 0xf7, 0xf2, 255]);
    expect((await pixels(icons.maskable192)).size).toEqual({ width: 192, height: 192 });

    // The manifest the store serves is built from these settings (site/pages/manifest.webmanifest.ts).
    const settings = await storefrontSettings(env);
    expect(settings.appIcons).toEqual(icons);
    const manifest = webManifest((await storeSettings(env)).storeName ?? "Store", settings);
    expect(manifest.icons).toEqual([
      { src: icons.any192, sizes: "192x192", type: "image/png", purpose: "any" },
      { src: icons.any512, sizes: "512x512", type: "image/png", purpose: "any" },
      { src: icons.maskable192, sizes: "192x192", type: "image/png", purpose: "maskable" },
      { src: icons.maskable512, sizes: "512x512", type: "image/png", purpose: "maskable" },
    ]);
    expect(manifest.shortcuts.every((s) => s.icons[0]?.src === icons.any192)).toBe(true);

    const audit = await env.DB.prepare("SELECT actor_id AS actorId, after FROM audit_log WHERE action = 'settings.app_icons' ORDER BY at DESC LIMIT 1").first<{
      actorId: string;
      after: string;
    }>();
    expect(audit?.actorId).toBe(admin.id);
    expect(JSON.parse(audit?.after ?? "null")).toEqual(icons);
  });

  it("reads an opaque RGB picture too (every row filter), and the same picture twice gives the same addresses", async () => {
    const square = png(512, 512, (x, y) => [x % 256, y % 256, (x + y) % 256]);
    const first = await json(await upload(admin.headers, square));
    const second = await json(await upload(admin.headers, square));
    expect(second.icons).toEqual(first.icons);
    const big = await pixels(first.icons.any512);
    // 512 → 512 keeps every pixel as it was.
    expect(big.at(300, 17)).toEqual([300 % 256, 17, (300 + 17) % 256, 255]);
  });

  it("refuses what is not a square PNG of 512 to 2048 px, naming the field", async () => {
    const cases: Array<[ArrayBuffer | string, string, number, string]> = [
      [png(600, 500, () => [1, 2, 3]), "image/png", 400, "square"],
      [png(256, 256, () => [1, 2, 3]), "image/png", 400, "at least 512"],
      [png(600, 600, () => [1, 2, 3], { depth: 16 }), "image/png", 400, "8-bit"],
      [new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]).buffer, "image/png", 415, "PNG"],
      ["<svg xmlns='http://www.w3.org/2000/svg'/>", "image/png", 415, "PNG"],
      [new ArrayBuffer(0), "image/png", 400, "empty"],
    ];
    for (const [body, type, status, words] of cases) {
      const res = await upload(admin.headers, body, type);
      expect(res.status, words).toBe(status);
      const problem = await json(res);
      expect(problem.errors.map((e: { path: string }) => e.path)).toEqual(["file"]);
      expect(problem.detail.toLowerCase()).toContain(words.toLowerCase());
    }
    const wrongType = await upload(admin.headers, disc(512), "image/jpeg");
    expect(wrongType.status).toBe(415);
    expect((await json(wrongType)).errors.map((e: { path: string }) => e.path)).toEqual(["content-type"]);
  });

  it("needs the settings permission: support 403, nobody 401", async () => {
    expect((await upload(support.headers, disc(512))).status).toBe(403);
    expect((await upload({}, disc(512))).status).toBe(401);
    expect((await call("/api/admin/settings/app-icon", { method: "DELETE", headers: support.headers })).status).toBe(403);
  });
});

describe("DELETE /api/admin/settings/app-icon", () => {
  it("puts the built-in icons back in the manifest", async () => {
    const res = await call("/api/admin/settings/app-icon", { method: "DELETE", headers: admin.headers });
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ icons: null });
    const manifest = webManifest("Store", await storefrontSettings(env));
    expect(manifest.icons.map((i) => i.src)).toEqual([BUILT_IN_ICONS.any192, BUILT_IN_ICONS.any512, BUILT_IN_ICONS.maskable192, BUILT_IN_ICONS.maskable512]);
  });
});
