import { readdirSync } from "node:fs";
import { get } from "node:http";
import path from "node:path";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signInByApi } from "./staff-sign-in";
import { type RunningStore, startStore } from "./store";

// `npm start`, the browser tests and the benchmarks serve the store through the local front line
// (scripts/lib/local-front-line.mjs): the Worker's own isolate does what Miniflare's entry worker and assets router
// did in front of it (docs/operations.md, "The local front line"). What a shopper, a developer and the rate limits
// rely on from that front line, checked on a store of its own (the limits are exhausted here).
const PORT = Number(process.env.E2E_PORT ?? 8790) + 80;
const root = path.resolve(import.meta.dirname, "../..");
const ADMIN = { email: "front-line-admin@example.test", password: "front line admin passphrase 5" };

let store: RunningStore;
beforeAll(async () => {
  store = await startStore({ port: PORT, products: 12, admin: ADMIN });
}, 180_000);
afterAll(() => store?.stop());

/** An answer's status, headers and bytes as sent (Node's fetch would decompress them); no Accept-Encoding unless given. */
function raw(url: string, headers: Record<string, string> = {}): Promise<{ status: number; header(name: string): string | null; bytes: Buffer }> {
  return new Promise((resolve, reject) => {
    get(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        const header = (name: string) => {
          const value = res.headers[name.toLowerCase()];
          return value === undefined ? null : String(value);
        };
        resolve({ status: res.statusCode ?? 0, header, bytes: Buffer.concat(chunks) });
      });
      res.on("error", reject);
    }).on("error", reject);
  });
}

describe("the local front line", () => {
  it("compresses pages and JSON for a client that accepts it, as Cloudflare does, and sends them plain otherwise", async () => {
    const plain = await raw(`${store.baseUrl}/`);
    expect(plain.status).toBe(200);
    expect(plain.header("content-encoding")).toBeNull();
    const html = plain.bytes.toString("utf8");
    expect(html).toContain("</html>");

    const gzipped = await raw(`${store.baseUrl}/`, { "accept-encoding": "gzip, deflate" });
    expect(gzipped.header("content-encoding")).toBe("gzip");
    expect(gzipped.header("content-type")).toMatch(/^text\/html/);
    expect(gzipped.bytes.length).toBeLessThan(plain.bytes.length / 3);
    expect(gunzipSync(gzipped.bytes).toString("utf8")).toContain("</html>");

    const preferBrotli = await raw(`${store.baseUrl}/api/products?perPage=2`, { "accept-encoding": "gzip;q=0.5, br" });
    expect(preferBrotli.header("content-encoding")).toBe("br");
    expect(JSON.parse(brotliDecompressSync(preferBrotli.bytes).toString("utf8")).items).toHaveLength(2);

    // A PNG (the store's share card) is sent as it is: Cloudflare compresses text types only.
    const png = await raw(`${store.baseUrl}/share/store.png`, { "accept-encoding": "gzip" });
    expect(png.status).toBe(200);
    expect(png.header("content-type")).toBe("image/png");
    expect(png.header("content-encoding")).toBeNull();
  });

  it("answers exactly as Miniflare's own entry worker does", async () => {
    for (const route of ["/api/products?perPage=3&sort=bestselling", "/api/categories"]) {
      const direct = await raw(`${store.baseUrl}${route}`);
      const viaEntry = await raw(`${store.triggersUrl}${route}`);
      expect(direct.status).toBe(200);
      expect(JSON.parse(direct.bytes.toString("utf8"))).toEqual(JSON.parse(viaEntry.bytes.toString("utf8")));
    }
    const gz = await raw(`${store.baseUrl}/api/categories`, { "accept-encoding": "gzip" });
    expect(gz.header("content-encoding")).toBe("gzip");
    expect(JSON.parse(gunzipSync(gz.bytes).toString("utf8"))).toEqual(JSON.parse((await raw(`${store.baseUrl}/api/categories`)).bytes.toString("utf8")));
  });

  it("compresses a cached page once for its ETag, reuses those bytes, and never serves the copy of an older page", async () => {
    const category = ((await (await fetch(`${store.baseUrl}/api/categories`)).json()) as { items: { id: string; slug: string; name: string }[] }).items[0];
    if (!category) throw new Error("no category in the seeded catalog");
    const url = `${store.baseUrl}/c/${category.slug}`;
    const plain = await raw(url);
    const etag = plain.header("etag");
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{22}"$/);
    for (const [encoding, decode] of [
      ["gzip", gunzipSync],
      ["br", brotliDecompressSync],
    ] as const) {
      const first = await raw(url, { "accept-encoding": encoding });
      const again = await raw(url, { "accept-encoding": encoding });
      for (const answer of [first, again]) {
        expect(answer.header("content-encoding")).toBe(encoding);
        expect(answer.header("etag")).toBe(etag);
        expect(answer.header("content-length")).toBe(String(answer.bytes.length));
        expect(decode(answer.bytes).equals(plain.bytes)).toBe(true);
      }
      expect(again.bytes.equals(first.bytes)).toBe(true);
    }
    // A browser revalidating its copy gets a 304 without a body, compressed or not.
    const revalidated = await raw(url, { "accept-encoding": "gzip", "if-none-match": etag ?? "" });
    expect(revalidated.status).toBe(304);
    expect(revalidated.bytes.length).toBe(0);

    // An admin renames the category: the page is rendered anew under another tag, and its compressed copy is new.
    const signedIn = await signInByApi(store.baseUrl, ADMIN, { Origin: store.baseUrl });
    expect(signedIn.status).toBe(200);
    const cookie = signedIn.headers
      .getSetCookie()
      .map((c) => c.split(";")[0])
      .join("; ");
    const renamed = `${category.name} Renamed`;
    const patch = await fetch(`${store.baseUrl}/api/admin/categories/${category.id}`, {
      method: "PATCH",
      headers: { "content-type": "application/json", origin: store.baseUrl, cookie },
      body: JSON.stringify({ name: renamed }),
    });
    expect(patch.status, await patch.clone().text()).toBe(200);
    const after = await raw(url, { "accept-encoding": "gzip" });
    expect(after.status).toBe(200);
    expect(after.header("etag")).not.toBe(etag);
    const html = gunzipSync(after.bytes).toString("utf8");
    expect(html).toContain(renamed);
    expect(html).toBe((await raw(url)).bytes.toString("utf8"));
  });

  it("serves built assets without the Worker, with their cache headers, and a missing one is a plain 404", async () => {
    const css = readdirSync(path.join(root, "dist/client/_astro")).find((name) => name.endsWith(".css"));
    expect(css).toBeDefined();
    const asset = await raw(`${store.baseUrl}/_astro/${css}`);
    expect(asset.status).toBe(200);
    expect(asset.header("cache-control")).toBe("public, max-age=31536000, immutable");
    // Every answer of the Worker carries a request id; an asset never ran it.
    expect(asset.header("x-request-id")).toBeNull();
    expect(asset.header("content-type")).toMatch(/^text\/css/);

    const missing = await raw(`${store.baseUrl}/_astro/no-such-file.js`);
    expect(missing.status).toBe(404);
    expect(missing.header("x-request-id")).toBeNull();

    const worker = await raw(`${store.baseUrl}/no-such-page`);
    expect(worker.status).toBe(404);
    expect(worker.header("x-request-id")).not.toBeNull();

    const serviceWorker = await raw(`${store.baseUrl}/sw.js`);
    expect(serviceWorker.status).toBe(200);
    expect(serviceWorker.header("content-type")).toMatch(/javascript/);
  });

  it("counts every loopback client as one address and keeps an address a client sends", async () => {
    const reset = (headers: Record<string, string> = {}) =>
      fetch(`${store.baseUrl}/api/auth/password-reset`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: store.baseUrl, ...headers },
        body: JSON.stringify({ email: `nobody-${Math.random()}@example.com` }),
      });
    // Ten password-reset requests an hour per address (worker/accounts/rate-limit.ts).
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await reset()).status);
    expect(statuses.slice(0, 10).every((s) => s < 300)).toBe(true);
    expect(statuses[10]).toBe(429);
    // Another client (as a test or a proxy says, through CF-Connecting-IP) has its own count.
    expect((await reset({ "cf-connecting-ip": "203.0.113.7" })).status).toBeLessThan(300);
  });

  it("runs cron triggers on Miniflare's entry port, and the store's own port serves only the store", async () => {
    const cron = await fetch(`${store.triggersUrl}/cdn-cgi/local/scheduled?cron=${encodeURIComponent("*/15 * * * *")}`);
    expect(cron.status, await cron.clone().text()).toBe(200);
    expect(store.triggersUrl).not.toBe(store.baseUrl);
    const onStorePort = await raw(`${store.baseUrl}/cdn-cgi/local/scheduled?cron=${encodeURIComponent("*/15 * * * *")}`);
    expect(onStorePort.status).toBe(404);
    expect(onStorePort.header("x-request-id")).not.toBeNull();
  });
});
