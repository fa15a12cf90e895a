/**
 * Per-country address rules: which fields a country's addresses need and
 * what its postal codes look like. Countries not listed need no region and
 * accept any postal code (or none).
 */
export interface CountryRule {
  name: string;
  regionLabel?: string;
  regionRequired?: boolean;
  regions?: string[];
  postalLabel: string;
  postalRequired: boolean;
  postalPattern?: RegExp;
  postalExample?: string;
}

const US_STATES =
  "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR".split(
    " ",
  );
const CA_PROVINCES = "AB BC MB NB NL NS NT NU ON PE QC SK YT".split(" ");
const AU_STATES = "ACT NSW NT QLD SA TAS VIC WA".split(" ");

export const COUNTRY_RULES: Record<string, CountryRule> = {
  US: {
    name: "United States",
    regionLabel: "State",
    regionRequired: true,
    regions: US_STATES,
    postalLabel: "ZIP code",
    postalRequired: true,
    postalPattern: /^\d{5}(-\d{4})?$/,
    postalExample: "94105",
  },
  CA: {
    name: "Canada",
    regionLabel: "Province",
    regionRequired: true,
    regions: CA_PROVINCES,
    postalLabel: "Postal code",
    postalRequired: true,
    postalPattern: /^[A-Za-z]\d[A-Za-z] ?\d[A-Za-z]\d$/,
    postalExample: "K1A 0B1",
  },
  GB: {
    name: "United Kingdom",
    postalLabel: "Postcode",
    postalRequired: true,
    postalPattern: /^[A-Za-z]{1,2}\d[A-Za-z\d]? ?\d[A-Za-z]{2}$/,
    postalExample: "SW1A 1AA",
  },
  IE: {
    name: "Ireland",
    regionLabel: "County",
    postalLabel: "Eircode",
    postalRequired: false,
    postalPattern: /^[A-Za-z]\d[\dWw] ?[A-Za-z\d]{4}$/,
    postalExample: "D02 X285",
  },
  DE: { name: "Germany", postalLabel: "Postleitzahl", postalRequired: true, postalPattern: /^\d{5}$/, postalExample: "10115" },
  FR: { name: "France", postalLabel: "Code postal", postalRequired: true, postalPattern: /^\d{5}$/, postalExample: "75001" },
  ES: { name: "Spain", regionLabel: "Province", postalLabel: "Código postal", postalRequired: true, postalPattern: /^\d{5}$/, postalExample: "28001" },
  IT: { name: "Italy", regionLabel: "Province", postalLabel: "CAP", postalRequired: true, postalPattern: /^\d{5}$/, postalExample: "00118" },
  NL: { name: "Netherlands", postalLabel: "Postcode", postalRequired: true, postalPattern: /^\d{4} ?[A-Za-z]{2}$/, postalExample: "1012 AB" },
  BE: { name: "Belgium", postalLabel: "Postal code", postalRequired: true, postalPattern: /^\d{4}$/, postalExample: "1000" },
  AT: { name: "Austria", postalLabel: "Postleitzahl", postalRequired: true, postalPattern: /^\d{4}$/, postalExample: "1010" },
  SE: { name: "Sweden", postalLabel: "Postnummer", postalRequired: true, postalPattern: /^\d{3} ?\d{2}$/, postalExample: "111 22" },
  DK: { name: "Denmark", postalLabel: "Postnummer", postalRequired: true, postalPattern: /^\d{4}$/, postalExample: "1050" },
  PL: { name: "Poland", postalLabel: "Kod pocztowy", postalRequired: true, postalPattern: /^\d{2}-\d{3}$/, postalExample: "00-001" },
  PT: { name: "Portugal", postalLabel: "Código postal", postalRequired: true, postalPattern: /^\d{4}-\d{3}$/, postalExample: "1000-001" },
  CH: { name: "Switzerland", postalLabel: "Postleitzahl", postalRequired: true, postalPattern: /^\d{4}$/, postalExample: "8001" },
  NO: { name: "Norway", postalLabel: "Postnummer", postalRequired: true, postalPattern: /^\d{4}$/, postalExample: "0150" },
  AU: {
    name: "Australia",
    regionLabel: "State",
    regionRequired: true,
    regions: AU_STATES,
    postalLabel: "Postcode",
    postalRequired: true,
    postalPattern: /^\d{4}$/,
    postalExample: "2000",
  },
  NZ: { name: "New Zealand", postalLabel: "Postcode", postalRequired: true, postalPattern: /^\d{4}$/, postalExample: "6011" },
  JP: {
    name: "Japan",
    regionLabel: "Prefecture",
    regionRequired: true,
    postalLabel: "Postal code",
    postalRequired: true,
    postalPattern: /^\d{3}-?\d{4}$/,
    postalExample: "100-0001",
  },
  MX: {
    name: "Mexico",
    regionLabel: "State",
    regionRequired: true,
    postalLabel: "Código postal",
    postalRequired: true,
    postalPattern: /^\d{5}$/,
    postalExample: "06000",
  },
  BR: {
    name: "Brazil",
    regionLabel: "State",
    regionRequired: true,
    postalLabel: "CEP",
    postalRequired: true,
    postalPattern: /^\d{5}-?\d{3}$/,
    postalExample: "01001-000",
  },
  IN: {
    name: "India",
    regionLabel: "State",
    regionRequired: true,
    postalLabel: "PIN code",
    postalRequired: true,
    postalPattern: /^\d{6}$/,
    postalExample: "110001",
  },
  SG: { name: "Singapore", postalLabel: "Postal code", postalRequired: true, postalPattern: /^\d{6}$/, postalExample: "018956" },
  HK: { name: "Hong Kong", postalLabel: "Postal code", postalRequired: false },
  BG: { name: "Bulgaria", postalLabel: "Postal code", postalRequired: true, postalPattern: /^\d{4}$/, postalExample: "1000" },
  HR: { name: "Croatia", postalLabel: "Poštanski broj", postalRequired: true, postalPattern: /^\d{5}$/, postalExample: "10000" },
  CY: { name: "Cyprus", postalLabel: "Postal code", postalRequired: true, postalPattern: /^\d{4}$/, postalExample: "1010" },
  CZ: { name: "Czechia", postalLabel: "PSČ", postalRequired: true, postalPattern: /^\d{3} ?\d{2}$/, postalExample: "110 00" },
  EE: { name: "Estonia", postalLabel: "Postiindeks", postalRequired: true, postalPattern: /^\d{5}$/, postalExample: "10111" },
  FI: { name: "Finland", postalLabel: "Postinumero", postalRequired: true, postalPattern: /^\d{5}$/, postalExample: "00100" },
  GR: { name: "Greece", postalLabel: "Postal code", postalRequired: true, postalPattern: /^\d{3} ?\d{2}$/, postalExample: "105 57" },
  HU: { name: "Hungary", postalLabel: "Irányítószám", postalRequired: true, postalPattern: /^\d{4}$/, postalExample: "1051" },
  LV: { name: "Latvia", postalLabel: "Pasta indekss", postalRequired: true, postalPattern: /^(LV-)?\d{4}$/i, postalExample: "LV-1050" },
  LT: { name: "Lithuania", postalLabel: "Pašto kodas", postalRequired: true, postalPattern: /^(LT-)?\d{5}$/i, postalExample: "LT-01100" },
  LU: { name: "Luxembourg", postalLabel: "Code postal", postalRequired: true, postalPattern: /^(L-)?\d{4}$/i, postalExample: "1009" },
  MT: { name: "Malta", postalLabel: "Postcode", postalRequired: true, postalPattern: /^[A-Za-z]{3} ?\d{2,4}$/, postalExample: "VLT 1117" },
  RO: { name: "Romania", postalLabel: "Cod poștal", postalRequired: true, postalPattern: /^\d{6}$/, postalExample: "010011" },
  SK: { name: "Slovakia", postalLabel: "PSČ", postalRequired: true, postalPattern: /^\d{3} ?\d{2}$/, postalExample: "811 01" },
  SI: { name: "Slovenia", postalLabel: "Poštna številka", postalRequired: true, postalPattern: /^\d{4}$/, postalExample: "1000" },
  IS: { name: "Iceland", postalLabel: "Póstnúmer", postalRequired: true, postalPattern: /^\d{3}$/, postalExample: "101" },
  KR: { name: "South Korea", regionLabel: "Province", postalLabel: "Postal code", postalRequired: true, postalPattern: /^\d{5}$/, postalExample: "03187" },
  IL: { name: "Israel", postalLabel: "Postal code", postalRequired: true, postalPattern: /^\d{7}$/, postalExample: "6100000" },
  AE: { name: "United Arab Emirates", regionLabel: "Emirate", regionRequired: true, postalLabel: "Postal code", postalRequired: false },
};

export function countryRule(code: string): CountryRule {
  return COUNTRY_RULES[code] ?? { name: code, postalLabel: "Postal code", postalRequired: false };
}

/** A country's address rules as admins keep them in D1 (`countries`), which take precedence over the built-in ones. */
export interface StoredCountryRule {
  name: string;
  postalPattern: string | null;
  postalExample: string | null;
  regionRequired: number;
  regionLabel: string;
}

const compiled = new Map<string, RegExp | undefined>();
function patternOf(source: string): RegExp | undefined {
  if (!compiled.has(source)) {
    try {
      compiled.set(source, new RegExp(source, "i"));
    } catch {
      compiled.set(source, undefined);
    }
  }
  return compiled.get(source);
}

/** The built-in rule of a country with the stored one (postal pattern, example, region) laid over it. */
export function effectiveRule(code: string, stored?: StoredCountryRule | null): CountryRule {
  const base = countryRule(code);
  if (!stored) return base;
  return {
    ...base,
    name: stored.name,
    regionLabel: stored.regionLabel,
    regionRequired: stored.regionRequired === 1,
    postalPattern: stored.postalPattern ? patternOf(stored.postalPattern) : undefined,
    postalExample: stored.postalExample ?? undefined,
    postalRequired: COUNTRY_RULES[code] ? base.postalRequired : !!stored.postalPattern,
  };
}

/** One field an address gets wrong for its country (`path` is `region` or `postalCode`). */
export interface AddressProblem {
  path: string;
  message: string;
}

/**
 * Field problems of an address under its country's rules: `[{ path, message }]`.
 * With `stored`, the country's rules from D1 (editable by admins) are used; callers with
 * bindings use `addressProblemsFor` in the service, which finds the stored row itself.
 */
export function addressProblems(
  a: { country: string; region?: string | null; postalCode?: string | null },
  stored?: StoredCountryRule | null,
): AddressProblem[] {
  const rule = effectiveRule(a.country, stored);
  const problems: AddressProblem[] = [];
  const region = a.region?.trim();
  if (rule.regionRequired && !region) problems.push({ path: "region", message: `${rule.regionLabel ?? "Region"} is required for ${rule.name}` });
  if (region && rule.regions && !rule.regions.includes(region.toUpperCase()))
    problems.push({ path: "region", message: `Not a ${rule.regionLabel?.toLowerCase() ?? "region"} of ${rule.name}` });
  const postal = a.postalCode?.trim();
  if (rule.postalRequired && !postal) problems.push({ path: "postalCode", message: `${rule.postalLabel} is required for ${rule.name}` });
  if (postal && rule.postalPattern && !rule.postalPattern.test(postal)) {
    problems.push({
      path: "postalCode",
      message: `Not a valid ${rule.postalLabel.toLowerCase()} for ${rule.name}${rule.postalExample ? ` (like ${rule.postalExample})` : ""}`,
    });
  }
  return problems;
}
