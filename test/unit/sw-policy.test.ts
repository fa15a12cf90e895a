// The service worker's rules (site/sw/policy.ts): what it answers from a cache and what it may keep.
import { describe, expect, it } from "vitest";
import { mayStore, strategyFor } from "../../site/sw/policy";

const ORIGIN = "https://shop.example";
const precached = new Set(["/_astro/global.abc123.css", "/offline"]);
const request = (path: string, mode = "cors", destination = "", method = "GET", origin = ORIGIN) => ({ url: `${origin}${path}`, method, mode, destination });
const answer = (path: string, headers: Record<string, string>, init: { status?: number; type?: string; redirected?: boolean } = {}) => ({
  url: `${ORIGIN}${path}`,
  status: init.status ?? 200,
  type: init.type ?? "basic",
  redirected: init.redirected ?? false,
  headers: new Headers(headers),
});
const PUBLIC = { "Cache-Control": "public, max-age=30, s-maxage=60" };

describe("strategyFor", () => {
  it("answers build files from the precache and catalog pages network-first", () => {
    expect(strategyFor(request("/_astro/global.abc123.css", "no-cors", "style"), ORIGIN, precached)).toBe("precache");
    expect(strategyFor(request("/", "navigate", "document"), ORIGIN, precached)).toBe("page");
    expect(strategyFor(request("/p/linen-shirt", "navigate", "document"), ORIGIN, precached)).toBe("page");
  });

  it("serves catalog JSON and pictures stale-while-revalidate", () => {
    for (const path of ["/api/products?category=tops", "/api/products/linen-shirt", "/api/categories", "/api/search/suggest?q=lin"]) {
      expect(strategyFor(request(path), ORIGIN, precached), path).toBe("stale-while-revalidate");
    }
    expect(strategyFor(request("/media/uploads/abc.webp", "no-cors", "image"), ORIGIN, precached)).toBe("stale-while-revalidate");
  });

  it("never touches a cache for private pages and API calls, writes, or other origins", () => {
    for (const path of ["/account", "/account/orders", "/checkout", "/checkout/pay/ord_1", "/cart", "/admin/products", "/vendor", "/orders/ord_1"]) {
      expect(strategyFor(request(path, "navigate", "document"), ORIGIN, precached), path).toBe("private-page");
    }
    for (const path of [
      "/api/me",
      "/api/auth/login",
      "/api/cart",
      "/api/checkout",
      "/api/orders/ord_1/tracking",
      "/api/admin/products",
      "/api/currency/select",
    ]) {
      expect(strategyFor(request(path), ORIGIN, precached), path).toBe("network");
    }
    expect(strategyFor(request("/api/products", "cors", "", "POST"), ORIGIN, precached)).toBe("network");
    expect(strategyFor(request("/p/x", "navigate", "document", "GET", "https://elsewhere.example"), ORIGIN, precached)).toBe("network");
    expect(strategyFor(request("/api/health"), ORIGIN, precached)).toBe("network");
  });
});

describe("mayStore", () => {
  it("keeps a public 200 of a catalog path", () => {
    expect(mayStore(answer("/p/linen-shirt", PUBLIC))).toBe(true);
    expect(mayStore(answer("/api/products", PUBLIC))).toBe(true);
  });

  it("never keeps private, no-store or no-cache answers, nor ones without an explicit public", () => {
    expect(mayStore(answer("/p/linen-shirt", { "Cache-Control": "private, no-store" }))).toBe(false);
    expect(mayStore(answer("/p/linen-shirt", { "Cache-Control": "no-store" }))).toBe(false);
    expect(mayStore(answer("/p/linen-shirt", { "Cache-Control": "public, no-cache" }))).toBe(false);
    expect(mayStore(answer("/p/linen-shirt", {}))).toBe(false);
  });

  it("never keeps an answer that sets a cookie, an error, a redirect, another origin's answer, or a private path", () => {
    expect(mayStore(answer("/p/linen-shirt", { ...PUBLIC, "Set-Cookie": "__Host-cart=abc; Path=/; Secure" }))).toBe(false);
    expect(mayStore(answer("/p/linen-shirt", PUBLIC, { status: 404 }))).toBe(false);
    expect(mayStore(answer("/p/linen-shirt", PUBLIC, { redirected: true }))).toBe(false);
    expect(mayStore(answer("/media/x.webp", PUBLIC, { type: "opaque" }))).toBe(false);
    expect(mayStore(answer("/account/orders", PUBLIC))).toBe(false);
    expect(mayStore(answer("/api/cart", PUBLIC))).toBe(false);
  });
});
