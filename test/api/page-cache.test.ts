import { env } from "cloudflare:workers";
import { Hono } from "hono";
import { beforeEach, describe, expect, it } from "vitest";
import { pageCache, purgePageCache } from "../../worker/lib/page-cache";

// A stand-in page renderer that counts renders, behind the real middleware.
let renders = 0;
const app = new Hono()
  .use("*", pageCache())
  .get("/p/:slug", (c) => {
    renders++;
    return c.html(`<h1>${c.req.param("slug")} #${renders}</h1>`, 200, { "Cache-Control": "public, max-age=30" });
  })
  .get("/account", (c) => {
    renders++;
    return c.html("private", 200, { "Cache-Control": "private, no-store" });
  });

beforeEach(() => {
  renders = 0;
  purgePageCache();
});

describe("rendered catalog page cache", () => {
  it("renders a public catalog page once and serves repeats from memory", async () => {
    const first = await app.request("/p/linen-shirt", {}, env);
    const second = await app.request("/p/linen-shirt", {}, env);
    expect(await first.text()).toBe("<h1>linen-shirt #1</h1>");
    expect(await second.text()).toBe("<h1>linen-shirt #1</h1>");
    expect(second.headers.get("x-page-cache")).toBe("hit");
    expect(renders).toBe(1);
  });

  it("renders fresh for a shopper with a cookie and after a purge", async () => {
    await app.request("/p/linen-shirt", {}, env);
    const withCookie = await app.request("/p/linen-shirt", { headers: { Cookie: "cart=abc" } }, env);
    expect(await withCookie.text()).toBe("<h1>linen-shirt #2</h1>");
    purgePageCache();
    expect(await (await app.request("/p/linen-shirt", {}, env)).text()).toBe("<h1>linen-shirt #3</h1>");
  });

  it("never keeps pages outside the catalog or not marked public", async () => {
    await app.request("/account", {}, env);
    await app.request("/account", {}, env);
    expect(renders).toBe(2);
  });

  it("keeps one copy per display currency and shipping zone: euro countries of the EU zone share it, the US does not", async () => {
    const from = (country: string) => app.request("/p/linen-shirt", { headers: { "CF-IPCountry": country } }, env);
    expect(await (await from("DE")).text()).toBe("<h1>linen-shirt #1</h1>");
    const france = await from("FR");
    expect(france.headers.get("x-page-cache")).toBe("hit");
    expect(await france.text()).toBe("<h1>linen-shirt #1</h1>");
    expect(await (await from("US")).text()).toBe("<h1>linen-shirt #2</h1>");
    expect(await (await from("GB")).text()).toBe("<h1>linen-shirt #3</h1>");
    expect(renders).toBe(3);
  });
});
