import { describe, expect, it } from "vitest";
import { safeReturnTo } from "../../worker/lib/return-to";
import { REDIRECT_BYPASSES as BYPASSES } from "../support/redirect-bypasses";

const ORIGIN = "https://shop.example";

describe("safeReturnTo", () => {
  it.each(BYPASSES)("refuses %j and answers the fallback", (candidate) => {
    expect(safeReturnTo(candidate, ORIGIN, "/fallback")).toBe("/fallback");
  });

  it("answers the default fallback / for missing values", () => {
    expect(safeReturnTo(undefined, ORIGIN)).toBe("/");
    expect(safeReturnTo(null, ORIGIN)).toBe("/");
  });

  it.each([
    ["/", "/"],
    ["/account", "/account"],
    ["/c/shoes?page=2&sort=price_asc", "/c/shoes?page=2&sort=price_asc"],
    ["/ok?x=//evil.example", "/ok?x=//evil.example"],
    ["/search?q=a%2Fb", "/search?q=a%2Fb"],
    ["/search?email=a@b.example", "/search?email=a@b.example"],
    ["/p/linen-shirt#reviews", "/p/linen-shirt#reviews"],
    ["/a/./b/../c", "/a/c"],
    ["/caf%C3%A9", "/caf%C3%A9"],
  ])("keeps the same-origin path %j as %j", (candidate, expected) => {
    expect(safeReturnTo(candidate, ORIGIN, "/fallback")).toBe(expected);
  });

  it("whatever it answers, a browser resolves it to the store's own origin", () => {
    for (const candidate of [...BYPASSES, "/ok?x=//evil.example", "/a/./b"]) {
      const to = safeReturnTo(candidate, ORIGIN, "/fallback");
      expect(new URL(to, ORIGIN).origin, JSON.stringify(candidate)).toBe(ORIGIN);
      expect(to, JSON.stringify(candidate)).toMatch(/^\/(?![/\\])/);
    }
  });
});
