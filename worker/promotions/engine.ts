// The promotions engine as pure functions: which discounts a cart qualifies for, what each takes off, and
// how that is spread over the lines. No I/O, so the cart, checkout and the unit tests compute it the same way.

import { formatMoney } from "../lib/money";
import type { PromotionKind } from "./tables";

/** What a promotion asks of the cart and the shopper; every field is optional. */
export interface PromotionConditions {
  /** Cart subtotal (before discounts) at least this, minor units. */
  minSubtotal?: number;
  /** Only these products count (and are discounted). */
  productIds?: string[];
  /** Only products in these categories (or below them) count. */
  categoryIds?: string[];
  /** Only products of these vendors count. */
  vendorIds?: string[];
  /** Only for a shopper's first order. */
  firstOrder?: boolean;
  /** Only for signed-in shoppers. */
  signedIn?: boolean;
}

export interface PromotionRule {
  id: string;
  name: string;
  code: string | null;
  kind: PromotionKind;
  value: number;
  buyQuantity: number;
  getQuantity: number;
  conditions: PromotionConditions;
  combinable: boolean;
  status: "active" | "paused";
  startsAt: number | null;
  endsAt: number | null;
  usageLimit: number | null;
  perCustomerLimit: number | null;
}

export interface EvalLine {
  sku: string;
  productId: string | null;
  /** The product's category path ("/cat_a/cat_b/"), so a category condition covers its descendants. */
  categoryPath: string | null;
  vendorId: string | null;
  unitPrice: number;
  quantity: number;
}

export interface EvalContext {
  now: number;
  signedIn: boolean;
  /** The shopper has no paid order yet (the caller asks orders). */
  firstOrder: boolean;
  /** The code the shopper entered, upper-case, or null. */
  code: string | null;
  /** Uses left per promotion id (total and for this shopper), when the caller knows them; missing = unlimited. */
  usesLeft?: Map<string, { total: number | null; customer: number | null }>;
}

/** Why a promotion does not apply, with the condition it failed (for problem details and the cart). */
export type Refusal =
  | { code: "promotions.expired"; condition: "ends_at" }
  | {
      code: "promotions.not_eligible";
      condition: "status" | "starts_at" | "min_subtotal" | "products" | "first_order" | "signed_in" | "combination" | "no_saving";
    }
  | { code: "promotions.limit_reached"; condition: "usage_limit" | "per_customer_limit" };

export interface AppliedPromotion {
  promotionId: string;
  name: string;
  code: string | null;
  kind: PromotionKind;
  /** Taken off the goods, minor units. */
  amount: number;
  /** Shipping becomes free. */
  freeShipping: boolean;
  /** This promotion's share of each line, in the order of the input lines. */
  lineAmounts: number[];
}

export interface Evaluation {
  applied: AppliedPromotion[];
  /** The entered code when it does not apply, and why. */
  codeRefusal: Refusal | null;
  /** Sum of every applied promotion's share per line (never more than the line's total). */
  lineDiscounts: number[];
  goodsDiscount: number;
  freeShipping: boolean;
}

/**
 * Splits `total` over `weights` in proportion, in whole minor units, by the
 * largest-remainder method: the parts sum to exactly `total`, and no part
 * exceeds its weight when `total` ≤ the sum of the weights. Ties go to the
 * earlier index, so the result is deterministic.
 */
export function allocateLargestRemainder(total: number, weights: number[]): number[] {
  const sum = weights.reduce((s, w) => s + w, 0);
  if (total <= 0 || sum <= 0) return weights.map(() => 0);
  const parts = weights.map((w) => Math.floor((total * w) / sum));
  let left = total - parts.reduce((s, p) => s + p, 0);
  const order = weights
    .map((w, i) => ({ i, rem: (total * w) % sum }))
    .filter((x) => (weights[x.i] as number) > 0)
    .sort((a, b) => b.rem - a.rem || a.i - b.i);
  for (let k = 0; left > 0 && order.length; k = (k + 1) % order.length, left--) parts[(order[k] as { i: number }).i]! += 1;
  return parts;
}

/** `amount × bp / 10000`, rounded half up. */
function percentOf(amount: number, bp: number): number {
  return Math.floor((amount * bp + 5000) / 10000);
}

function lineMatches(rule: PromotionRule, line: EvalLine): boolean {
  const c = rule.conditions;
  if (c.productIds?.length && !(line.productId && c.productIds.includes(line.productId))) return false;
  if (c.categoryIds?.length && !c.categoryIds.some((id) => line.categoryPath?.includes(`/${id}/`))) return false;
  if (c.vendorIds?.length && !(line.vendorId && c.vendorIds.includes(line.vendorId))) return false;
  return true;
}

/** Why `rule` cannot apply to this cart and shopper (null when it can), checked in the order a shopper can act on. */
export function refusalOf(rule: PromotionRule, lines: EvalLine[], ctx: EvalContext): Refusal | null {
  if (rule.status !== "active") return { code: "promotions.not_eligible", condition: "status" };
  if (rule.endsAt !== null && ctx.now >= rule.endsAt) return { code: "promotions.expired", condition: "ends_at" };
  if (rule.startsAt !== null && ctx.now < rule.startsAt) return { code: "promotions.not_eligible", condition: "starts_at" };
  const left = ctx.usesLeft?.get(rule.id);
  if (left?.total !== null && left?.total !== undefined && left.total <= 0) return { code: "promotions.limit_reached", condition: "usage_limit" };
  if (left?.customer !== null && left?.customer !== undefined && left.customer <= 0)
    return { code: "promotions.limit_reached", condition: "per_customer_limit" };
  if (rule.conditions.signedIn && !ctx.signedIn) return { code: "promotions.not_eligible", condition: "signed_in" };
  if (rule.conditions.firstOrder && !ctx.firstOrder) return { code: "promotions.not_eligible", condition: "first_order" };
  const subtotal = lines.reduce((s, l) => s + l.unitPrice * l.quantity, 0);
  if (rule.conditions.minSubtotal && subtotal < rule.conditions.minSubtotal) return { code: "promotions.not_eligible", condition: "min_subtotal" };
  if (!lines.some((l) => l.quantity > 0 && lineMatches(rule, l))) return { code: "promotions.not_eligible", condition: "products" };
  if (rule.kind === "buy_x_get_y") {
    const units = lines.filter((l) => lineMatches(rule, l)).reduce((s, l) => s + l.quantity, 0);
    if (units < rule.buyQuantity + rule.getQuantity) return { code: "promotions.not_eligible", condition: "products" };
  }
  return null;
}

/**
 * What one promotion takes off each line, given what is left of each line
 * after the promotions applied before it (so no line goes below zero).
 * Percentage and fixed amounts are spread over the matching lines by largest
 * remainder; buy X get Y discounts the cheapest units of each group of X+Y.
 */
export function promotionLineAmounts(rule: PromotionRule, lines: EvalLine[], remaining: number[]): number[] {
  const weights = lines.map((l, i) => (lineMatches(rule, l) ? (remaining[i] as number) : 0));
  const eligible = weights.reduce((s, w) => s + w, 0);
  switch (rule.kind) {
    case "percentage":
      return allocateLargestRemainder(Math.min(eligible, percentOf(eligible, Math.min(10000, rule.value))), weights);
    case "fixed":
      return allocateLargestRemainder(Math.min(eligible, rule.value), weights);
    case "free_shipping":
      return lines.map(() => 0);
    case "buy_x_get_y": {
      const group = rule.buyQuantity + rule.getQuantity;
      const amounts = lines.map(() => 0);
      if (group <= 0 || rule.getQuantity <= 0) return amounts;
      // Every unit, dearest first; in each full group of X+Y the last Y (the cheapest) are discounted.
      const units = lines
        .flatMap((l, i) => (lineMatches(rule, l) ? Array.from({ length: l.quantity }, () => ({ i, price: l.unitPrice })) : []))
        .sort((a, b) => b.price - a.price || a.i - b.i);
      const full = Math.floor(units.length / group) * group;
      for (let u = 0; u < full; u++) {
        if (u % group < rule.buyQuantity) continue;
        const unit = units[u] as { i: number; price: number };
        amounts[unit.i]! += percentOf(unit.price, Math.min(10000, rule.value));
      }
      return amounts.map((a, i) => Math.min(a, remaining[i] as number));
    }
  }
}

function applyAll(rules: PromotionRule[], lines: EvalLine[]): { applied: AppliedPromotion[]; remaining: number[] } {
  const remaining = lines.map((l) => l.unitPrice * l.quantity);
  const applied: AppliedPromotion[] = [];
  for (const rule of rules) {
    const lineAmounts = promotionLineAmounts(rule, lines, remaining);
    lineAmounts.forEach((a, i) => {
      remaining[i] = (remaining[i] as number) - a;
    });
    const amount = lineAmounts.reduce((s, a) => s + a, 0);
    const freeShipping = rule.kind === "free_shipping";
    if (amount > 0 || freeShipping)
      applied.push({ promotionId: rule.id, name: rule.name, code: rule.code, kind: rule.kind, amount, freeShipping, lineAmounts });
  }
  return { applied, remaining };
}

const saving = (applied: AppliedPromotion[]) => applied.reduce((s, a) => s + a.amount, 0);

/**
 * Evaluates a cart: every automatic promotion it qualifies for plus the
 * entered code. Combination is explicit: promotions marked combinable apply
 * together (automatic ones first, then the code); one that is not combinable
 * applies only alone, and the set that saves the shopper most wins (on a tie
 * the entered code's set). Amounts are in the order of `lines`.
 */
export function evaluatePromotions(rules: PromotionRule[], lines: EvalLine[], ctx: EvalContext): Evaluation {
  const automatic = rules.filter((r) => r.code === null && refusalOf(r, lines, ctx) === null);
  const codeRule = ctx.code ? rules.find((r) => r.code === ctx.code) : undefined;
  let codeRefusal: Refusal | null = codeRule ? refusalOf(codeRule, lines, ctx) : null;
  const withCode = codeRule && !codeRefusal ? [codeRule] : [];

  const candidates: PromotionRule[][] = [];
  const together = [...automatic.filter((r) => r.combinable), ...withCode.filter((r) => r.combinable)];
  candidates.push(together);
  for (const r of [...withCode, ...automatic]) if (!r.combinable) candidates.push([r]);
  let best = applyAll([], lines);
  let bestRules: PromotionRule[] = [];
  for (const set of candidates) {
    const result = applyAll(set, lines);
    const better = saving(result.applied) > saving(best.applied);
    const tieWithCode = saving(result.applied) === saving(best.applied) && codeRule !== undefined && set.includes(codeRule) && !bestRules.includes(codeRule);
    const moreFreeShipping =
      saving(result.applied) === saving(best.applied) && result.applied.some((a) => a.freeShipping) && !best.applied.some((a) => a.freeShipping);
    if (better || tieWithCode || moreFreeShipping) {
      best = result;
      bestRules = set;
    }
  }
  if (codeRule && !codeRefusal) {
    if (!bestRules.includes(codeRule)) codeRefusal = { code: "promotions.not_eligible", condition: "combination" };
    else if (!best.applied.some((a) => a.promotionId === codeRule.id)) codeRefusal = { code: "promotions.not_eligible", condition: "no_saving" };
  }
  const lineDiscounts = lines.map((l, i) => l.unitPrice * l.quantity - (best.remaining[i] as number));
  return {
    applied: best.applied,
    codeRefusal,
    lineDiscounts,
    goodsDiscount: lineDiscounts.reduce((s, d) => s + d, 0),
    freeShipping: best.applied.some((a) => a.freeShipping),
  };
}

/** What a refusal says to a shopper, naming the condition. */
export function refusalMessage(r: Refusal, rule?: Pick<PromotionRule, "conditions">, currency = "USD"): string {
  switch (r.condition) {
    case "ends_at":
      return "This code has expired.";
    case "status":
      return "This code is not active.";
    case "starts_at":
      return "This code is not valid yet.";
    case "min_subtotal":
      return `This code needs a subtotal of at least ${formatMoney({ amount: rule?.conditions.minSubtotal ?? 0, currency })}.`;
    case "products":
      return "None of the items in your cart qualify for this code.";
    case "first_order":
      return "This code is only for a first order.";
    case "signed_in":
      return "Sign in to use this code.";
    case "combination":
      return "This code cannot be combined with a better discount already in your cart.";
    case "no_saving":
      return "This code takes nothing off this cart.";
    case "usage_limit":
      return "This code has been used as often as it may be.";
    case "per_customer_limit":
      return "You have already used this code as often as you may.";
  }
}

/**
 * Payment-page lines for goods whose price after discounts (`net`) may not
 * divide by the quantity: a line becomes at most two lines with whole unit
 * prices (some units one minor unit dearer), summing to exactly `net`.
 */
export function netPaymentLines<T extends { unitPrice: number; quantity: number }>(lines: (T & { net: number })[]): (T & { net: number })[] {
  return lines.flatMap((l) => {
    if (l.net === l.unitPrice * l.quantity) return [l];
    const unit = Math.floor(l.net / l.quantity);
    const dearer = l.net - unit * l.quantity;
    const parts: (T & { net: number })[] = [];
    if (l.quantity - dearer > 0) parts.push({ ...l, unitPrice: unit, quantity: l.quantity - dearer, net: unit * (l.quantity - dearer) });
    if (dearer > 0) parts.push({ ...l, unitPrice: unit + 1, quantity: dearer, net: (unit + 1) * dearer });
    return parts;
  });
}
