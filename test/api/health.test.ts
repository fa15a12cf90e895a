import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

describe("GET /api/health", () => {
  it("answers 200 with the version once D1 and KV answer", async () => {
    const res = await exports.default.fetch("http://store.test/api/health");
    expect(res.status).toBe(200);
    expect(res.headers.get("x-request-id")).toMatch(/.{8,}/);
    expect(await res.json()).toEqual({ status: "ok", version: expect.any(String), checks: { DB: "ok", CACHE: "ok" } });
  });
});
