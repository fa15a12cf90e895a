// Writes the app icons the web app manifest names (site/public/icons/): the store's logo mark at 192 and 512 px,
// once on a transparent square ("any") and once full-bleed on the ink colour ("maskable": launchers crop it to a
// circle or squircle, so the mark stays inside the central 80% safe zone). Pure Node (zlib), no image library.
//
//   npm run icons
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { crc32, deflateSync } from "node:zlib";

const out = path.resolve(import.meta.dirname, "../../site/public/icons");
const INK = [0x2a, 0x21, 0x1b];
const LIGHT = [0xfa, 0xf7, 0xf2];
const PEACH = [0xf3, 0xc9, 0xb3];

// The mark of site/layouts/Base.astro's logo, in its 32-unit box.
const inTriangle = (x, y, [a, b, c]) => {
  const side = (p, q) => (q[0] - p[0]) * (y - p[1]) - (q[1] - p[1]) * (x - p[0]);
  const s1 = side(a, b);
  const s2 = side(b, c);
  const s3 = side(c, a);
  return (s1 >= 0 && s2 >= 0 && s3 >= 0) || (s1 <= 0 && s2 <= 0 && s3 <= 0);
};
const UP = [
  [16, 6],
  [19, 14.5],
  [13, 14.5],
];
const DOWN = [
  [16, 26],
  [13, 17.5],
  [19, 17.5],
];

/** Colour (RGBA) at a point of the 32-unit box. */
function sample(x, y, maskable) {
  if (inTriangle(x, y, UP)) return [...LIGHT, 255];
  if (inTriangle(x, y, DOWN)) return [...PEACH, 255];
  if (maskable || (x - 16) ** 2 + (y - 16) ** 2 <= 15 ** 2) return [...INK, 255];
  return [0, 0, 0, 0];
}

function render(size, maskable) {
  const SS = 4;
  const rows = [];
  for (let py = 0; py < size; py++) {
    const row = Buffer.alloc(1 + size * 4);
    for (let px = 0; px < size; px++) {
      const acc = [0, 0, 0, 0];
      for (let sy = 0; sy < SS; sy++) {
        for (let sx = 0; sx < SS; sx++) {
          const c = sample(((px + (sx + 0.5) / SS) / size) * 32, ((py + (sy + 0.5) / SS) / size) * 32, maskable);
          // Premultiplied, so transparent samples do not darken the edge.
          for (let i = 0; i < 3; i++) acc[i] += (c[i] * c[3]) / 255;
          acc[3] += c[3];
        }
      }
      const n = SS * SS;
      const alpha = acc[3] / n;
      for (let i = 0; i < 3; i++) row[1 + px * 4 + i] = alpha ? Math.round((acc[i] / n) * (255 / alpha)) : 0;
      row[1 + px * 4 + 3] = Math.round(alpha);
    }
    rows.push(row);
  }
  return png(size, Buffer.concat(rows));
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

function png(size, raw) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(raw, { level: 9 })),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

mkdirSync(out, { recursive: true });
for (const size of [192, 512]) {
  writeFileSync(path.join(out, `icon-${size}.png`), render(size, false));
  writeFileSync(path.join(out, `maskable-${size}.png`), render(size, true));
}
// iOS ignores the manifest's icons and reads this one (180 px, no transparency).
writeFileSync(path.join(out, "apple-touch-icon.png"), render(180, true));
console.log(`Wrote icons to ${path.relative(process.cwd(), out)}`);
