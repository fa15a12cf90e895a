import { env } from "cloudflare:workers";
import type { Address } from "../../worker/accounts/schema";
import { COUNTRY_RULES, type CountryRule, countryRows, effectiveRule } from "../../worker/regions";

/** The select's value for a country the store has no rules for; its code is typed in a field. */
export const OTHER_COUNTRY = "other";
export const DEFAULT_COUNTRY = "US";

const displayNames = new Intl.DisplayNames(["en"], { type: "region", fallback: "code" });

/** A country's name in English: the rules' name, else the platform's, else the code. */
export function countryName(code: string): string {
  const known = COUNTRY_RULES[code]?.name;
  if (known) return known;
  try {
    return displayNames.of(code) ?? code;
  } catch {
    return code;
  }
}

/** The built-in countries, by name; `addressFormRules().options` adds the ones staff created. */
export const COUNTRY_OPTIONS = Object.entries(COUNTRY_RULES)
  .map(([code, rule]) => ({ code, name: rule.name }))
  .sort((a, b) => a.name.localeCompare(b.name, "en"));

/** What the form shows for a country's region and postal fields. */
export interface FieldRule {
  regionLabel: string;
  regionRequired: boolean;
  regions: string[] | null;
  postalLabel: string;
  postalRequired: boolean;
  postalHint: string;
}

/** Labels and requiredness of the region and postal fields; a country without a region label still offers an optional region. */
export function toFieldRule(rule: CountryRule): FieldRule {
  return {
    regionLabel: rule.regionLabel ?? "State, province or region",
    regionRequired: rule.regionRequired ?? false,
    regions: rule.regions ?? null,
    postalLabel: rule.postalLabel,
    postalRequired: rule.postalRequired,
    postalHint: rule.postalExample ? `For example ${rule.postalExample}` : "",
  };
}

/**
 * The address form's rules in force (what admins keep in D1 over the built-in ones, the same rules the
 * address book and checkout check): `of(code)` for the selected country, `client` for the script that
 * relabels the form when the country changes.
 */
export async function addressFormRules(): Promise<{
  of: (code: string) => FieldRule;
  client: Record<string, FieldRule>;
  /** The countries the select offers, by name: the built-in ones plus every country staff added in Settings. */
  options: { code: string; name: string }[];
}> {
  const stored = await countryRows(env);
  const of = (code: string) => toFieldRule(effectiveRule(code, stored.get(code)));
  const added = [...stored.values()].filter((c) => !(c.code in COUNTRY_RULES)).map((c) => ({ code: c.code, name: c.name }));
  const options = added.length ? [...COUNTRY_OPTIONS, ...added].sort((a, b) => a.name.localeCompare(b.name, "en")) : COUNTRY_OPTIONS;
  const client: Record<string, FieldRule> = {};
  for (const { code } of options) client[code] = of(code);
  client[OTHER_COUNTRY] = of("ZZ");
  return { of, client, options };
}

/**
 * The form's values with a country staff added shown as itself rather than as "Other" (saved addresses and
 * posted forms only know the built-in list synchronously).
 */
export function withListedCountry(values: AddressValues, options: readonly { code: string }[]): AddressValues {
  if (values.country !== OTHER_COUNTRY || !options.some((o) => o.code === values.otherCountry)) return values;
  return { ...values, country: values.otherCountry, otherCountry: "" };
}

/** The form's values (all strings), from a saved address or empty for a new one. */
export type AddressValues = Record<
  "fullName" | "company" | "line1" | "line2" | "city" | "region" | "postalCode" | "country" | "otherCountry" | "phone",
  string
> & {
  isDefaultShipping: boolean;
  isDefaultBilling: boolean;
};

/** The country a new address starts with: where the request comes from (Cloudflare's `cf-ipcountry`) when the store knows its rules. */
export function likelyCountry(request: Request): string {
  const code = request.headers.get("cf-ipcountry")?.toUpperCase() ?? "";
  return code in COUNTRY_RULES ? code : DEFAULT_COUNTRY;
}

export function emptyAddressValues(country = DEFAULT_COUNTRY, fullName = ""): AddressValues {
  return {
    fullName,
    company: "",
    line1: "",
    line2: "",
    city: "",
    region: "",
    postalCode: "",
    country,
    otherCountry: "",
    phone: "",
    isDefaultShipping: false,
    isDefaultBilling: false,
  };
}

export function addressValues(a: Address): AddressValues {
  const known = a.country in COUNTRY_RULES;
  return {
    fullName: a.fullName,
    company: a.company ?? "",
    line1: a.line1,
    line2: a.line2 ?? "",
    city: a.city,
    region: a.region ?? "",
    postalCode: a.postalCode ?? "",
    country: known ? a.country : OTHER_COUNTRY,
    otherCountry: known ? "" : a.country,
    phone: a.phone ?? "",
    isDefaultShipping: a.isDefaultShipping,
    isDefaultBilling: a.isDefaultBilling,
  };
}

/** Reads the posted address form: the typed values (for re-rendering) and the body for the service. */
export function readAddressForm(form: Record<string, string>): { values: AddressValues; body: Record<string, unknown> } {
  const text = (k: keyof AddressValues) => (typeof form[k] === "string" ? form[k] : "");
  const values: AddressValues = {
    fullName: text("fullName"),
    company: text("company"),
    line1: text("line1"),
    line2: text("line2"),
    city: text("city"),
    region: text("region"),
    postalCode: text("postalCode"),
    country: text("country") || DEFAULT_COUNTRY,
    otherCountry: text("otherCountry").trim().toUpperCase(),
    phone: text("phone"),
    isDefaultShipping: form.isDefaultShipping === "on",
    isDefaultBilling: form.isDefaultBilling === "on",
  };
  // A listed country typed as "other" is simply that country.
  if (values.country === OTHER_COUNTRY && values.otherCountry in COUNTRY_RULES) {
    values.country = values.otherCountry;
    values.otherCountry = "";
  }
  const country = selectedCountry(values);
  const phone = values.phone.trim();
  const body: Record<string, unknown> = {
    fullName: values.fullName,
    company: values.company,
    line1: values.line1,
    line2: values.line2,
    city: values.city,
    region: values.region,
    postalCode: values.postalCode,
    country,
    phone: phone ? phone : null,
  };
  return { values, body };
}

/** The selected country's code: the select's value, or the typed code for "Other". */
export function selectedCountry(values: AddressValues): string {
  return values.country === OTHER_COUNTRY ? values.otherCountry : values.country;
}
