import type { DisplayCurrency } from "../../currency";
import { UNKNOWN_IP } from "../../lib/client-ip";
import type { Principal } from "../../lib/context";
import { runBatch } from "../../lib/d1-batch";
import { newId } from "../../lib/ids";
import { encryptPii } from "../../lib/pii-crypto";
import { newOrderAccessToken, orderAddressContext } from "../../orders";
import { activeProvider } from "../../payments";
import "../commission-targets";
import type { CheckoutBody, CheckoutResult } from "../schema";
import { HOLD_TTL_MS, holdForOrder, releaseOrderHolds } from "./holds";
import { startOrderPayment } from "./payment";
import { priceCheckout } from "./pricing";
import { type OrderHeader, orderStatements } from "./records";

function orderNumber(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return `NW-${Array.from(bytes, (b) => "0123456789ABCDEFGHJKMNPQRSTVWXYZ"[b & 31]).join("")}`;
}

/**
 * Places an order from a cart, in four steps:
 * 1. price it (pricing.ts): every amount recomputed from the catalog, nothing held yet;
 * 2. hold what it needs (holds.ts): a slot under each open-order cap (the client's cart, its
 *    address `ip`: 429 `checkout.too_many_holds` when one is full), the promotion uses, the points,
 *    and stock SKU by SKU in sorted order, all given back if one step fails;
 * 3. write the order, its lines, its timeline entry, its vendor orders and its payment in one D1
 *    batch (records.ts), giving the holds back if that fails;
 * 4. start the payment (payment.ts).
 * Everything that can fail without touching stock runs before the first hold: an error after a
 * hold has to give it back, an error before has nothing to give back. A store that cannot take
 * payments answers 503 before anything else.
 */
export async function placeOrder(
  env: Env,
  input: { cartId: string; user: Principal | null; body: CheckoutBody; origin: string; display?: DisplayCurrency; ip?: string },
): Promise<CheckoutResult> {
  const { cartId, user, origin } = input;
  const provider = activeProvider(env);
  const plan = await priceCheckout(env, input);

  const orderId = newId("ord");
  const access = await newOrderAccessToken(env, orderId);
  const shippingAddressEnc = await encryptPii(env.PII_KEYS, JSON.stringify(plan.address), orderAddressContext(orderId));
  const holds = await holdForOrder(env, orderId, plan, { cartId, ip: input.ip ?? UNKNOWN_IP });

  const now = Date.now();
  const header: OrderHeader = {
    orderId,
    number: orderNumber(),
    paymentId: newId("pay"),
    cartId,
    user,
    provider: provider.name,
    accessTokenHash: access.hash,
    shippingAddressEnc,
    holdsExpireAt: now + HOLD_TTL_MS,
  };
  try {
    await runBatch(env.DB, await orderStatements(env, header, plan, holds));
  } catch (err) {
    await releaseOrderHolds(env, orderId, holds, "Order could not be saved");
    throw err;
  }
  const orderUrl = `${origin}/orders/${orderId}?token=${access.token}`;
  return startOrderPayment(env, provider, { header, plan, orderUrl, origin, now });
}
