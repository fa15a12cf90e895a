import { describe, expect, it } from "vitest";
import { call } from "../support/http";
import { REDIRECT_BYPASSES } from "../support/redirect-bypasses";

// The currency picker is a plain form (GET) that comes back to the page it was on.
describe("GET /api/currency/select returnTo", () => {
  // (Longer than the query schema's 500 characters is a 400 problem, tested in the unit test of the function.)
  it.each(REDIRECT_BYPASSES.filter((c) => c.length <= 500))("sends %j back to the home page, never off the site", async (candidate) => {
    const res = await call(`/api/currency/select?code=EUR&returnTo=${encodeURIComponent(candidate)}`, { redirect: "manual" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/");
    expect(res.headers.get("set-cookie")).toMatch(/^nw_currency=EUR;/);
  });

  it("answers the reported bypass /.//evil.example with / (it used to be http://evil.example/)", async () => {
    const res = await call("/api/currency/select?code=USD&returnTo=/.//evil.example", { redirect: "manual" });
    expect(res.headers.get("location")).toBe("/");
  });

  it.each([
    ["/c/shoes?page=2", "/c/shoes?page=2"],
    ["/ok?x=//evil.example", "/ok?x=//evil.example"],
    ["/p/linen-shirt#reviews", "/p/linen-shirt#reviews"],
  ])("keeps the same-origin path %j", async (candidate, expected) => {
    const res = await call(`/api/currency/select?code=EUR&returnTo=${encodeURIComponent(candidate)}`, { redirect: "manual" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(expected);
  });
});
