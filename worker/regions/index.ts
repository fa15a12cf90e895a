// The regions domain's public surface: the countries the store knows and their address rules.
export {
  type AddressProblem,
  addressProblems,
  COUNTRY_RULES,
  type CountryRule,
  countryRule,
  effectiveRule,
} from "./address-rules";
export {
  addressProblemsFor,
  addressRuleFor,
  type CountryCheck,
  type CountryRow,
  countriesInZone,
  countryRows,
  countryView,
  createCountry,
  listCountrySettings,
  purgeRegionsCache,
  registerCountryCheck,
  updateCountry,
} from "./service";
export type { CountrySettings } from "./schema";
