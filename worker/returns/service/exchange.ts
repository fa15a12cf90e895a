import { changesOf, runBatch } from "../../lib/d1-batch";
import { AppError, type FieldError } from "../../lib/errors";
import { decryptPii, encryptPii } from "../../lib/pii-crypto";
import { newOrderAccessToken, newOrderStatements, orderAddressContext, type OrderRow, refundOrder, transitionStatements } from "../../orders";
import type { ReturnView } from "../schema";
import {
  assertReturnPath,
  type ChangeContext,
  conflict,
  getReturnRow,
  moveStatements,
  type ReturnLineRow,
  type ReturnRow,
  refundQuote,
  requireAllInspected,
  returnView,
  returnWithOrder,
  sendReturnEmail,
} from "./shared";

const ledger = (env: Env, sku: string) => env.INVENTORY_LEDGER.getByName(sku);

/**
 * How long an approved exchange keeps its replacement units on hold. The parcel still has to travel
 * back and be inspected; a hold that expires anyway is re-reserved at shipping time if stock is left.
 */
export const EXCHANGE_HOLD_MS = 60 * 86_400_000;

/** The hold (and the replacement order line's `hold_id`) of one exchanged return line. */
export const exchangeHoldId = (lineId: string) => `exchange:${lineId}`;

/**
 * The replacement order's id, derived from the return: a second request shipping the same exchange
 * inserts the same primary key, so its whole batch fails and only one replacement order exists.
 */
export const exchangeOrderId = (returnId: string) => `ord_x${returnId.replace(/^ret_/, "")}`;

export interface ExchangeVariant {
  sku: string;
  productId: string;
  title: string;
  price: number;
  currency: string;
}

/** The variants (with price and currency) a set of SKUs names, for the price rule of an exchange. */
export async function exchangeVariants(env: Env, skus: string[]): Promise<Map<string, ExchangeVariant>> {
  const wanted = [...new Set(skus)];
  if (!wanted.length) return new Map();
  const rows = await env.DB.prepare(
    `select v.sku, v.product_id as productId, v.title, v.price, p.currency from product_variants v join products p on p.id = v.product_id
     where v.sku in (${wanted.map(() => "?").join(",")})`,
  )
    .bind(...wanted)
    .all<ExchangeVariant>();
  return new Map(rows.results.map((r) => [r.sku, r]));
}

/**
 * The price rule of an exchange, checked when the shopper asks: the replacement may cost the same or
 * less than was paid per unit of the returned line (the difference is refunded when it ships); a dearer
 * one is refused, since an exchange never takes a second payment.
 */
export function exchangePriceProblems(
  order: Pick<OrderRow, "currency">,
  wanted: { index: number; unitPrice: number; exchangeSku: string }[],
  variants: Map<string, ExchangeVariant>,
): FieldError[] {
  return wanted.flatMap((w) => {
    const v = variants.get(w.exchangeSku);
    if (!v) return [{ path: `lines.${w.index}.exchangeSku`, message: "Another variant of the same product" }];
    if (v.currency !== order.currency) return [{ path: `lines.${w.index}.exchangeSku`, message: "Not sold in this order's currency" }];
    if (v.price > w.unitPrice)
      return [{ path: `lines.${w.index}.exchangeSku`, message: "Costs more than the item you bought: return it for a refund and order this one" }];
    return [];
  });
}

/**
 * Holds the replacement units of every line of an exchange through each SKU's stock ledger, one hold
 * per return line (`exchange:<line id>`, so a retried approval holds nothing twice). If any SKU has too
 * little stock, the holds already taken are given back and the answer is 409 naming the line.
 */
export async function reserveExchange(env: Env, lines: ReturnLineRow[]): Promise<void> {
  const taken: ReturnLineRow[] = [];
  for (const [i, line] of lines.entries()) {
    if (!line.exchangeSku) continue;
    const held = await ledger(env, line.exchangeSku).reserve(line.exchangeSku, exchangeHoldId(line.id), line.quantity, EXCHANGE_HOLD_MS);
    if (!held.ok) {
      await releaseExchange(env, taken, "exchange could not be fully reserved");
      throw new AppError("returns.exchange_out_of_stock", 409, `Not enough ${line.exchangeSku} in stock for this exchange.`, [
        { path: `lines.${i}.exchangeSku`, message: held.reason === "insufficient_stock" ? `Only ${held.available} available` : "Cannot be reserved" },
      ]);
    }
    taken.push(line);
  }
}

/** Gives back the replacement units an exchange held (idempotent; units already shipped are left alone). */
export async function releaseExchange(env: Env, lines: ReturnLineRow[], reason: string): Promise<void> {
  for (const line of lines) if (line.exchangeSku) await ledger(env, line.exchangeSku).release(line.exchangeSku, exchangeHoldId(line.id), reason);
}

/**
 * After an approval that reserved units lost its status change to another request: if the return
 * did not end up approved (say it was declined meanwhile), the units go back; if it did, the winner
 * holds the very same units (same hold ids), so they stay.
 */
export async function settleLostApproval(env: Env, returnId: string, lines: ReturnLineRow[]): Promise<void> {
  const now = await getReturnRow(env, returnId);
  if (now.status !== "approved") await releaseExchange(env, lines, `return ${now.number} not approved`);
}

/**
 * Ships the replacement of a received, inspected exchange as its own order: a paid order of zero
 * charge whose lines are the replacement variants at price 0, to the original order's address, so it
 * goes through the normal shipment path (paid → fulfilling → shipped → delivered) while the original
 * order's lifecycle stays as it was. Steps, each safe to retry:
 * 1. the held units are committed in each SKU's ledger (idempotent by hold id; an expired hold is
 *    re-reserved if stock is left, else 409 `returns.exchange_out_of_stock` and nothing changed);
 * 2. one D1 batch moves the return received → exchanged (guarded), writes its audit and timeline rows,
 *    and inserts the replacement order under an id derived from the return, so of two requests at
 *    once only one commits (the other's insert hits the same primary key and its batch rolls back);
 * 3. when the replacement costs less than was paid for the returned units, the difference is refunded
 *    on the original order through its payment provider.
 */
export async function shipExchange(env: Env, id: string, ctx: ChangeContext): Promise<ReturnView> {
  const { ret, lines, order } = await returnWithOrder(env, id);
  if (ret.resolution !== "exchange")
    throw new AppError("returns.not_exchange", 409, `Return ${ret.number} asked for a refund, not an exchange.`, [{ path: "resolution", message: "Refund" }]);
  assertReturnPath(ret, "exchanged");
  requireAllInspected(ret, lines);
  const variants = await exchangeVariants(
    env,
    lines.map((l) => l.exchangeSku ?? ""),
  );
  for (const [i, line] of lines.entries()) {
    const sku = line.exchangeSku as string;
    const done = await ledger(env, sku).commit(sku, exchangeHoldId(line.id), line.quantity);
    if (!done.ok)
      throw new AppError("returns.exchange_out_of_stock", 409, `Not enough ${sku} in stock to ship this exchange.`, [
        { path: `lines.${i}.exchangeSku`, message: "Out of stock" },
      ]);
  }

  const orderId = exchangeOrderId(ret.id);
  const [address, access] = await Promise.all([
    decryptPii(env.PII_KEYS, order.shippingAddressEnc, orderAddressContext(order.id)),
    newOrderAccessToken(env, orderId),
  ]);
  const now = new Date().toISOString();
  const replacement = {
    id: orderId,
    number: `X-${ret.number.replace(/^R-/, "")}`,
    userId: order.userId,
    email: order.email,
    // No cart: the return is where the replacement came from.
    cartId: ret.id,
    status: "pending_payment" as const,
    currency: order.currency,
    subtotal: 0,
    shippingTotal: 0,
    taxTotal: 0,
    discountTotal: 0,
    grandTotal: 0,
    taxInclusive: order.taxInclusive,
    taxLabel: order.taxLabel,
    deliveryMinDays: order.deliveryMinDays,
    deliveryMaxDays: order.deliveryMaxDays,
    shippingOption: order.shippingOption,
    shippingCountry: order.shippingCountry,
    shippingAddressEnc: await encryptPii(env.PII_KEYS, address, orderAddressContext(orderId)),
    accessTokenHash: access.hash,
    holdsExpireAt: Date.now(),
    createdAt: now,
    updatedAt: now,
  };
  const orderLines = lines.map((l) => {
    const v = variants.get(l.exchangeSku as string);
    return {
      sku: l.exchangeSku as string,
      productId: v?.productId ?? null,
      name: l.name.replace(/ \(.*\)$/, ""),
      variantTitle: v?.title ?? "Default",
      unitPrice: 0,
      quantity: l.quantity,
      lineTotal: 0,
      discountTotal: 0,
      holdId: exchangeHoldId(l.id),
    };
  });
  const note = `Exchange for return ${ret.number} of order ${order.number}: nothing to pay.`;
  let moved: D1Result | undefined;
  try {
    [moved] = await runBatch(env.DB, [
      ...moveStatements(
        env,
        ret,
        order,
        "exchanged",
        ctx,
        `Return ${ret.number} exchanged: replacement order ${replacement.number}.`,
        {},
        {
          exchangeOrderId: orderId,
        },
      ),
      // Aborts the batch (NOT NULL) unless this request's move just happened, so a return closed or refunded
      // meanwhile never gets a replacement order.
      env.DB.prepare("update returns set number = (select number from returns where id = ?1 and status = 'exchanged') where id = ?1").bind(ret.id),
      ...newOrderStatements(env.DB, replacement, orderLines, ctx.actor),
      ...transitionStatements(env.DB, orderId, "pending_payment", "paid", ctx.actor, note, now),
      env.DB.prepare(
        "update returns set exchange_order_line_id = (select id from order_lines where order_id = ? order by id limit 1) where id = ? and status = 'exchanged'",
      ).bind(orderId, ret.id),
    ]);
  } catch (err) {
    if (String(err).includes("UNIQUE") || String(err).includes("NOT NULL")) throw conflict(ret);
    throw err;
  }
  if (changesOf(moved) === 0) throw conflict(ret);

  const quote = await refundQuote(env, ret, lines);
  const difference = lines.reduce((sum, l) => {
    const price = variants.get(l.exchangeSku as string)?.price ?? 0;
    return sum + Math.max(0, (quote.perLine.get(l.id) ?? 0) - price * l.quantity);
  }, 0);
  let refunded = 0;
  if (difference > 0) {
    await refundOrder(env, order.id, difference, `Exchange ${ret.number}: the replacement costs less`, ctx);
    refunded = difference;
    await runBatch(env.DB, [env.DB.prepare("update returns set refund_amount = ? where id = ?").bind(refunded, ret.id)]);
  }
  const after: ReturnRow = { ...(await getReturnRow(env, ret.id)) };
  await sendReturnEmail(env, ctx.origin, order, after, lines, "exchanged", {
    message: `Your replacement is order ${replacement.number}; we will email you when it ships.${refunded ? " The price difference is being refunded to your original payment method." : ""}`,
  });
  return returnView(env, after, lines);
}
