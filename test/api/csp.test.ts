import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

/** The form-action directive of a page rendered behind the front door with the given Stripe configuration. */
async function pageFormAction(vars: Partial<Env>): Promise<string | undefined> {
  const { createFrontDoor } = await import("../../worker/front-door");
  // Astro sends its script hashes in the header; the front door adds the rest.
  const app = createFrontDoor(
    async () =>
      new Response("<form method=post action=/checkout></form>", {
        headers: { "Content-Type": "text/html", "Content-Security-Policy": "script-src 'self' 'sha256-abc='" },
      }),
  );
  const res = await app.request("/checkout", {}, { ...env, STRIPE_SECRET_KEY: undefined, STRIPE_API_BASE: undefined, ...vars }, createExecutionContext());
  const policy = res.headers.get("content-security-policy") ?? "";
  expect(policy).toContain("script-src 'self' 'sha256-abc='");
  expect(policy).toContain("frame-ancestors 'none'");
  return policy
    .split(";")
    .map((d) => d.trim())
    .find((d) => d.startsWith("form-action"));
}

// Browsers apply form-action to the redirect that answers a form post: the checkout's 303 to the hosted
// payment page is blocked unless that page's origin is named.
describe("page CSP form-action", () => {
  it("is only the store itself when the built-in test provider takes payments (its page is on the store)", async () => {
    expect(await pageFormAction({})).toBe("form-action 'self'");
  });

  it("adds Stripe's hosted Checkout origin, and nothing else, when Stripe takes payments", async () => {
    expect(await pageFormAction({ STRIPE_SECRET_KEY: "sk_live_x" })).toBe("form-action 'self' https://checkout.stripe.com");
  });

  it("names the fake Stripe's origin instead when the API base points at one (tests)", async () => {
    expect(await pageFormAction({ STRIPE_SECRET_KEY: "sk_test_fake_key", STRIPE_API_BASE: "http://127.0.0.1:12111/" })).toBe(
      "form-action 'self' http://127.0.0.1:12111",
    );
  });

  it("keeps JSON answers deny-all", async () => {
    const { createFrontDoor } = await import("../../worker/front-door");
    const app = createFrontDoor(async () => new Response("x"));
    const res = await app.request("/api/health", {}, { ...env, STRIPE_SECRET_KEY: "sk_live_x" }, createExecutionContext());
    expect(res.headers.get("content-security-policy")).toBe("default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
  });
});

// A browser updates its stored copy's headers from a 304: the revalidation of a cached page must carry the
// page's whole policy, not the deny-all one for answers without a body.
describe("a cached page's revalidation", () => {
  it("answers 304 with exactly the policy of the page it stands for", async () => {
    const { createFrontDoor } = await import("../../worker/front-door");
    const { purgeCatalogCache } = await import("../../worker/catalog");
    purgeCatalogCache();
    const app = createFrontDoor(
      async () =>
        new Response("<h1>Lamps</h1>", {
          headers: {
            "Content-Type": "text/html",
            "Cache-Control": "public, max-age=30, s-maxage=60",
            "Content-Security-Policy": "script-src 'self' 'sha256-abc='",
          },
        }),
    );
    const get = (headers: Record<string, string> = {}) => app.request("/c/lamps-revalidated", { headers }, env, createExecutionContext());
    const page = await get();
    expect(page.status).toBe(200);
    const etag = page.headers.get("etag") ?? "";
    expect(etag).not.toBe("");
    const policy = page.headers.get("content-security-policy") ?? "";
    expect(policy).toContain("script-src 'self' 'sha256-abc='");
    expect(policy).toContain("default-src 'self'");
    const revalidated = await get({ "If-None-Match": etag });
    expect(revalidated.status).toBe(304);
    expect(await revalidated.text()).toBe("");
    expect(revalidated.headers.get("content-security-policy")).toBe(policy);
  });
});
