import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { insertUser } from "../support/factories";
import { call, cookiesFrom, freshIp } from "../support/http";
import { passwordSignIn } from "../support/staff";

async function signIn(role: "customer" | "vendor" | "support" | "admin") {
  const user = await insertUser(env.DB, { role });
  const res = await passwordSignIn(user, { "CF-Connecting-IP": freshIp() });
  expect(res.status).toBe(200);
  return cookiesFrom(res);
}

// The API test entry renders every page as a plain 404, so "let through" shows as 404.
describe("guard in front of the /admin and /vendor pages", () => {
  it("sends anonymous visitors to sign in, with the page to come back to", async () => {
    const res = await call("/admin/orders", { redirect: "manual" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/account/login?returnTo=%2Fadmin%2Forders");
  });

  it.each([
    ["customer", "/admin", 403],
    ["vendor", "/admin", 403],
    ["support", "/admin", 404],
    ["admin", "/admin/products", 404],
    ["customer", "/vendor", 403],
    ["support", "/vendor/products", 403],
    ["vendor", "/vendor/products", 404],
  ] as const)("a %s opening %s gets %i", async (role, path, status) => {
    const res = await call(path, { headers: { Cookie: await signIn(role) }, redirect: "manual" });
    expect(res.status).toBe(status);
  });
});

describe("page requests with an expired access cookie", () => {
  it("are renewed from the refresh cookie before the page renders", async () => {
    const cookie = await signIn("admin");
    const refreshOnly = cookie.split("; ").find((c) => c.startsWith("__Host-rt=")) as string;
    const res = await call("/admin", { headers: { Cookie: refreshOnly }, redirect: "manual" });
    expect(res.status).toBe(404); // let through as the admin
    expect(res.headers.getSetCookie().map((c) => c.split("=")[0])).toEqual(["__Host-at", "__Host-rt"]);
  });

  it("clear both cookies when the refresh cookie is dead", async () => {
    const res = await call("/admin", { headers: { Cookie: "__Host-rt=not-a-real-token-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" }, redirect: "manual" });
    expect(res.status).toBe(303);
    expect(res.headers.getSetCookie()).toEqual([expect.stringMatching(/^__Host-at=; Max-Age=0/), expect.stringMatching(/^__Host-rt=; Max-Age=0/)]);
  });
});

describe("pages for a shopper with a session or cart", () => {
  it("are never publicly cacheable, whatever the page says", async () => {
    const { createFrontDoor } = await import("../../worker/front-door");
    const app = createFrontDoor(
      async () => new Response("<h1>Hi, Ada</h1>", { headers: { "Cache-Control": "public, max-age=30", "Content-Type": "text/html" } }),
    );
    const ctx = createExecutionContext();
    const anonymous = await app.request("/p/linen-shirt", {}, env, ctx);
    expect(anonymous.headers.get("cache-control")).toBe("public, max-age=30");
    const cookie = await signIn("customer");
    const personal = await app.request("/p/linen-shirt", { headers: { Cookie: cookie } }, env, ctx);
    expect(personal.headers.get("cache-control")).toBe("private, no-store");
    const cart = await app.request("/p/linen-shirt", { headers: { Cookie: "__Host-cart=cart_0123456789abcdefghjkmnpqrs" } }, env, ctx);
    expect(cart.headers.get("cache-control")).toBe("private, no-store");
  });
});

describe("X-Frame-Options", () => {
  it("lets only the admin email preview be framed (same origin); every other response is DENY", async () => {
    const { createFrontDoor } = await import("../../worker/front-door");
    // The preview page sets its own CSP (frame-ancestors 'self'); this stands in for it.
    const app = createFrontDoor(async () => new Response("<p>Hello</p>", { headers: { "Content-Type": "text/html" } }));
    const ctx = createExecutionContext();
    const headers = { Cookie: await signIn("support") };
    const preview = await app.request("/admin/emails/order-confirmed:ord_1/preview", { headers }, env, ctx);
    expect(preview.status).toBe(200);
    expect(preview.headers.get("x-frame-options")).toBe("SAMEORIGIN");
    for (const path of ["/admin/emails/order-confirmed:ord_1", "/admin/emails/order-confirmed:ord_1/preview/more", "/admin/emails", "/p/linen-shirt"]) {
      const res = await app.request(path, { headers }, env, ctx);
      expect(res.headers.get("x-frame-options"), path).toBe("DENY");
    }
    expect((await app.request("/api/health", {}, env, ctx)).headers.get("x-frame-options")).toBe("DENY");
    // A visitor who may not see it is turned away, and that answer is not frameable either.
    const customer = await app.request("/admin/emails/x/preview", { headers: { Cookie: await signIn("customer") } }, env, ctx);
    expect(customer.status).toBe(403);
    expect(customer.headers.get("x-frame-options")).toBe("DENY");
  });
});
