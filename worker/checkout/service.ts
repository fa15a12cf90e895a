import { getAddress } from "../accounts";
import { viewCart } from "../cart";
import { type DisplayCurrency, identityCurrency } from "../currency";
import type { Principal } from "../lib/context";
import { addressProblems } from "../regions";
import { UNKNOWN_IP } from "../lib/client-ip";
import { runBatch } from "../lib/d1-batch";
import { AppError } from "../lib/errors";
import { newId } from "../lib/ids";
import { encryptPii } from "../lib/pii-crypto";
import {
  actors,
  applyPaymentOutcome,
  groupBySeller,
  assertUnitsPerSku,
  claimHoldSlots,
  holdLimits,
  newOrderAccessToken,
  newOrderStatements,
  orderAddressContext,
  releaseHoldSlots,
  sellersOfProducts,
  vendorOrderStatements,
} from "../orders";
import { activeProvider, assertChargesSum, extraCharges, insertPaymentStatement, recordPaymentStart } from "../payments";
import {
  allocateLargestRemainder,
  customerKeyOf,
  evaluateCart,
  type HeldUse,
  netPaymentLines,
  redemptionStatements,
  refusalMessage,
  releaseUses,
  reservePromotionUses,
} from "../promotions";
import { holdPoints, planRedemption, releasePoints } from "../loyalty";
import { cartWeightGrams, quoteBySeller, quoteFor, servedCountry, shippingData } from "../shipping";
import { commissionRulesFor, splitOrder } from "../vendors";
import "./commission-targets";
import type { CheckoutAddress, CheckoutBody, CheckoutResult } from "./schema";

/** Holds outlive the payment page (Stripe Checkout sessions last at least 30 minutes). */
export const HOLD_TTL_MS = 45 * 60_000;
export const PAYMENT_WINDOW_MS = 31 * 60_000;

const ledger = (env: Env, sku: string) => env.INVENTORY_LEDGER.getByName(sku);

function orderNumber(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return `NW-${Array.from(bytes, (b) => "0123456789ABCDEFGHJKMNPQRSTVWXYZ"[b & 31]).join("")}`;
}

/**
 * Places an order from a cart: every amount recomputed from the catalog,
 * stock reserved SKU by SKU in a fixed (sorted) order — so two checkouts
 * never wait on each other in opposite orders — and released again if one SKU
 * is short (compensation); then the order, its lines, its timeline entry and
 * its payment are written in one D1 batch, and the payment starts.
 * Before any stock is held the order takes a slot under each open-order cap
 * (the client's cart, its address `ip`; see orders' hold limits): 429
 * `checkout.too_many_holds` when one is full, 409 `checkout.quantity_limit`
 * when a line asks for more units than one order may hold.
 */
export async function placeOrder(
  env: Env,
  input: { cartId: string; user: Principal | null; body: CheckoutBody; origin: string; display?: DisplayCurrency; ip?: string },
): Promise<CheckoutResult> {
  const { cartId, user, body, origin } = input;
  // A store that cannot take payments answers 503 here, before any stock is held for an order nobody can pay.
  const provider = activeProvider(env);
  const email = user?.email ?? body.email?.toLowerCase();
  if (!email) throw new AppError("checkout.email_required", 400, "Enter an email address for the order.", [{ path: "email", message: "Required for guests" }]);

  let address: CheckoutAddress;
  if (body.addressId) {
    if (!user) throw new AppError("checkout.address_not_found", 404, "Sign in to use a saved address.", [{ path: "addressId", message: "Not found" }]);
    const { id: _id, isDefaultBilling: _b, isDefaultShipping: _s, ...saved } = await getAddress(env, user.id, body.addressId);
    address = saved;
  } else if (body.shippingAddress) {
    address = body.shippingAddress;
  } else {
    throw new AppError("checkout.address_required", 400, "Enter a shipping address.", [{ path: "shippingAddress", message: "Required" }]);
  }
  // The country's rules as admins keep them (postal format, region, whether we ship there), for saved addresses too.
  const data = await shippingData(env);
  const field = body.addressId ? "addressId" : "shippingAddress.country";
  const country = servedCountry(data, address.country, field);
  const addressIssues = addressProblems(address, country).map((p) => ({ ...p, path: body.addressId ? "addressId" : `shippingAddress.${p.path}` }));
  if (addressIssues.length) throw new AppError("checkout.invalid_address", 400, "The shipping address is not complete for its country.", addressIssues);

  const cart = await viewCart(env, cartId);
  if (!cart.items.length) throw new AppError("checkout.cart_empty", 409, "The cart is empty.");
  const problems = cart.items.flatMap((item, i) =>
    item.issues.map((issue) => ({ path: `items.${i}.${issue === "price_changed" ? "unitPrice" : "quantity"}`, message: issue })),
  );
  if (problems.length) throw new AppError("checkout.cart_changed", 409, "Some items changed since you added them. Review your cart.", problems);
  const limits = holdLimits(env);
  assertUnitsPerSku(limits, cart.items);

  const currency = env.BASE_CURRENCY;
  const display = input.display ?? identityCurrency(currency);
  const subtotal = cart.items.reduce((s, i) => s + i.unitPrice.amount * i.quantity, 0);
  // Discounts from the catalog's prices now: the cart's code plus every automatic promotion it qualifies for.
  const shopper = { userId: user?.id ?? null, email, signedIn: !!user };
  const promos = await evaluateCart(env, cartId, cart.items, shopper);
  const code = promos.code;
  if (code && promos.codeRefusal) {
    const rule = [...promos.rules.values()].find((r) => r.code === code);
    throw new AppError(promos.codeRefusal.code, 409, refusalMessage(promos.codeRefusal, rule, currency), [
      { path: "code", message: promos.codeRefusal.condition },
    ]);
  }
  // Points pay for part of the goods after the other discounts, shared over the lines by what is left of each,
  // so they count as a discount everywhere (tax base, refunds' proration, the hosted page's line prices).
  const pointsPlan = body.redeemPoints ? await planRedemption(env, user?.id ?? null, body.redeemPoints, subtotal - promos.goodsDiscount, currency) : null;
  const pointsShares = allocateLargestRemainder(
    pointsPlan?.value ?? 0,
    cart.items.map((item, i) => item.unitPrice.amount * item.quantity - (promos.lineDiscounts[i] ?? 0)),
  );
  const goodsDiscount = promos.goodsDiscount + (pointsPlan?.value ?? 0);
  const weight = await cartWeightGrams(env, cart.items);
  const promo = { discount: goodsDiscount, freeShipping: promos.freeShipping };
  const quote = quoteFor(data, country, subtotal, weight, currency, display, undefined, promo);
  const option = quote.options.find((o) => o.id === body.shippingOption);
  const noOption = () =>
    new AppError("checkout.invalid_shipping_option", 400, "Choose a shipping option.", [{ path: "shippingOption", message: "Not available" }]);
  if (!option) throw noOption();
  // A marketplace cart ships in one parcel per seller: each group is quoted on its own and the order's
  // shipping is their sum. A cart of one seller (the store's own, usually) is quoted as a whole, as before.
  const sellers = await sellersOfProducts(
    env,
    cart.items.map((i) => i.productId),
  );
  const groups = groupBySeller(
    cart.items.map((item, i) => ({ ...item, discount: (promos.lineDiscounts[i] ?? 0) + (pointsShares[i] ?? 0) })),
    sellers,
  );
  const split =
    groups.length > 1
      ? await quoteBySeller((ls) => cartWeightGrams(env, ls), data, country, groups, option.id, {
          currency,
          display,
          subtotal,
          discount: goodsDiscount,
          freeShipping: promo.freeShipping,
        })
      : null;
  if (groups.length > 1 && !split) throw noOption();
  // What free shipping saved: the same method's price without it.
  const shippingDiscount = split
    ? split.saved
    : promo.freeShipping
      ? (quoteFor(data, country, subtotal, weight, currency, display, undefined, { ...promo, freeShipping: false }).options.find((o) => o.id === option.id)
          ?.price.amount ?? 0)
      : 0;
  const totals = split ? split.totals : option.totals;
  const shippingAmount = totals.shipping.amount;
  const grandTotal = totals.grandTotal.amount;
  const lineDiscount = new Map(cart.items.map((item, i) => [item.sku, (promos.lineDiscounts[i] ?? 0) + (pointsShares[i] ?? 0)]));

  const orderId = newId("ord");
  // Everything that can fail without touching stock runs before the first hold: an error after a
  // reserve would have to give every hold back, and an error here has nothing to give back.
  const access = await newOrderAccessToken(env, orderId);
  const shippingAddressEnc = await encryptPii(env.PII_KEYS, JSON.stringify(address), orderAddressContext(orderId));
  const paymentId = newId("pay");
  const number = orderNumber();
  // The slots outlive the holds taken just after by a margin, so a cap never frees up while its stock is still held.
  const holdSlots = await claimHoldSlots(env, orderId, { cartId, ip: input.ip ?? UNKNOWN_IP }, Date.now() + HOLD_TTL_MS + 60_000, limits);
  // Promotion uses before stock: a used-up code refuses the order before any stock is held. The uses lapse
  // with the same margin as the slots if this checkout dies before the order is written.
  const customerKey = customerKeyOf(shopper);
  let promoUses: HeldUse[];
  try {
    promoUses = await reservePromotionUses(env, orderId, customerKey, promos, Date.now() + HOLD_TTL_MS + 60_000);
  } catch (err) {
    await releaseHoldSlots(env, orderId, holdSlots);
    throw err;
  }
  if (pointsPlan && user) {
    try {
      await holdPoints(
        env,
        { id: orderId, userId: user.id, currency, expiresAt: Date.now() + HOLD_TTL_MS + 60_000 },
        pointsPlan,
        Object.fromEntries(cart.items.map((item, i) => [item.sku, pointsShares[i] ?? 0])),
      );
    } catch (err) {
      await releaseUses(env, orderId, promoUses);
      await releaseHoldSlots(env, orderId, holdSlots);
      throw err;
    }
  }
  const lines = [...cart.items].sort((a, b) => a.sku.localeCompare(b.sku));
  const held: { sku: string; holdId: string }[] = [];
  for (const [index, line] of lines.entries()) {
    const holdId = `${orderId}:${line.sku}`;
    const result = await ledger(env, line.sku).reserve(line.sku, holdId, line.quantity, HOLD_TTL_MS);
    if (!result.ok) {
      for (const h of held) await ledger(env, h.sku).release(h.sku, h.holdId, "checkout could not reserve every item");
      await releaseUses(env, orderId, promoUses);
      await releasePoints(env, orderId, "Checkout could not reserve every item");
      await releaseHoldSlots(env, orderId, holdSlots);
      const at = cart.items.findIndex((i) => i.sku === line.sku);
      throw new AppError(
        "checkout.item_out_of_stock",
        409,
        result.available > 0 ? `Only ${result.available} of ${line.name} left.` : `${line.name} just sold out.`,
        [{ path: `items.${at < 0 ? index : at}.quantity`, message: result.available > 0 ? `Only ${result.available} available` : "Out of stock" }],
      );
    }
    held.push({ sku: line.sku, holdId });
  }

  const now = Date.now();
  const orderRow = {
    id: orderId,
    number,
    userId: user?.id ?? null,
    email,
    cartId,
    status: "pending_payment" as const,
    currency,
    subtotal,
    discountTotal: goodsDiscount,
    shippingTotal: shippingAmount,
    taxTotal: totals.tax.total.amount,
    taxInclusive: totals.tax.inclusive ? 1 : 0,
    taxLabel: totals.tax.label,
    dutiesTotal: totals.duties.amount,
    grandTotal,
    displayCurrency: display.code,
    displayRateMicros: display.rateMicros,
    deliveryMinDays: option.minDays,
    deliveryMaxDays: option.maxDays,
    shippingOption: option.id,
    shippingCountry: address.country,
    shippingAddressEnc,
    accessTokenHash: access.hash,
    holdsExpireAt: now + HOLD_TTL_MS,
    holdSlots: JSON.stringify(holdSlots),
  };
  const paymentRow = { id: paymentId, orderId, provider: provider.name, status: "pending" as const, amount: grandTotal, currency };
  // Each seller's share of the tax, what it earns and the store's commission on it, frozen now with the order.
  const categoryOf = (productId: string | null) => (productId && sellers.get(productId)?.categoryId) || null;
  const vendorTargets = groups.flatMap((g) =>
    g.vendorId ? g.items.map((l) => ({ vendorId: g.vendorId as string, productId: l.productId, categoryId: categoryOf(l.productId) })) : [],
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
        categoryId: categoryOf(l.productId),
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
  try {
    const lineRows = lines.map((l) => ({
      sku: l.sku,
      productId: l.productId,
      name: l.name,
      variantTitle: l.variantTitle,
      unitPrice: l.unitPrice.amount,
      quantity: l.quantity,
      lineTotal: l.unitPrice.amount * l.quantity,
      discountTotal: lineDiscount.get(l.sku) ?? 0,
      holdId: `${orderId}:${l.sku}`,
      vendorId: (l.productId && sellers.get(l.productId)?.vendorId) || null,
      vendorOrderId: vendorOrderOf.get((l.productId && sellers.get(l.productId)?.vendorId) || "") ?? null,
      commissionRuleId: commissionOf.get(l.sku)?.ruleId ?? null,
      commissionBps: commissionOf.get(l.sku)?.bps ?? null,
      commissionFixed: commissionOf.get(l.sku)?.fixed ?? null,
      commissionTotal: commissionOf.get(l.sku)?.commission ?? 0,
    }));
    await runBatch(env.DB, [
      ...newOrderStatements(env.DB, orderRow, lineRows, user ? actors.customer(user.id) : actors.guest),
      ...vendorOrderStatements(env.DB, vendorOrderRows),
      insertPaymentStatement(env.DB, paymentRow),
      ...redemptionStatements(env.DB, { id: orderId, customerKey, grandTotal, currency, shippingDiscount }, promos),
    ]);
  } catch (err) {
    for (const h of held) await ledger(env, h.sku).release(h.sku, h.holdId, "order could not be saved");
    await releaseUses(env, orderId, promoUses);
    await releasePoints(env, orderId, "Order could not be saved");
    await releaseHoldSlots(env, orderId, holdSlots);
    throw err;
  }

  const orderUrl = `${origin}/orders/${orderId}?token=${access.token}`;
  // Each line at what is paid for it after discounts, in whole unit prices, so the hosted page sums to the order's total.
  const paymentLines = netPaymentLines(
    lines.map((l) => ({
      name: l.name,
      variantTitle: l.variantTitle,
      unitPrice: l.unitPrice.amount,
      quantity: l.quantity,
      net: l.unitPrice.amount * l.quantity - (lineDiscount.get(l.sku) ?? 0),
    })),
  ).map(({ net: _net, ...l }) => l);
  try {
    // Shipping, added tax and duties as their own lines on the hosted page; together with the goods exactly grandTotal.
    const charges = extraCharges({
      shipping: shippingAmount,
      tax: totals.tax.total.amount,
      taxLabel: totals.tax.label,
      taxInclusive: totals.tax.inclusive,
      duties: totals.duties.amount,
    });
    assertChargesSum(paymentLines, charges, grandTotal);
    const started = await provider.start(env, {
      payment: {
        ...paymentRow,
        providerRef: null,
        providerPaymentId: null,
        refundedAmount: 0,
        redirectUrl: null,
        failureReason: null,
        createdAt: "",
        updatedAt: "",
      },
      order: { id: orderId, number, email, grandTotal, currency },
      lines: paymentLines,
      charges,
      origin,
      expiresAt: now + PAYMENT_WINDOW_MS,
    });
    await recordPaymentStart(env, paymentId, started);
    return {
      orderId,
      orderNumber: number,
      status: "pending_payment",
      total: { amount: grandTotal, currency },
      totals,
      points: pointsPlan ? { points: pointsPlan.points, value: { amount: pointsPlan.value, currency } } : null,
      payment: { provider: provider.name, redirectUrl: started.redirectUrl },
      orderUrl,
    };
  } catch (err) {
    await applyPaymentOutcome(
      env,
      {
        provider: provider.name,
        eventId: `start-failed:${paymentId}`,
        eventType: "start_failed",
        paymentId,
        outcome: "failed",
        reason: "the payment could not be started",
      },
      origin,
    );
    console.error(JSON.stringify({ level: "error", msg: "payment start failed", orderId, error: String(err) }));
    throw new AppError("checkout.payment_failed", 502, "The payment could not be started. Nothing was charged; try again.");
  }
}
