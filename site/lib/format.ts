import { convertAmount, type DisplayCurrency } from "../../worker/lib/exchange";
import { formatMoney, LOCALE, type Money } from "../../worker/lib/money";

export { formatMoney, formatMoneyCode, LOCALE, type Money } from "../../worker/lib/money";
export type { DisplayCurrency };

const counts = new Intl.NumberFormat(LOCALE);
// Made once: `toLocaleDateString(locale, options)` builds a new formatter on every call, which showed up as a
// large share of a product page's render (one per review).
const days = new Intl.DateTimeFormat(LOCALE, { year: "numeric", month: "short", day: "numeric", timeZone: "UTC" });

/** "Nov 30, 2026" from an ISO date or time, in UTC (the same text on the server and in the browser). */
export function formatDay(iso: string): string {
  return days.format(new Date(iso));
}

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

/** "12.5 %" from basis points. */
export function formatRate(bp: number): string {
  return `${formatCount(bp / 100)} %`;
}
