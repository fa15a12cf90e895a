import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { purgeCatalogCache } from "../../worker/catalog";
import { decodePng } from "../../worker/media/png";
import { rasterSize } from "../../worker/media/raster-size";
import { cardText, wrapCardText } from "../../worker/media/share-card";
import { type ShareSubject, socialImage } from "../../worker/seo";
import { insertCategory, insertProduct, insertUser } from "../support/factories";
import { call, cookiesFrom, freshIp } from "../support/http";
import { passwordSignIn } from "../support/staff";
import { insertVendor } from "../support/vendors";

// Link previews (og:image, twitter:image) must be PNG or JPEG of the size the tags state: several networks
// render no SVG. These tests read the bytes each page type's og:image URL serves and decode the header.

const ORIGIN = "http://store.test";
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** The signature and the IHDR width and height of PNG bytes, read by hand (not by the code under test). */
function pngHeader(bytes: Uint8Array): { width: number; height: number } {
  expect([...bytes.subarray(0, 8)]).toEqual(PNG_SIGNATURE);
  expect(String.fromCharCode(...bytes.subarray(12, 16))).toBe("IHDR");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

/** The first SOF marker's width and height of JPEG bytes, read by hand. */
function jpegHeader(bytes: Uint8Array): { width: number; height: number } {
  expect([bytes[0], bytes[1]]).toEqual([0xff, 0xd8]);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 2; at + 9 < bytes.length; ) {
    const marker = bytes[at + 1] as number;
    if (marker >= 0xc0 && marker <= 0xc3) return { width: view.getUint16(at + 7), height: view.getUint16(at + 5) };
    at += 2 + view.getUint16(at + 2);
  }
  throw new Error("no SOF marker");
}

/** Fetches what og:image names and checks it is the stated type and size. */
async function servedMatches(image: Awaited<ReturnType<typeof socialImage>>): Promise<Uint8Array> {
  const url = new URL(image.url);
  expect(url.origin).toBe(ORIGIN);
  const res = await call(url.pathname);
  expect(res.status, image.url).toBe(200);
  expect(res.headers.get("content-type")).toBe(image.type);
  const bytes = new Uint8Array(await res.arrayBuffer());
  const size = image.type === "image/png" ? pngHeader(bytes) : jpegHeader(bytes);
  expect(size).toEqual({ width: image.width, height: image.height });
  return bytes;
}

// A real 96×64 baseline JPEG (drawn by Chromium's canvas), and a real 640×480 PNG made by the store's encoder below.
const JPEG_96x64 = Uint8Array.from(
  atob(
    "/9j/4AAQSkZJRgABAQAAAQABAAD/4gHYSUNDX1BST0ZJTEUAAQEAAAHIAAAAAAQwAABtbnRyUkdCIFhZWiAH4AABAAEAAAAAAABhY3NwAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAQAA9tYAAQAAAADTLQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAlkZXNjAAAA8AAAACRyWFlaAAABFAAAABRnWFlaAAABKAAAABRiWFlaAAABPAAAABR3dHB0AAABUAAAABRyVFJDAAABZAAAAChnVFJDAAABZAAAAChiVFJDAAABZAAAAChjcHJ0AAABjAAAADxtbHVjAAAAAAAAAAEAAAAMZW5VUwAAAAgAAAAcAHMAUgBHAEJYWVogAAAAAAAAb6IAADj1AAADkFhZWiAAAAAAAABimQAAt4UAABjaWFlaIAAAAAAAACSgAAAPhAAAts9YWVogAAAAAAAA9tYAAQAAAADTLXBhcmEAAAAAAAQAAAACZmYAAPKnAAANWQAAE9AAAApbAAAAAAAAAABtbHVjAAAAAAAAAAEAAAAMZW5VUwAAACAAAAAcAEcAbwBvAGcAbABlACAASQBuAGMALgAgADIAMAAxADb/2wBDAA0JCgsKCA0LCgsODg0PEyAVExISEyccHhcgLikxMC4pLSwzOko+MzZGNywtQFdBRkxOUlNSMj5aYVpQYEpRUk//2wBDAQ4ODhMREyYVFSZPNS01T09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT0//wAARCABAAGADASIAAhEBAxEB/8QAGAABAQEBAQAAAAAAAAAAAAAAAwIBBgX/xAAWEAADAAAAAAAAAAAAAAAAAAAAAQL/xAAYAQEBAQEBAAAAAAAAAAAAAAACAAEEBf/EABURAQEAAAAAAAAAAAAAAAAAAAAB/9oADAMBAAIRAxEAPwDzJQsoyULKNefFShZRMoaURRUoWUTKFlGHFShpRMoWUTYqULKJlDSiOKlCyiZQ0owo4eULKMlCyhOaKlCyjJQsoiipQsomUNKMKNlDSiZQsoiipQsoyULKMKKlCyiZQ0oijh5Q0omULKE5oqULKMlCyjCipQsomUNKIo2UNKJlCyiKKlDSiZQsow4qULKMlCyiKOIlCyiZQso1zRUoaUTKFlE2KlCyiZQ0ojipQsomUNKMKNlDSiZQsoiipQsoyULKIo//2Q==",
  ),
  (ch) => ch.charCodeAt(0),
);

let adminHeaders: Record<string, string>;
let category: Awaited<ReturnType<typeof insertCategory>>;

beforeAll(async () => {
  category = await insertCategory(env.DB, { slug: "share-things", name: "Share Things" });
  const admin = await insertUser(env.DB, { role: "admin" });
  const res = await passwordSignIn(admin, { "CF-Connecting-IP": freshIp() });
  adminHeaders = { Cookie: cookiesFrom(res), Origin: ORIGIN };
});

async function uploadImage(bytes: Uint8Array<ArrayBuffer>, type: string): Promise<string> {
  const res = await call("/api/admin/products/images", { method: "POST", headers: { "Content-Type": type, ...adminHeaders }, body: bytes });
  expect(res.status, await res.clone().text()).toBe(201);
  return ((await res.json()) as { url: string }).url;
}

async function productWithImage(slug: string, url: string | null) {
  const built = await insertProduct(env.DB, { slug, name: `Share ${slug}`, category, images: url ? 1 : 0 });
  if (url) await env.DB.prepare("UPDATE product_images SET url = ? WHERE product_id = ?").bind(url, built.product.id).run();
  purgeCatalogCache();
  return built;
}

describe("og:image of a product page", () => {
  it("is the share card, a 1200×630 PNG, for a product whose picture is the generated SVG", async () => {
    const built = await insertProduct(env.DB, { slug: "share-svg-lamp", name: "Brass Desk Lamp", category });
    const subject: ShareSubject = {
      kind: "product",
      slug: "share-svg-lamp",
      name: "Brass Desk Lamp",
      image: { url: built.images[0]?.url as string, alt: "x" },
    };
    expect(built.images[0]?.url).toMatch(/\.svg$/);
    const image = await socialImage(env, subject, ORIGIN);
    expect(image).toMatchObject({ url: `${ORIGIN}/share/p/share-svg-lamp.png`, type: "image/png", width: 1200, height: 630, alt: "Brass Desk Lamp" });
    const bytes = await servedMatches(image);
    // A whole valid PNG (chunks, CRCs, compressed rows), not only a header.
    const decoded = decodePng(bytes, 2000);
    expect([decoded.width, decoded.height]).toEqual([1200, 630]);
  });

  it("is the product's own uploaded PNG or JPEG with its real size when it has one", async () => {
    const { encodePng } = await import("../../worker/media/png");
    const png = encodePng({ width: 640, height: 480, data: new Uint8Array(640 * 480 * 4).fill(200) });
    const pngUrl = await uploadImage(png as Uint8Array<ArrayBuffer>, "image/png");
    await productWithImage("share-png-vase", pngUrl);
    const fromPng = await socialImage(env, { kind: "product", slug: "share-png-vase", name: "Vase", image: { url: pngUrl, alt: "A vase" } }, ORIGIN);
    expect(fromPng).toEqual({ url: `${ORIGIN}${pngUrl}`, type: "image/png", width: 640, height: 480, alt: "A vase" });
    await servedMatches(fromPng);

    const jpegUrl = await uploadImage(JPEG_96x64, "image/jpeg");
    expect(jpegUrl).toMatch(/\.jpg$/);
    await productWithImage("share-jpeg-mug", jpegUrl);
    const fromJpeg = await socialImage(env, { kind: "product", slug: "share-jpeg-mug", name: "Mug", image: { url: jpegUrl, alt: "A mug" } }, ORIGIN);
    expect(fromJpeg).toEqual({ url: `${ORIGIN}${jpegUrl}`, type: "image/jpeg", width: 96, height: 64, alt: "A mug" });
    await servedMatches(fromJpeg);
  });

  it("falls back to the share card for an upload that is not PNG or JPEG, or an external picture", async () => {
    const gif = Uint8Array.from([..."GIF89a"].map((c) => c.charCodeAt(0)).concat([1, 0, 1, 0, 0, 0, 0, 0x3b]));
    const gifUrl = await uploadImage(gif, "image/gif");
    for (const url of [gifUrl, "https://cdn.example.com/a.jpg"]) {
      const image = await socialImage(env, { kind: "product", slug: "share-svg-lamp", name: "Lamp", image: { url, alt: "x" } }, ORIGIN);
      expect(image.url, url).toBe(`${ORIGIN}/share/p/share-svg-lamp.png`);
    }
  });
});

describe("og:image of category, seller and home pages", () => {
  it("is the page's own share card, a 1200×630 PNG", async () => {
    const vendor = await insertVendor({ handle: "share-trail-supply" });
    for (const subject of [
      { kind: "category", slug: category.slug, name: "Share Things" },
      { kind: "vendor", handle: "share-trail-supply", name: "Trail" },
      { kind: "home", name: "Northwind Goods" },
    ] satisfies ShareSubject[]) {
      const image = await socialImage(env, subject, ORIGIN);
      expect(image, subject.kind).toMatchObject({ type: "image/png", width: 1200, height: 630 });
      await servedMatches(image);
    }
    expect(vendor.vendorId).toBeTruthy();
  });

  it("answers 404 (never an error page or a card) for what shoppers cannot see", async () => {
    await insertProduct(env.DB, { slug: "share-draft", category, status: "draft" });
    await insertVendor({ handle: "share-suspended", status: "suspended" });
    purgeCatalogCache();
    for (const path of ["/share/p/share-draft.png", "/share/p/no-such-thing.png", "/share/c/no-such-category.png", "/share/v/share-suspended.png"]) {
      const res = await call(path);
      expect(res.status, path).toBe(404);
      expect(res.headers.get("content-type"), path).not.toBe("image/png");
    }
    expect((await call("/share/x/whatever.png")).status).toBe(404);
    expect((await call("/share/p/UPPER.png")).status).toBe(404);
  });

  it("is cacheable, and the same bytes come back from the cache", async () => {
    const first = await call("/share/store.png");
    expect(first.headers.get("cache-control")).toBe("public, max-age=86400");
    const a = new Uint8Array(await first.arrayBuffer());
    const b = new Uint8Array(await (await call("/share/store.png")).arrayBuffer());
    expect(b).toEqual(a);
  });
});

describe("the pixel font's text", () => {
  it("keeps letters, drops accents and wraps at spaces into at most the lines asked, marking a cut", () => {
    expect(cardText("Crème brûlée — set of 2")).toBe("CREME BRULEE - SET OF 2");
    expect(cardText("Tea ☕ cup")).toBe("TEA CUP");
    expect(wrapCardText("MERINO WOOL CREW SWEATER", 12, 3)).toEqual(["MERINO WOOL", "CREW SWEATER"]);
    expect(wrapCardText("ONE TWO THREE FOUR FIVE SIX", 9, 2)).toEqual(["ONE TWO", "THREE..."]);
    expect(wrapCardText("ABCDEFGHIJKLMNOP", 6, 3)).toEqual(["ABCDEF", "GHIJKL", "MNOP"]);
  });

  it("reads PNG and JPEG headers and nothing else", () => {
    expect(rasterSize(JPEG_96x64)).toEqual({ type: "image/jpeg", width: 96, height: 64 });
    expect(rasterSize(new TextEncoder().encode("<svg/>"))).toBeNull();
  });
});
