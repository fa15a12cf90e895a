import { env } from "cloudflare:workers";
import { Hono } from "hono";
import { beforeEach, describe, expect, it } from "vitest";
import { catalogChanged, purgeCatalogCache } from "../../worker/catalog";
import { pageVariant } from "../../worker/front-door";
import { VERSION_TTL_MS } from "../../worker/lib/cache-version";
import { purgeResponseCache, responseCache } from "../../worker/lib/response-cache";

// A stand-in page renderer that counts renders, behind the real cache middleware and the real page variant.
let renders = 0;
const app = new Hono<{ Bindings: Env }>()
  .use("*", responseCache({ variant: pageVariant, vary: "Cookie, CF-IPCountry" }))
  .get("/p/:slug", (c) => {
    renders++;
    return c.html(`<h1>${c.req.param("slug")} #${renders}</h1>`, 200, { "Cache-Control": "public, max-age=30, s-maxage=60" });
  })
  .get("/with-cookie", (c) => {
    renders++;
    return c.html(`#${renders}`, 200, { "Cache-Control": "public, max-age=30, s-maxage=60", "Set-Cookie": "seen=1; Path=/" });
  })
  .get("/account", (c) => {
    renders++;
    return c.html("private", 200, { "Cache-Control": "private, no-store" });
  });

const get = (path: string, headers: Record<string, string> = {}) => app.request(path, { headers }, env);

beforeEach(() => {
  renders = 0;
  // A new catalog version per test: every copy stored by an earlier test is out of reach.
  purgeCatalogCache();
});

describe("catalog page cache (isolate memory + Workers Cache API)", () => {
  it("renders a public page once, then serves it from memory and, in another isolate, from the edge cache", async () => {
    const first = await get("/p/linen-shirt");
    expect(first.headers.get("x-cache")).toBe("miss");
    const second = await get("/p/linen-shirt");
    expect(await second.text()).toBe("<h1>linen-shirt #1</h1>");
    expect(second.headers.get("x-cache")).toBe("hit");
    expect(second.headers.get("x-cache-layer")).toBe("isolate");
    // What a fresh isolate at the same location sees: nothing in memory, the copy in caches.default.
    purgeResponseCache();
    const third = await get("/p/linen-shirt");
    expect(await third.text()).toBe("<h1>linen-shirt #1</h1>");
    expect(third.headers.get("x-cache-layer")).toBe("edge");
    expect(third.headers.get("cache-control")).toBe("public, max-age=30, s-maxage=60");
    expect(third.headers.get("vary")).toBe("Cookie, CF-IPCountry");
    expect(renders).toBe(1);
  });

  it("never serves the anonymous copy to a signed-in or cart-carrying request, nor stores theirs", async () => {
    await get("/p/linen-shirt");
    const personal: Record<string, string>[] = [
      { Cookie: "__Host-at=token" },
      { Cookie: "nw_currency=EUR; __Host-rt=r" },
      { Cookie: "__Host-cart=c" },
      { Authorization: "Bearer t" },
    ];
    for (const headers of personal) {
      const res = await get("/p/linen-shirt", headers);
      expect(res.headers.get("x-cache")).toBe("bypass");
      expect(await res.text()).not.toBe("<h1>linen-shirt #1</h1>");
    }
    expect(renders).toBe(5);
    // The anonymous copy is still the first render: none of theirs was stored.
    expect(await (await get("/p/linen-shirt")).text()).toBe("<h1>linen-shirt #1</h1>");
  });

  it("never stores answers that set a cookie or are not marked public", async () => {
    await get("/with-cookie");
    expect((await get("/with-cookie")).headers.get("x-cache")).toBe("miss");
    await get("/account");
    await get("/account");
    expect(renders).toBe(4);
  });

  it("misses after a catalog write in this isolate, and within seconds after one in another isolate", async () => {
    await get("/p/linen-shirt");
    await catalogChanged(env.DB);
    const afterWrite = await get("/p/linen-shirt");
    expect(afterWrite.headers.get("x-cache")).toBe("miss");
    expect(await afterWrite.text()).toBe("<h1>linen-shirt #2</h1>");
    // Another isolate's write reaches this one through D1 only.
    await env.DB.prepare("UPDATE cache_versions SET version = version + 1 WHERE name = 'catalog'").run();
    await new Promise((r) => setTimeout(r, VERSION_TTL_MS + 100));
    const elsewhere = await get("/p/linen-shirt");
    expect(elsewhere.headers.get("x-cache")).toBe("miss");
    expect(await elsewhere.text()).toBe("<h1>linen-shirt #3</h1>");
  });

  it("tags each stored copy with the ETag of its bytes and answers a revalidation naming it with a 304 and no body", async () => {
    const first = await get("/p/linen-shirt");
    const etag = first.headers.get("etag") ?? "";
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{22}"$/);
    expect((await get("/p/linen-shirt")).headers.get("etag")).toBe(etag);
    // A browser whose copy is still this one gets a 304 that keeps what its stored copy's headers must keep.
    for (const tag of [etag, `W/${etag}`, `"other", ${etag}`, "*"]) {
      const again = await get("/p/linen-shirt", { "If-None-Match": tag });
      expect(again.status).toBe(304);
      expect(await again.text()).toBe("");
      expect(again.headers.get("etag")).toBe(etag);
      expect(again.headers.get("cache-control")).toBe("public, max-age=30, s-maxage=60");
      expect(again.headers.get("vary")).toBe("Cookie, CF-IPCountry");
      expect(again.headers.get("content-type")).toBe(first.headers.get("content-type"));
    }
    // The same from the edge copy in a fresh isolate.
    purgeResponseCache();
    expect((await get("/p/linen-shirt", { "If-None-Match": etag })).status).toBe(304);
    // After a catalog write the page is rendered again: other bytes, another tag, and the old tag gets the page.
    await catalogChanged(env.DB);
    const changed = await get("/p/linen-shirt", { "If-None-Match": etag });
    expect(changed.status).toBe(200);
    expect(await changed.text()).toBe("<h1>linen-shirt #2</h1>");
    expect(changed.headers.get("etag")).not.toBe(etag);
    // Another page, or an old tag: the whole page.
    expect((await get("/p/wool-coat", { "If-None-Match": etag })).status).toBe(200);
    expect(renders).toBe(3);
  });

  it("gives answers it does not store no ETag and never a 304", async () => {
    await get("/p/linen-shirt");
    const personal = await get("/p/linen-shirt", { Cookie: "__Host-cart=c", "If-None-Match": "*" });
    expect(personal.status).toBe(200);
    expect(personal.headers.get("etag")).toBeNull();
    const account = await get("/account", { "If-None-Match": "*" });
    expect(account.status).toBe(200);
    expect(account.headers.get("etag")).toBeNull();
  });

  it("keeps one copy per display currency and shipping zone: euro countries of the EU zone share it, the US does not", async () => {
    const from = (country: string, cookie?: string) => get("/p/linen-shirt", { "CF-IPCountry": country, ...(cookie ? { Cookie: cookie } : {}) });
    expect(await (await from("DE")).text()).toBe("<h1>linen-shirt #1</h1>");
    const france = await from("FR");
    expect(france.headers.get("x-cache")).toBe("hit");
    expect(await france.text()).toBe("<h1>linen-shirt #1</h1>");
    expect(await (await from("US")).text()).toBe("<h1>linen-shirt #2</h1>");
    expect(await (await from("GB")).text()).toBe("<h1>linen-shirt #3</h1>");
    // A German shopper who chose dollars gets a dollar copy, not the euro one and not the US one (other zone).
    expect(await (await from("DE", "nw_currency=USD")).text()).toBe("<h1>linen-shirt #4</h1>");
    expect(await (await from("FR", "nw_currency=USD")).text()).toBe("<h1>linen-shirt #4</h1>");
    expect(renders).toBe(4);
  });
});
