import { describe, expect, it } from "vitest";
import { addressProblems, effectiveRule } from "../../worker/regions/address-rules";

/** A country row as admins keep it in D1 (only the address-rule columns matter here). */
const stored = (over: Partial<Parameters<typeof effectiveRule>[1] & object> = {}) => ({
  name: "Germany",
  postalPattern: "^\\d{5}$",
  postalExample: "10115",
  regionRequired: 0,
  regionLabel: "Region",
  ...over,
});

describe("effectiveRule: the stored row laid over the built-in rule", () => {
  it("takes the name, region label, region requirement and postal pattern from the stored row", () => {
    const rule = effectiveRule(
      "DE",
      stored({ name: "Deutschland", regionRequired: 1, regionLabel: "Bundesland", postalPattern: "^\\d{4}$", postalExample: "1234" }),
    );
    expect(rule).toMatchObject({ name: "Deutschland", regionRequired: true, regionLabel: "Bundesland", postalExample: "1234", postalRequired: true });
    expect(rule.postalPattern?.test("1234")).toBe(true);
    expect(rule.postalPattern?.test("10115")).toBe(false);
  });

  it("keeps the built-in postal label, region list and postal requirement of a known country", () => {
    const rule = effectiveRule("US", { name: "United States", postalPattern: "^\\d{5}$", postalExample: null, regionRequired: 1, regionLabel: "State" });
    expect(rule.postalLabel).toBe("ZIP code");
    expect(rule.regions).toContain("CA");
    expect(rule.postalRequired).toBe(true);
  });

  it("an unknown country needs a postal code only when admins gave it a pattern", () => {
    expect(effectiveRule("XM", { name: "Matrixland", postalPattern: null, postalExample: null, regionRequired: 0, regionLabel: "Region" }).postalRequired).toBe(
      false,
    );
    expect(
      effectiveRule("XM", { name: "Matrixland", postalPattern: "^X\\d$", postalExample: "X1", regionRequired: 0, regionLabel: "Region" }).postalRequired,
    ).toBe(true);
  });

  it("without a stored row, the built-in rule stands; an unlisted country accepts anything", () => {
    expect(effectiveRule("GB").postalPattern?.test("SW1A 1AA")).toBe(true);
    expect(addressProblems({ country: "ZZ" })).toEqual([]);
  });

  it("a stored pattern that is not a valid regular expression checks nothing instead of failing", () => {
    expect(addressProblems({ country: "DE", postalCode: "abc" }, stored({ postalPattern: "([" }))).toEqual([]);
  });
});

describe("addressProblems", () => {
  it("names the postal code when it does not match the pattern, with the example", () => {
    expect(addressProblems({ country: "DE", postalCode: "1011" }, stored())).toEqual([
      { path: "postalCode", message: "Not a valid postleitzahl for Germany (like 10115)" },
    ]);
    expect(addressProblems({ country: "DE", postalCode: "10115" }, stored())).toEqual([]);
  });

  it("matches postal codes without regard to case, and trims them", () => {
    expect(addressProblems({ country: "GB", postalCode: " sw1a 1aa " })).toEqual([]);
  });

  it("requires a postal code where the country needs one", () => {
    expect(addressProblems({ country: "DE" }, stored()).map((p) => p.path)).toEqual(["postalCode"]);
    expect(addressProblems({ country: "HK" })).toEqual([]);
  });

  it("requires the region where the stored row says so, naming it by the country's label", () => {
    const row = stored({ regionRequired: 1, regionLabel: "Bundesland" });
    expect(addressProblems({ country: "DE", postalCode: "10115" }, row)).toEqual([{ path: "region", message: "Bundesland is required for Germany" }]);
    expect(addressProblems({ country: "DE", postalCode: "10115", region: "BE" }, row)).toEqual([]);
    expect(addressProblems({ country: "DE", postalCode: "10115", region: "  " }, row).map((p) => p.path)).toEqual(["region"]);
  });

  it("checks the region against the country's list of regions", () => {
    expect(addressProblems({ country: "US", region: "ca", postalCode: "94105" })).toEqual([]);
    expect(addressProblems({ country: "US", region: "XX", postalCode: "94105" })).toEqual([{ path: "region", message: "Not a state of United States" }]);
  });
});
