import type { Principal } from "../../lib/context";
import { newId } from "../../lib/ids";
import { actors, newOrderStatements, vendorOrderStatements } from "../../orders";
import { insertPaymentStatement, type PaymentProviderName } from "../../payments";
import type { BatchItem } from "../../lib/d1-batch";
import { customerKeyOf, redemptionStatements } from "../../promotions";
import { commissionRulesFor, splitOrder } from "../../vendors";
import type { CheckoutHolds } from "./holds";
import { stockHoldId } from "./holds";
import type { CheckoutPlan } from "./pricing";

/** The order's identity and what was prepared for it before its holds were taken. */
export interface OrderHeader {
  orderId: string;
  number: string;
  paymentId: string;
  cartId: string;
  user: Principal | null;
  provider: PaymentProviderName;
  accessTokenHash: string;
  shippingAddressEnc: string;
  holdsExpireAt: number;
}

/** The payment row a checkout writes with its order. */
export function paymentRowOf(header: OrderHeader, plan: CheckoutPlan) {
  const grandTotal = plan.totals.grandTotal.amount;
  return { id: header.paymentId, orderId: header.orderId, provider: header.provider, status: "pending" as const, amount: grandTotal, currency: plan.currency };
}

/**
 * The statements that write a placed order in one D1 batch: the order, its lines, its timeline
 * entry, one vendor order per seller (with each seller's share of the tax, what it earns and the
 * store's commission, frozen now), its payment and its promotion uses.
 */
export async function orderStatements(env: Env, header: OrderHeader, plan: CheckoutPlan, holds: CheckoutHolds): Promise<BatchItem[]> {
  const { orderId } = header;
  const { totals, groups, split, sellers, currency, address } = plan;
  const shippingAmount = totals.shipping.amount;
  const orderRow = {
    id: orderId,
    number: header.number,
    userId: header.user?.id ?? null,
    email: plan.email,
    cartId: header.cartId,
    status: "pending_payment" as const,
    currency,
    subtotal: plan.subtotal,
    discountTotal: plan.goodsDiscount,
    shippingTotal: shippingAmount,
    taxTotal: totals.tax.total.amount,
    taxInclusive: totals.tax.inclusive ? 1 : 0,
    taxLabel: totals.tax.label,
    dutiesTotal: totals.duties.amount,
    grandTotal: totals.grandTotal.amount,
    displayCurrency: plan.display.code,
    displayRateMicros: plan.display.rateMicros,
    deliveryMinDays: plan.option.minDays,
    deliveryMaxDays: plan.option.maxDays,
    shippingOption: plan.option.id,
    shippingCountry: address.country,
    shippingAddressEnc: header.shippingAddressEnc,
    accessTokenHash: header.accessTokenHash,
    holdsExpireAt: header.holdsExpireAt,
    holdSlots: JSON.stringify(holds.slots),
  };
  const sellerOf = (productId: string | null) => (productId && sellers.get(productId)) || null;
  const vendorTargets = groups.flatMap((g) =>
    g.vendorId ? g.items.map((l) => ({ vendorId: g.vendorId as string, productId: l.productId, categoryId: sellerOf(l.productId)?.categoryId || null })) : [],
  );
  const money = splitOrder({
    taxTotal: totals.tax.total.amount,
    inclusive: totals.tax.inclusive,
    rules: vendorTargets.length ? await commissionRulesFor(env, vendorTargets) : [],
    groups: groups.map((g, i) => ({
      vendorId: g.vendorId,
      shipping: split?.perGroup[i] ?? shippingAmount,
      lines: g.items.map((l) => ({
        productId: l.productId,
        categoryId: sellerOf(l.productId)?.categoryId || null,
        quantity: l.quantity,
        paid: l.unitPrice.amount * l.quantity - l.discount,
      })),
    })),
  });
  const commissionOf = new Map(groups.flatMap((g, i) => g.items.map((l, li) => [l.sku, money[i]?.lines[li]] as const)));
  const vendorOrderRows = groups.flatMap((g, i) =>
    g.vendorId
      ? [
          {
            id: newId("vor"),
            orderId,
            vendorId: g.vendorId,
            currency,
            subtotal: g.items.reduce((s, l) => s + l.unitPrice.amount * l.quantity, 0),
            discountTotal: g.items.reduce((s, l) => s + l.discount, 0),
            shippingTotal: split?.perGroup[i] ?? shippingAmount,
            taxTotal: money[i]?.tax ?? 0,
            grossTotal: money[i]?.gross ?? 0,
            commissionTotal: money[i]?.commission ?? 0,
          },
        ]
      : [],
  );
  const vendorOrderOf = new Map(vendorOrderRows.map((v) => [v.vendorId, v.id]));
  const lineRows = plan.lines.map((l) => {
    const vendorId = sellerOf(l.productId)?.vendorId || null;
    const commission = commissionOf.get(l.sku);
    return {
      sku: l.sku,
      productId: l.productId,
      name: l.name,
      variantTitle: l.variantTitle,
      unitPrice: l.unitPrice.amount,
      quantity: l.quantity,
      lineTotal: l.unitPrice.amount * l.quantity,
      discountTotal: plan.lineDiscount.get(l.sku) ?? 0,
      holdId: stockHoldId(orderId, l.sku),
      vendorId,
      vendorOrderId: vendorOrderOf.get(vendorId ?? "") ?? null,
      commissionRuleId: commission?.ruleId ?? null,
      commissionBps: commission?.bps ?? null,
      commissionFixed: commission?.fixed ?? null,
      commissionTotal: commission?.commission ?? 0,
    };
  });
  const customerKey = customerKeyOf(plan.shopper);
  return [
    ...newOrderStatements(env.DB, orderRow, lineRows, header.user ? actors.customer(header.user.id) : actors.guest),
    ...vendorOrderStatements(env.DB, vendorOrderRows),
    insertPaymentStatement(env.DB, paymentRowOf(header, plan)),
    ...redemptionStatements(
      env.DB,
      { id: orderId, customerKey, grandTotal: orderRow.grandTotal, currency, shippingDiscount: plan.shippingDiscount },
      plan.promos,
    ),
  ];
}
