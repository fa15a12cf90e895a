/**
 * Money everywhere is integer minor units plus an ISO 4217 currency. This is the one place that turns
 * it into text (and into a decimal string for form fields): every currency's own number of minor
 * units comes from Intl (JPY 0, USD 2, BHD 3), so nothing divides by 100 by hand.
 */

/** Money as the API and services carry it: integer minor units plus an ISO 4217 currency. */
export interface Money {
  amount: number;
  currency: string;
}

export const LOCALE = "en-US";

const symbolFormatters = new Map<string, Intl.NumberFormat>();
const codeFormatters = new Map<string, Intl.NumberFormat>();

function formatterFor(cache: Map<string, Intl.NumberFormat>, currency: string, display: "symbol" | "code"): Intl.NumberFormat {
  let f = cache.get(currency);
  if (!f) {
    f = new Intl.NumberFormat(LOCALE, { style: "currency", currency, currencyDisplay: display });
    cache.set(currency, f);
  }
  return f;
}

const digitsOf = new Map<string, number>();

/** How many minor units a currency has: 2 for USD, 0 for JPY, 3 for BHD. */
export function minorUnitDigits(currency: string): number {
  let digits = digitsOf.get(currency);
  if (digits === undefined) {
    // resolvedOptions() builds a fresh object every call: asked once per currency, not once per price.
    digits = formatterFor(symbolFormatters, currency, "symbol").resolvedOptions().maximumFractionDigits ?? 2;
    digitsOf.set(currency, digits);
  }
  return digits;
}

/** "$1,234.50" from `{ amount: 123450, currency: "USD" }`; "¥1,235" from `{ amount: 1235, currency: "JPY" }`. */
export function formatMoney(money: Money): string {
  return formatterFor(symbolFormatters, money.currency, "symbol").format(money.amount / 10 ** minorUnitDigits(money.currency));
}

/** "USD 123.45": the currency named by its code, for statements of what is charged and for notes. */
export function formatMoneyCode(money: Money): string {
  const f = formatterFor(codeFormatters, money.currency, "code");
  return f.format(money.amount / 10 ** minorUnitDigits(money.currency)).replace(/\u00a0/g, " ");
}

/** "1234.50" (no symbol, no grouping) for a form field; "1235" for JPY, "1.250" for BHD. */
export function decimalText(money: Money): string {
  const digits = minorUnitDigits(money.currency);
  const sign = money.amount < 0 ? "-" : "";
  const abs = Math.abs(money.amount);
  if (digits === 0) return `${sign}${abs}`;
  const s = String(abs).padStart(digits + 1, "0");
  return `${sign}${s.slice(0, -digits)}.${s.slice(-digits)}`;
}

/**
 * Minor units from a decimal a person typed ("12.5" USD → 1250, "1200" JPY → 1200), or null when it is
 * not a plain non-negative decimal with at most the currency's digits.
 */
export function parseDecimal(text: string, currency: string): number | null {
  const digits = minorUnitDigits(currency);
  const m = /^\s*(\d{1,12})(?:\.(\d*))?\s*$/.exec(text);
  if (!m) return null;
  const frac = m[2] ?? "";
  if (frac.length > digits) return null;
  return Number(m[1]) * 10 ** digits + (frac ? Number(frac.padEnd(digits, "0")) : 0);
}
