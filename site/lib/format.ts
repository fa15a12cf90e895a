import { convertAmount, type DisplayCurrency } from "../../worker/currency/convert";

export type { DisplayCurrency };

/** Money as the API and services carry it: integer minor units plus an ISO 4217 currency. */
export interface Money {
  amount: number;
  currency: string;
}

export const LOCALE = "en-US";

const formatters = new Map<string, Intl.NumberFormat>();

function formatterFor(currency: string): Intl.NumberFormat {
  let f = formatters.get(currency);
  if (!f) {
    f = new Intl.NumberFormat(LOCALE, { style: "currency", currency });
    formatters.set(currency, f);
  }
  return f;
}

/** "$1,234.50" from `{ amount: 123450, currency: "USD" }`; knows currencies without minor units (JPY). */
export function formatMoney(money: Money): string {
  const f = formatterFor(money.currency);
  const digits = f.resolvedOptions().maximumFractionDigits ?? 2;
  return f.format(money.amount / 10 ** digits);
}

const counts = new Intl.NumberFormat(LOCALE);

/** "1,234" */
export function formatCount(n: number): string {
  return counts.format(n);
}

/** "1 product" / "24 products" */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

/** "4.3" from 4.25; ratings are shown with one decimal. */
export function formatRating(average: number): string {
  return (Math.round(average * 10) / 10).toFixed(1);
}

/**
 * A base-currency amount in the shopper's display currency (integer minor
 * units, rounded half away from zero); unchanged when there is no display
 * currency or it is the amount's own.
 */
export function toDisplay(money: Money, display?: DisplayCurrency | null): Money {
  if (!display || display.code === money.currency) return money;
  return { amount: convertAmount(money.amount, display), currency: display.code };
}

/** "€23.00" for a $25.00 price shown in EUR; plain `formatMoney` without a display currency. */
export function formatPrice(money: Money, display?: DisplayCurrency | null): string {
  return formatMoney(toDisplay(money, display));
}

const codeFormatters = new Map<string, Intl.NumberFormat>();

/** "USD 123.45": the currency named by its code, for statements of what is charged. */
export function formatMoneyCode(money: Money): string {
  let f = codeFormatters.get(money.currency);
  if (!f) {
    f = new Intl.NumberFormat(LOCALE, { style: "currency", currency: money.currency, currencyDisplay: "code" });
    codeFormatters.set(money.currency, f);
  }
  const digits = f.resolvedOptions().maximumFractionDigits ?? 2;
  return f.format(money.amount / 10 ** digits).replace(/\u00a0/g, " ");
}

/** "12.5 %" from basis points. */
export function formatRate(bp: number): string {
  return `${formatCount(bp / 100)} %`;
}
