import { decimalText, parseDecimal } from "../../../../worker/lib/money";
import type { PromotionView } from "../../../../worker/promotions/schema";

/** The promotion form's fields as text, for re-showing what was typed or the stored promotion. */
export type PromotionFormValues = Record<string, string>;

const list = (text: string | undefined) =>
  (text ?? "")
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
const whole = (text: string | undefined) => (text?.trim() ? Number(text.trim()) : undefined);
/** "10" or "12.5" (percent) → basis points; anything else is passed on as NaN for the schema to name. */
const percentBp = (text: string | undefined) => (text?.trim() ? Math.round(Number(text.trim()) * 100) : undefined);
const utc = (text: string | undefined) => (text?.trim() ? `${text.trim().length === 16 ? `${text.trim()}:00` : text.trim()}Z` : null);

/**
 * The JSON body the promotions schema parses, from the admin form: percentages typed as percent,
 * amounts as decimals of the store's currency, times as UTC date-times, lists comma-separated.
 */
export function promotionBodyFromForm(form: PromotionFormValues, currency: string): Record<string, unknown> {
  const kind = form.kind ?? "percentage";
  const money = (text: string | undefined) => (text?.trim() ? (parseDecimal(text, currency) ?? Number.NaN) : undefined);
  const value = kind === "fixed" ? money(form.value) : kind === "free_shipping" ? 0 : percentBp(form.value);
  const conditions: Record<string, unknown> = {};
  const min = money(form.minSubtotal);
  if (min !== undefined) conditions.minSubtotal = min;
  for (const key of ["productIds", "categoryIds", "vendorIds"] as const) if (list(form[key]).length) conditions[key] = list(form[key]);
  if (form.firstOrder === "on") conditions.firstOrder = true;
  if (form.signedIn === "on") conditions.signedIn = true;
  return {
    name: form.name ?? "",
    code: form.code?.trim() ? form.code.trim() : null,
    kind,
    value: value ?? 0,
    buyQuantity: whole(form.buyQuantity) ?? 0,
    getQuantity: whole(form.getQuantity) ?? 0,
    conditions,
    combinable: form.combinable === "on",
    status: form.status === "paused" ? "paused" : "active",
    startsAt: utc(form.startsAt),
    endsAt: utc(form.endsAt),
    usageLimit: whole(form.usageLimit) ?? null,
    perCustomerLimit: whole(form.perCustomerLimit) ?? null,
  };
}

/** The form's text for a stored promotion. */
export function formValuesOf(p: PromotionView, currency: string): PromotionFormValues {
  const c = p.conditions;
  return {
    name: p.name,
    code: p.code ?? "",
    kind: p.kind,
    value: p.kind === "fixed" ? decimalText({ amount: p.value, currency }) : p.kind === "free_shipping" ? "" : String(p.value / 100),
    buyQuantity: p.buyQuantity ? String(p.buyQuantity) : "",
    getQuantity: p.getQuantity ? String(p.getQuantity) : "",
    minSubtotal: c.minSubtotal ? decimalText({ amount: c.minSubtotal, currency }) : "",
    productIds: (c.productIds ?? []).join(", "),
    categoryIds: (c.categoryIds ?? []).join(", "),
    vendorIds: (c.vendorIds ?? []).join(", "),
    firstOrder: c.firstOrder ? "on" : "",
    signedIn: c.signedIn ? "on" : "",
    combinable: p.combinable ? "on" : "",
    status: p.status,
    startsAt: p.startsAt ? p.startsAt.slice(0, 16) : "",
    endsAt: p.endsAt ? p.endsAt.slice(0, 16) : "",
    usageLimit: p.usageLimit ? String(p.usageLimit) : "",
    perCustomerLimit: p.perCustomerLimit ? String(p.perCustomerLimit) : "",
  };
}

/** "10 % off", "$5.00 off", "Free shipping", "Buy 2, get 1 free". */
export function describeOffer(p: Pick<PromotionView, "kind" | "value" | "buyQuantity" | "getQuantity">, formatMoney: (amount: number) => string): string {
  switch (p.kind) {
    case "percentage":
      return `${p.value / 100} % off`;
    case "fixed":
      return `${formatMoney(p.value)} off`;
    case "free_shipping":
      return "Free shipping";
    case "buy_x_get_y":
      return `Buy ${p.buyQuantity}, get ${p.getQuantity} ${p.value >= 10000 ? "free" : `${p.value / 100} % off`}`;
  }
}
