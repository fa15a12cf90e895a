import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signInByApi } from "./staff-sign-in";
import { signUpByApi } from "./sign-up";
import { type RunningStore, startStore } from "./store";

// What a social network's crawler gets for a link to the served store (demo seed): og:image is a PNG or JPEG
// whose bytes have the size the tags state, on product, category, seller and home pages.

const PORT = Number(process.env.E2E_PORT ?? 8790) + 18;
const ADMIN = { email: "share-admin@example.test", password: "share admin password 31" };
const SELLER = { email: "share-seller@example.test", password: "share seller passphrase 4", name: "Sam Seller" };
let store: RunningStore;
let adminCookie = "";

beforeAll(async () => {
  store = await startStore({ port: PORT, admin: ADMIN, products: 20 });
  const login = await signInByApi(store.baseUrl, ADMIN);
  expect(login.status).toBe(200);
  adminCookie = login.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
}, 300_000);
afterAll(() => {
  store?.stop();
});

const cookieOf = (res: Response) =>
  res.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");

async function api(path: string, method = "GET", body?: unknown, cookie = "") {
  const res = await fetch(`${store.baseUrl}${path}`, {
    method,
    headers: { "Content-Type": "application/json", Origin: store.baseUrl, ...(cookie ? { Cookie: cookie } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** The page's og:image tags, as a crawler reads them (no JavaScript). */
async function ogImage(pagePath: string): Promise<{ url: string; type: string; width: number; height: number; twitter: string }> {
  const html = await (await fetch(`${store.baseUrl}${pagePath}`)).text();
  const meta = (attr: string, name: string) => new RegExp(`<meta ${attr}="${name}" content="([^"]*)">`).exec(html)?.[1] ?? "";
  return {
    url: meta("property", "og:image").replaceAll("&amp;", "&"),
    type: meta("property", "og:image:type"),
    width: Number(meta("property", "og:image:width")),
    height: Number(meta("property", "og:image:height")),
    twitter: meta("name", "twitter:image").replaceAll("&amp;", "&"),
  };
}

/** Width and height from PNG (signature, IHDR) or JPEG (SOF) bytes, read by hand. */
function headerSize(bytes: Uint8Array): { type: string; width: number; height: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if ([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a].every((x, i) => bytes[i] === x) && String.fromCharCode(...bytes.subarray(12, 16)) === "IHDR")
    return { type: "image/png", width: view.getUint32(16), height: view.getUint32(20) };
  if (bytes[0] === 0xff && bytes[1] === 0xd8) {
    for (let at = 2; at + 9 < bytes.length; at += 2 + view.getUint16(at + 2)) {
      const marker = bytes[at + 1] as number;
      if (marker >= 0xc0 && marker <= 0xc3) return { type: "image/jpeg", width: view.getUint16(at + 7), height: view.getUint16(at + 5) };
    }
  }
  return { type: "not a raster image", width: 0, height: 0 };
}

describe("link previews of the demo store", () => {
  it("name a PNG whose bytes match the stated type and size, on product, category, seller and home pages", async () => {
    // A seller with a storefront, so /v/<handle> exists.
    expect((await signUpByApi(store, SELLER)).status).toBe(201);
    const sellerLogin = await signInByApi(store.baseUrl, SELLER);
    const applied = await api(
      "/api/vendor-applications",
      "POST",
      { name: "Share & Co", handle: "share-and-co", contactEmail: SELLER.email, country: "US", description: "Things worth sharing, made in small batches." },
      cookieOf(sellerLogin),
    );
    expect(applied.status, JSON.stringify(applied.body)).toBe(201);
    expect((await api(`/api/admin/vendors/${applied.body.id}/approve`, "POST", {}, adminCookie)).status).toBe(200);

    const list = (await api("/api/products?perPage=5")).body.items as { slug: string; category: { slug: string } }[];
    const pages = ["/", `/p/${list[0]?.slug}`, `/p/${list[1]?.slug}`, `/c/${list[0]?.category.slug}`, "/v/share-and-co"];
    const seen = new Set<string>();
    for (const pagePath of pages) {
      const image = await ogImage(pagePath);
      expect(image.url, pagePath).toMatch(new RegExp(`^${store.baseUrl}/`));
      expect(image.twitter, pagePath).toBe(image.url);
      expect(image.type, pagePath).toMatch(/^image\/(png|jpeg)$/);
      const res = await fetch(image.url);
      expect(res.status, `${pagePath}: ${image.url}`).toBe(200);
      expect(res.headers.get("content-type"), pagePath).toBe(image.type);
      const bytes = new Uint8Array(await res.arrayBuffer());
      expect(headerSize(bytes), pagePath).toEqual({ type: image.type, width: image.width, height: image.height });
      seen.add(image.url);
    }
    // Each page its own card.
    expect(seen.size).toBe(pages.length);
  });
});
