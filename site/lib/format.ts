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
