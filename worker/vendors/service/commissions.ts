import { and, eq, inArray, or } from "drizzle-orm";
import { getDb } from "../../db/client";
import { type CommissionScope, commissionRules } from "../tables";

export type CommissionRule = typeof commissionRules.$inferSelect;

/** What a line is, for choosing its rule. */
export interface CommissionTarget {
  vendorId: string;
  productId: string | null;
  categoryId: string | null;
}

const RANK: Record<CommissionScope, number> = { product: 0, category: 1, vendor: 2, store: 3 };

/** The most specific rule for a line: product, then category, then vendor, then the store default; null if none. */
export function pickRule(rules: readonly CommissionRule[], line: CommissionTarget): CommissionRule | null {
  const matches = rules.filter(
    (r) =>
      (r.scope === "product" && r.target === line.productId) ||
      (r.scope === "category" && r.target === line.categoryId) ||
      (r.scope === "vendor" && r.target === line.vendorId) ||
      r.scope === "store",
  );
  return matches.sort((a, b) => RANK[a.scope] - RANK[b.scope])[0] ?? null;
}

/** The rules that can apply to these lines (one read at checkout). */
export async function commissionRulesFor(env: Env, lines: readonly CommissionTarget[]): Promise<CommissionRule[]> {
  const ids = (pick: (l: CommissionTarget) => string | null) => [...new Set(lines.map(pick).filter((v): v is string => !!v))];
  const by = (scope: CommissionScope, targets: string[]) =>
    targets.length ? [and(eq(commissionRules.scope, scope), inArray(commissionRules.target, targets))] : [];
  return getDb(env.DB)
    .select()
    .from(commissionRules)
    .where(
      or(
        eq(commissionRules.scope, "store"),
        ...by(
          "vendor",
          ids((l) => l.vendorId),
        ),
        ...by(
          "category",
          ids((l) => l.categoryId),
        ),
        ...by(
          "product",
          ids((l) => l.productId),
        ),
      ),
    );
}

/** Splits `total` over `weights` in proportion, to the unit, so the parts always add up (largest remainder). */
export function allocate(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((s, w) => s + w, 0);
  if (sum <= 0 || total === 0) return weights.map(() => 0);
  const exact = weights.map((w) => (total * w) / sum);
  const parts = exact.map(Math.floor);
  let left = total - parts.reduce((s, p) => s + p, 0);
  const order = exact.map((e, i) => ({ i, r: e - Math.floor(e) })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    parts[i] = (parts[i] as number) + 1;
    left -= 1;
  }
  return parts;
}

/** `bps` basis points of `amount`, rounded half up (amounts are never negative here). */
export function bpsOf(amount: number, bps: number): number {
  return Math.floor((amount * bps + 5000) / 10000);
}

/** One seller's lines and shipping as paid (after discounts), for the split. */
export interface SplitGroup {
  vendorId: string | null;
  shipping: number;
  lines: { productId: string | null; categoryId: string | null; quantity: number; paid: number }[];
}

export interface SplitLineResult {
  ruleId: string | null;
  bps: number | null;
  fixed: number | null;
  commission: number;
}

export interface SplitGroupResult {
  vendorId: string | null;
  /** The group's share of the order's tax. */
  tax: number;
  /** What the seller earns before commission: goods and shipping without tax. */
  gross: number;
  /** The store's commission: the lines' plus the shipping's. */
  commission: number;
  lines: SplitLineResult[];
}

/**
 * Splits a paid order between its sellers: the order's tax over every group's goods and shipping (the store
 * collects and remits it all), each vendor's gross (what it earns before commission) and the commission of each
 * vendor line by its rule. The store's own group (vendorId null) gets a tax share and no commission. Parts
 * always add up: the groups' gross plus the tax equal goods plus shipping plus the added tax, to the unit.
 */
export function splitOrder(input: { taxTotal: number; inclusive: boolean; groups: SplitGroup[]; rules: readonly CommissionRule[] }): SplitGroupResult[] {
  const groupWeights = input.groups.map((g) => g.lines.reduce((s, l) => s + l.paid, 0) + g.shipping);
  const groupTax = allocate(input.taxTotal, groupWeights);
  return input.groups.map((group, gi) => {
    const tax = groupTax[gi] as number;
    // The group's tax over its lines and (last) its shipping, the same way.
    const taxes = allocate(tax, [...group.lines.map((l) => l.paid), group.shipping]);
    const goods = group.lines.reduce((s, l) => s + l.paid, 0);
    const gross = goods + group.shipping - (input.inclusive ? tax : 0);
    if (!group.vendorId)
      return { vendorId: null, tax, gross, commission: 0, lines: group.lines.map(() => ({ ruleId: null, bps: null, fixed: null, commission: 0 })) };
    const vendorId = group.vendorId;
    const baseOf = (paid: number, lineTax: number, includeTax: boolean) => (input.inclusive ? paid - lineTax : paid) + (includeTax ? lineTax : 0);
    // Never more than the vendor earns on the part (its amount without tax), so a net is never negative.
    const netOf = (paid: number, partTax: number) => (input.inclusive ? paid - partTax : paid);
    const lines = group.lines.map((line, li) => {
      const rule = pickRule(input.rules, { vendorId, productId: line.productId, categoryId: line.categoryId });
      if (!rule) return { ruleId: null, bps: null, fixed: null, commission: 0 };
      const lineTax = taxes[li] as number;
      const base = baseOf(line.paid, lineTax, rule.includeTax);
      const raw = rule.kind === "percent" ? bpsOf(base, rule.rateBps) : rule.fixedAmount * line.quantity;
      return {
        ruleId: rule.id,
        bps: rule.kind === "percent" ? rule.rateBps : null,
        fixed: rule.kind === "fixed" ? rule.fixedAmount : null,
        commission: Math.max(0, Math.min(raw, netOf(line.paid, lineTax))),
      };
    });
    // Shipping is charged at the vendor's own rule (or the store default), never a product's or category's.
    const shippingRule = pickRule(input.rules, { vendorId, productId: null, categoryId: null });
    const shippingTax = taxes[group.lines.length] as number;
    const shippingCommission =
      shippingRule?.includeShipping && shippingRule.kind === "percent"
        ? Math.min(bpsOf(baseOf(group.shipping, shippingTax, shippingRule.includeTax), shippingRule.rateBps), netOf(group.shipping, shippingTax))
        : 0;
    const commission = lines.reduce((s, l) => s + l.commission, 0) + shippingCommission;
    return { vendorId, tax, gross, commission, lines };
  });
}
