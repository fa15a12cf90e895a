import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api } from "../../worker/api";
import { json } from "../support/http";

const call = (path: string, init?: RequestInit) => exports.default.fetch(`http://store.test${path}`, init);

describe("API conventions", () => {
  it("answers unknown API routes with a 404 problem", async () => {
    const res = await call("/api/nothing-here");
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(await json(res)).toMatchObject({ status: 404, code: "request.route_not_found" });
  });

  it("keeps a well-formed incoming request id and makes one otherwise", async () => {
    const kept = await call("/api/health", { headers: { "X-Request-Id": "trace-12345678" } });
    expect(kept.headers.get("x-request-id")).toBe("trace-12345678");
    const replaced = await call("/api/health", { headers: { "X-Request-Id": "bad id <script>" } });
    expect(replaced.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("sends security headers on every response", async () => {
    const res = await call("/api/health");
    expect(res.headers.get("strict-transport-security")).toBe("max-age=31536000; includeSubDomains");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("referrer-policy")).toBe("strict-origin-when-cross-origin");
    expect(res.headers.get("content-security-policy")).toBe("default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
  });

  it("allows the API reference page's own script and style by hash only", async () => {
    const csp = (await call("/api/docs")).headers.get("content-security-policy") ?? "";
    expect(csp).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]{44}'/);
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).toContain("frame-ancestors 'none'");
  });
});

describe("POST /api/analytics/events", () => {
  const post = (body: string, type = "application/json") => call("/api/analytics/events", { method: "POST", headers: { "Content-Type": type }, body });

  it("accepts a valid event with 202", async () => {
    expect((await post(JSON.stringify({ type: "product_viewed", subjectId: "prod_1" }))).status).toBe(202);
  });

  it("rejects a body that is not JSON with 415 (the CSRF guard)", async () => {
    const res = await post(JSON.stringify({ type: "product_viewed" }), "text/plain");
    expect(res.status).toBe(415);
    expect((await json(res)).code).toBe("request.unsupported_media_type");
    expect((await post("type=product_viewed", "application/x-www-form-urlencoded")).status).toBe(415);
  });

  it("rejects unknown fields and bad values, naming each", async () => {
    const res = await post(JSON.stringify({ type: "bought_everything", role: "admin" }));
    expect(res.status).toBe(400);
    const paths = (await json(res)).errors.map((e: { path: string }) => e.path).sort();
    expect(paths).toEqual(["role", "type"]);
  });

  it("rejects malformed JSON with 400 and a body over 64 KiB with 413", async () => {
    const broken = await post("{not json");
    expect(broken.status).toBe(400);
    expect(broken.headers.get("content-type")).toBe("application/problem+json");
    const big = await post(JSON.stringify({ type: "product_viewed", subjectId: "x".repeat(70_000) }));
    expect(big.status).toBe(413);
  });
});

describe("GET /api/openapi.json and /api/docs", () => {
  it("describes every API route registered in the app, and nothing else", async () => {
    const res = await call("/api/openapi.json");
    expect(res.status).toBe(200);
    const spec = await json(res);
    expect(spec.openapi).toBe("3.1.0");
    const documented = Object.entries(spec.paths as Record<string, Record<string, unknown>>)
      .flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`))
      .sort();
    // The route table itself: every handler registered on the API app (middleware and the 404 catch-all aside).
    const registered = [
      ...new Set(
        api.routes
          .filter((r) => r.method !== "ALL" && !r.path.endsWith("*") && !["/api/openapi.json", "/api/docs"].includes(r.path))
          .map((r) => `${r.method} ${r.path.replace(/:(\w+)(\{[^}]*\})?/g, "{$1}")}`),
      ),
    ].sort();
    expect(registered.length).toBeGreaterThan(10);
    expect(documented).toEqual(registered);
    expect(spec.paths["/api/products"].get.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(["q", "category", "brand", "vendor", "minPrice", "maxPrice", "rating", "inStock", "sort", "page", "perPage"]),
    );
    expect(spec.paths["/api/search/suggest"].get.parameters.map((p: { name: string }) => p.name)).toEqual(["q", "limit"]);
    expect(spec.components.schemas.SearchFacets).toBeDefined();
    expect(spec.components.schemas.Problem).toBeDefined();
    expect(spec.components.securitySchemes.bearerAuth).toMatchObject({ type: "http", scheme: "bearer" });
  });

  it("serves a browsable reference page", async () => {
    const res = await call("/api/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    expect(await res.text()).toContain("API reference");
  });
});
