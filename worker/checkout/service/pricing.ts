import { getAddress } from "../../accounts";
import { type CartView, viewCart } from "../../cart";
import { type DisplayCurrency, identityCurrency } from "../../currency";
import type { Principal } from "../../lib/context";
import { AppError } from "../../lib/errors";
import { assertUnitsPerSku, groupBySeller, holdLimits, type SellerGroup, sellersOfProducts } from "../../orders";
import { addressProblems } from "../../regions";
import { allocateLargestRemainder, evaluateCart, refusalMessage } from "../../promotions";
import { planRedemption } from "../../loyalty";
import { cartWeightGrams, quoteBySeller, quoteFor, servedCountry, shippingData } from "../../shipping";
import type { CheckoutAddress, CheckoutBody } from "../schema";

type Shopper = { userId: string | null; email: string; signedIn: boolean };
type Promotions = Awaited<ReturnType<typeof evaluateCart>>;
type PointsPlan = Awaited<ReturnType<typeof planRedemption>>;
type Quote = ReturnType<typeof quoteFor>;
type Sellers = Awaited<ReturnType<typeof sellersOfProducts>>;
type Split = Awaited<ReturnType<typeof quoteBySeller>>;

/**
 * What an order will charge, computed from the catalog, the cart, the promotions and the shipping
 * rules as they are now. Nothing is held or written to compute it.
 */
export interface CheckoutPlan {
  email: string;
  address: CheckoutAddress;
  cart: CartView;
  /** The cart's lines in SKU order: the order stock is held in, and the order's lines and payment lines are listed in. */
  lines: CartView["items"];
  shopper: Shopper;
  limits: ReturnType<typeof holdLimits>;
  currency: string;
  display: DisplayCurrency;
  /** Goods before any discount. */
  subtotal: number;
  promos: Promotions;
  /** Points the shopper spends on this order, or null. */
  pointsPlan: PointsPlan | null;
  /** Promotions and points together: what the goods are discounted by. */
  goodsDiscount: number;
  /** Each SKU's discount (promotions and its share of the points). */
  lineDiscount: Map<string, number>;
  /** Each SKU's share of the points' value. */
  pointsBySku: Record<string, number>;
  option: Quote["options"][number];
  totals: Quote["options"][number]["totals"];
  /** What free shipping saved: the same method's price without it. */
  shippingDiscount: number;
  sellers: Sellers;
  /** The cart's lines by seller, one parcel each (with each line's discount). */
  groups: SellerGroup<CartView["items"][number] & { discount: number }>[];
  /** Set when the cart ships in more than one parcel: each group's shipping and the summed totals. */
  split: Split | null;
}

const noOption = () =>
  new AppError("checkout.invalid_shipping_option", 400, "Choose a shipping option.", [{ path: "shippingOption", message: "Not available" }]);

/** The shipping address of a checkout: a saved one (signed-in shoppers only) or the one typed in. */
async function addressOf(env: Env, user: Principal | null, body: CheckoutBody): Promise<CheckoutAddress> {
  if (body.addressId) {
    if (!user) throw new AppError("checkout.address_not_found", 404, "Sign in to use a saved address.", [{ path: "addressId", message: "Not found" }]);
    const { id: _id, isDefaultBilling: _b, isDefaultShipping: _s, ...saved } = await getAddress(env, user.id, body.addressId);
    return saved;
  }
  if (body.shippingAddress) return body.shippingAddress;
  throw new AppError("checkout.address_required", 400, "Enter a shipping address.", [{ path: "shippingAddress", message: "Required" }]);
}

/**
 * Prices a checkout: every amount recomputed from the catalog (never from the cart's remembered
 * prices), the address checked against its country's rules, the cart's code and automatic
 * promotions applied, points shared over the lines, and the chosen shipping option quoted (one
 * parcel per seller in a marketplace cart). Answers 400/404/409 problems naming the field.
 */
export async function priceCheckout(
  env: Env,
  input: { cartId: string; user: Principal | null; body: CheckoutBody; display?: DisplayCurrency },
): Promise<CheckoutPlan> {
  const { cartId, user, body } = input;
  const email = user?.email ?? body.email?.toLowerCase();
  if (!email) throw new AppError("checkout.email_required", 400, "Enter an email address for the order.", [{ path: "email", message: "Required for guests" }]);
  const address = await addressOf(env, user, body);
  // The country's rules as admins keep them (postal format, region, whether we ship there), for saved addresses too.
  const data = await shippingData(env);
  const country = servedCountry(data, address.country, body.addressId ? "addressId" : "shippingAddress.country");
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
  const option = quoteFor(data, country, subtotal, weight, currency, display, undefined, promo).options.find((o) => o.id === body.shippingOption);
  if (!option) throw noOption();
  // A marketplace cart ships in one parcel per seller: each group is quoted on its own and the order's
  // shipping is their sum. A cart of one seller (the store's own, usually) is quoted as a whole.
  const sellers = await sellersOfProducts(
    env,
    cart.items.map((i) => i.productId),
  );
  const discountAt = (i: number) => (promos.lineDiscounts[i] ?? 0) + (pointsShares[i] ?? 0);
  const groups = groupBySeller(
    cart.items.map((item, i) => ({ ...item, discount: discountAt(i) })),
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
  const shippingDiscount = split
    ? split.saved
    : promo.freeShipping
      ? (quoteFor(data, country, subtotal, weight, currency, display, undefined, { ...promo, freeShipping: false }).options.find((o) => o.id === option.id)
          ?.price.amount ?? 0)
      : 0;
  return {
    email,
    address,
    cart,
    lines: [...cart.items].sort((a, b) => a.sku.localeCompare(b.sku)),
    shopper,
    limits,
    currency,
    display,
    subtotal,
    promos,
    pointsPlan,
    goodsDiscount,
    lineDiscount: new Map(cart.items.map((item, i) => [item.sku, discountAt(i)])),
    pointsBySku: Object.fromEntries(cart.items.map((item, i) => [item.sku, pointsShares[i] ?? 0])),
    option,
    totals: split ? split.totals : option.totals,
    shippingDiscount,
    sellers,
    groups,
    split,
  };
}
