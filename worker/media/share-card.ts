// Share cards: the 1200×630 PNG that Open Graph and Twitter previews show for pages whose own picture is not a
// raster image (the generated product pictures are SVG, which several networks do not render). Drawn into an
// RGBA buffer with a built-in 5×7 pixel font, so no font file, image library or binding is needed. Pure.
import { encodePng } from "./png";

export const SHARE_CARD_WIDTH = 1200;
export const SHARE_CARD_HEIGHT = 630;

/** Rows of each glyph, 5 bits wide (bit 4 is the leftmost column), 7 rows. */
const GLYPHS: Record<string, readonly number[]> = {
  A: [14, 17, 17, 31, 17, 17, 17],
  B: [30, 17, 17, 30, 17, 17, 30],
  C: [14, 17, 16, 16, 16, 17, 14],
  D: [28, 18, 17, 17, 17, 18, 28],
  E: [31, 16, 16, 30, 16, 16, 31],
  F: [31, 16, 16, 30, 16, 16, 16],
  G: [14, 17, 16, 23, 17, 17, 15],
  H: [17, 17, 17, 31, 17, 17, 17],
  I: [14, 4, 4, 4, 4, 4, 14],
  J: [7, 2, 2, 2, 2, 18, 12],
  K: [17, 18, 20, 24, 20, 18, 17],
  L: [16, 16, 16, 16, 16, 16, 31],
  M: [17, 27, 21, 21, 17, 17, 17],
  N: [17, 17, 25, 21, 19, 17, 17],
  O: [14, 17, 17, 17, 17, 17, 14],
  P: [30, 17, 17, 30, 16, 16, 16],
  Q: [14, 17, 17, 17, 21, 18, 13],
  R: [30, 17, 17, 30, 20, 18, 17],
  S: [15, 16, 16, 14, 1, 1, 30],
  T: [31, 4, 4, 4, 4, 4, 4],
  U: [17, 17, 17, 17, 17, 17, 14],
  V: [17, 17, 17, 17, 17, 10, 4],
  W: [17, 17, 17, 21, 21, 21, 10],
  X: [17, 17, 10, 4, 10, 17, 17],
  Y: [17, 17, 17, 10, 4, 4, 4],
  Z: [31, 1, 2, 4, 8, 16, 31],
  "0": [14, 17, 19, 21, 25, 17, 14],
  "1": [4, 12, 4, 4, 4, 4, 14],
  "2": [14, 17, 1, 2, 4, 8, 31],
  "3": [31, 2, 4, 2, 1, 17, 14],
  "4": [2, 6, 10, 18, 31, 2, 2],
  "5": [31, 16, 30, 1, 1, 17, 14],
  "6": [6, 8, 16, 30, 17, 17, 14],
  "7": [31, 1, 2, 4, 8, 8, 8],
  "8": [14, 17, 17, 14, 17, 17, 14],
  "9": [14, 17, 17, 15, 1, 2, 12],
  ".": [0, 0, 0, 0, 0, 12, 12],
  ",": [0, 0, 0, 0, 12, 4, 8],
  "-": [0, 0, 0, 31, 0, 0, 0],
  "&": [12, 18, 20, 8, 21, 18, 13],
  "'": [12, 4, 8, 0, 0, 0, 0],
  "!": [4, 4, 4, 4, 4, 0, 4],
  "?": [14, 17, 1, 2, 4, 0, 4],
  ":": [0, 12, 12, 0, 12, 12, 0],
  "/": [0, 1, 2, 4, 8, 16, 0],
  "(": [2, 4, 8, 8, 8, 4, 2],
  ")": [8, 4, 2, 2, 2, 4, 8],
  "+": [0, 4, 4, 31, 4, 4, 0],
  "#": [10, 10, 31, 10, 31, 10, 10],
  "%": [24, 25, 2, 4, 8, 19, 3],
  $: [4, 15, 20, 14, 5, 30, 4],
};

type Rgb = readonly [number, number, number];

function hexColour(hex: string): Rgb {
  const m = /^#?([0-9a-f]{6})$/i.exec(hex.trim());
  const n = m ? Number.parseInt(m[1] as string, 16) : 0x6b7280;
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

const mix = (a: Rgb, b: Rgb, t: number): Rgb => [
  Math.round(a[0] + (b[0] - a[0]) * t),
  Math.round(a[1] + (b[1] - a[1]) * t),
  Math.round(a[2] + (b[2] - a[2]) * t),
];

const WHITE: Rgb = [255, 255, 255];
const INK: Rgb = [31, 36, 45];
const MUTED: Rgb = [94, 101, 114];

/** The text the pixel font can draw: accents dropped, letters upper-cased, anything else a space. */
export function cardText(text: string): string {
  return text
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toUpperCase()
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/[\u2013\u2014]/g, "-")
    .split("")
    .map((ch) => (GLYPHS[ch] || ch === " " ? ch : " "))
    .join("")
    .replace(/\s+/g, " ")
    .trim();
}

/** Splits text into at most `maxLines` lines of `perLine` characters at spaces; the last line ends in "..." when cut. */
export function wrapCardText(text: string, perLine: number, maxLines: number): string[] {
  const lines: string[] = [];
  let line = "";
  const words = text.split(" ").filter(Boolean);
  for (let i = 0; i < words.length; i++) {
    let word = words[i] as string;
    while (word.length > perLine) {
      if (line) {
        lines.push(line);
        line = "";
      }
      lines.push(word.slice(0, perLine));
      word = word.slice(perLine);
    }
    if (!line) line = word;
    else if (line.length + 1 + word.length <= perLine) line += ` ${word}`;
    else {
      lines.push(line);
      line = word;
    }
  }
  if (line) lines.push(line);
  if (lines.length <= maxLines) return lines;
  const kept = lines.slice(0, maxLines);
  const last = kept[maxLines - 1] as string;
  kept[maxLines - 1] = `${last.slice(0, Math.max(0, perLine - 3)).trimEnd()}...`;
  return kept;
}

/** Pixels as RGBA bytes, written whole pixels at a time through a 32-bit view (rows are filled, not looped). */
class Canvas {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
  private readonly pixels: Uint32Array;
  constructor(width: number, height: number) {
    this.width = width;
    this.height = height;
    this.data = new Uint8Array(width * height * 4);
    this.pixels = new Uint32Array(this.data.buffer);
  }
  /** The 32-bit value of an opaque colour in this machine's byte order (RGBA in memory). */
  private packed(c: Rgb): number {
    const probe = new Uint8Array([c[0], c[1], c[2], 255]);
    return new Uint32Array(probe.buffer)[0] as number;
  }
  rect(x0: number, y0: number, w: number, h: number, c: Rgb): void {
    const x1 = Math.min(this.width, x0 + w);
    const y1 = Math.min(this.height, y0 + h);
    const from = Math.max(0, x0);
    if (x1 <= from) return;
    const value = this.packed(c);
    for (let y = Math.max(0, y0); y < y1; y++) this.pixels.fill(value, y * this.width + from, y * this.width + x1);
  }
  /** A filled disc; only its one-pixel rim is blended with what is under it. */
  disc(cx: number, cy: number, r: number, c: Rgb): void {
    const solid = this.packed(c);
    const inner = (r - 0.5) * (r - 0.5);
    for (let y = Math.max(0, Math.floor(cy - r - 1)); y <= Math.min(this.height - 1, Math.ceil(cy + r + 1)); y++) {
      for (let x = Math.max(0, Math.floor(cx - r - 1)); x <= Math.min(this.width - 1, Math.ceil(cx + r + 1)); x++) {
        const d2 = (x - cx) * (x - cx) + (y - cy) * (y - cy);
        if (d2 <= inner) {
          this.pixels[y * this.width + x] = solid;
          continue;
        }
        const cover = Math.min(1, Math.max(0, r + 0.5 - Math.sqrt(d2)));
        if (cover <= 0) continue;
        const at = (y * this.width + x) * 4;
        const under: Rgb = [this.data[at] as number, this.data[at + 1] as number, this.data[at + 2] as number];
        this.pixels[y * this.width + x] = this.packed(mix(under, c, cover));
      }
    }
  }
  text(x: number, y: number, text: string, scale: number, c: Rgb): void {
    let at = x;
    for (const ch of text) {
      const rows = GLYPHS[ch];
      for (let row = 0; row < (rows?.length ?? 0); row++) {
        const bits = rows?.[row] ?? 0;
        for (let col = 0; col < 5; col++) if (bits & (16 >> col)) this.rect(at + col * scale, y + row * scale, scale, scale, c);
      }
      at += 6 * scale;
    }
  }
}

export interface ShareCard {
  /** The big text: a product's, category's or seller's name, or the store's. */
  title: string;
  /** The small line above it (the store's name, or a kind of page). */
  eyebrow: string;
  /** The card's colour (a product's own colour, or the store's accent). */
  colour: string;
}

/**
 * Draws a share card: on the left a panel in the card's colour with a disc (the "object"), on the right the
 * eyebrow and the title in the pixel font, wrapped to three lines. Answers the PNG bytes, exactly
 * SHARE_CARD_WIDTH × SHARE_CARD_HEIGHT, 8-bit RGBA, without metadata.
 */
export function renderShareCard(card: ShareCard): Uint8Array {
  const w = SHARE_CARD_WIDTH;
  const h = SHARE_CARD_HEIGHT;
  const canvas = new Canvas(w, h);
  const base = hexColour(card.colour);
  const panel = 560;
  canvas.rect(0, 0, w, h, [250, 248, 244]);
  // A soft vertical light on the panel: paler at the top, the colour itself towards the floor.
  for (let y = 0; y < h; y++) canvas.rect(0, y, panel, 1, mix(mix(base, WHITE, 0.82), mix(base, WHITE, 0.55), y / h));
  canvas.disc(panel / 2 + 6, h / 2 + 14, 180, mix(base, INK, 0.35));
  canvas.disc(panel / 2, h / 2, 180, base);
  canvas.disc(panel / 2 - 60, h / 2 - 62, 46, mix(base, WHITE, 0.35));
  canvas.rect(0, h - 18, w, 18, base);

  const left = panel + 56;
  const room = w - left - 48;
  const eyebrow = wrapCardText(cardText(card.eyebrow), Math.floor(room / 24), 1)[0] ?? "";
  canvas.text(left, 120, eyebrow, 4, MUTED);
  const scale = 7;
  const lines = wrapCardText(cardText(card.title), Math.floor(room / (6 * scale)), 4);
  const lineHeight = 9 * scale + 10;
  for (const [i, line] of lines.entries()) canvas.text(left, 190 + i * lineHeight, line, scale, INK);
  return encodePng({ width: w, height: h, data: canvas.data }, { filter: "up", level: 6 });
}
