// The picture a link preview shows (og:image, twitter:image). Several networks render no SVG, and the generated
// product pictures are SVG: so a page names a product's own uploaded PNG or JPEG when it has one (with the size
// its header states), and otherwise a share card, a PNG this module draws and serves at /share/….
import { findCategory, getProductBySlug } from "../catalog";
import { AppError } from "../lib/errors";
import { pickColor, renderShareCard, SHARE_CARD_HEIGHT, SHARE_CARD_WIDTH, uploadedRasterSize } from "../media";
import { storeSettings } from "../store";
import { publicVendorByHandle } from "../vendors";

/** What og:image and its companion tags say. */
export interface SocialImage {
  /** Absolute. */
  url: string;
  width: number;
  height: number;
  type: "image/png" | "image/jpeg";
  alt: string;
}

/** The page a preview is for. */
export type ShareSubject =
  | { kind: "product"; slug: string; name: string; image: { url: string; alt: string } | null }
  | { kind: "category"; slug: string; name: string }
  | { kind: "vendor"; handle: string; name: string }
  | { kind: "home"; name: string };

/** The share card's path of a page (served by `shareCardResponse`). */
export function shareCardPath(subject: ShareSubject): string {
  switch (subject.kind) {
    case "product":
      return `/share/p/${subject.slug}.png`;
    case "category":
      return `/share/c/${subject.slug}.png`;
    case "vendor":
      return `/share/v/${subject.handle}.png`;
    case "home":
      return "/share/store.png";
  }
}

/**
 * A raster picture for a share link that names one (Pinterest's `media`), without reading anything: a product's
 * uploaded PNG or JPEG, else the page's share card.
 */
export function shareImagePath(subject: ShareSubject): string {
  if (subject.kind === "product" && subject.image && UPLOADED_RASTER.test(subject.image.url)) return subject.image.url;
  return shareCardPath(subject);
}
const UPLOADED_RASTER = /\/media\/uploads\/[0-9a-f]{64}\.(?:png|jpg)$/;

/**
 * The raster picture a page's link preview shows: a product's first picture when it is an uploaded PNG or
 * JPEG (its real size, read from the file), else the page's share card (1200×630 PNG).
 */
export async function socialImage(env: Env, subject: ShareSubject, origin: string): Promise<SocialImage> {
  if (subject.kind === "product" && subject.image) {
    const size = await uploadedRasterSize(env, subject.image.url);
    if (size) return { url: new URL(subject.image.url, origin).href, ...size, alt: subject.image.alt };
  }
  return {
    url: new URL(shareCardPath(subject), origin).href,
    width: SHARE_CARD_WIDTH,
    height: SHARE_CARD_HEIGHT,
    type: "image/png",
    alt: subject.name,
  };
}

/** The store's own colour on its cards (the storefront's accent). */
const STORE_COLOUR = "#2f6f5e";
const SLUG = /^[a-z0-9-]{1,160}$/;

/** A day: a renamed product's card catches up within it; the bytes depend only on names and the slug. */
export const SHARE_CARD_CACHE = "public, max-age=86400";

/**
 * The PNG share card of a product (`p`), category (`c`), seller (`v`) or the store (`store`), drawn from the
 * names the store has now; null for anything shoppers cannot see (a draft, a suspended seller, no such slug).
 */
export async function shareCardPng(env: Env, kind: "p" | "c" | "v" | "store", key: string): Promise<Uint8Array | null> {
  const { storeName } = await storeSettings(env);
  if (kind === "store") return renderShareCard({ title: storeName, eyebrow: "Shop online", colour: STORE_COLOUR });
  if (!SLUG.test(key)) return null;
  if (kind === "p") {
    const product = await getProductBySlug(env, key).catch((error: unknown) => {
      if (error instanceof AppError && error.status === 404) return null;
      throw error;
    });
    return product && renderShareCard({ title: product.name, eyebrow: storeName, colour: pickColor(key) });
  }
  if (kind === "c") {
    const found = await findCategory(env, key);
    return found && renderShareCard({ title: found.category.name, eyebrow: storeName, colour: pickColor(key) });
  }
  const vendor = await publicVendorByHandle(env, key);
  return vendor && renderShareCard({ title: vendor.name, eyebrow: `Seller at ${storeName}`, colour: pickColor(key) });
}
