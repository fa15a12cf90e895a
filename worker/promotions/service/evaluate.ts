import { and, eq, inArray, isNull, or, sql } from "drizzle-orm";
import { lookupSkus, SKU_FACTS_MAX_AGE_MS } from "../../catalog";
import { products } from "../../catalog/tables";
import { batchPrepared, getDb, preparedQuery } from "../../db/client";
import { runBatch } from "../../lib/d1-batch";
import { AppError } from "../../lib/errors";
import { type EvalLine, type Evaluation, evaluatePromotions, type PromotionConditions, type PromotionRule, refusalMessage } from "../engine";
import type { CartPromotions } from "../schema";
import { promotionCartCodes, promotions } from "../tables";

export type PromotionRow = typeof promotions.$inferSelect;

/** A stored promotion as the engine reads it. */
export function ruleOf(row: PromotionRow): PromotionRule {
  return {
    id: row.id,
    name: row.name,
    code: row.code,
    kind: row.kind,
    value: row.value,
    buyQuantity: row.buyQuantity,
    getQuantity: row.getQuantity,
    conditions: JSON.parse(row.conditions) as PromotionConditions,
    combinable: row.combinable === 1,
    status: row.status,
    startsAt: row.startsAt,
    endsAt: row.endsAt,
    usageLimit: row.usageLimit,
    perCustomerLimit: row.perCustomerLimit,
  };
}

/** The shopper a cart or order belongs to: who limits per customer count against. */
export interface Shopper {
  userId: string | null;
  email?: string | null;
}

/** The key a per-customer limit counts by: the account, else the order's email. */
export function customerKeyOf(shopper: Shopper): string {
  return shopper.userId ? `user:${shopper.userId}` : `email:${(shopper.email ?? "").toLowerCase()}`;
}

/**
 * Whether the shopper has a paid order already ("first order" conditions).
 * Orders come later in the layer order, so they register the answer here.
 */
export type PriorOrdersCheck = (env: Env, shopper: Shopper) => Promise<boolean>;
let priorOrders: PriorOrdersCheck | null = null;
export function registerPriorOrdersCheck(check: PriorOrdersCheck): void {
  priorOrders = check;
}

/** A cart or order line as the caller has it (priced from the catalog). */
export interface PricedLine {
  sku: string;
  productId: string | null;
  unitPrice: { amount: number };
  quantity: number;
}

const counter = (env: Env, promotionId: string) => env.PROMOTION_COUNTER.getByName(promotionId);

/**
 * The lines with their products' category and seller. `factsMaxAgeMs` 0 reads them now (checkout, a code being
 * applied); the cart's own views pass the catalog's SKU-facts age, so they reuse what the same request's fresh
 * cart read just loaded instead of a query of their own.
 */
async function evalLines(env: Env, lines: PricedLine[], factsMaxAgeMs: number): Promise<EvalLine[]> {
  const ids = [...new Set(lines.map((l) => l.productId).filter((x): x is string => !!x))];
  let facts: { id: string; categoryPath: string | null; vendorId: string | null }[] = [];
  if (ids.length && factsMaxAgeMs > 0) {
    const bySku = await lookupSkus(
      env,
      lines.map((l) => l.sku),
      factsMaxAgeMs,
    );
    facts = [...bySku.values()].map((f) => ({ id: f.productId, categoryPath: f.categoryPath, vendorId: f.vendorId }));
  } else if (ids.length) {
    facts = await getDb(env.DB)
      .select({ id: products.id, categoryPath: products.categoryPath, vendorId: products.vendorId })
      .from(products)
      .where(inArray(products.id, ids));
  }
  const byId = new Map(facts.map((f) => [f.id, f]));
  return lines.map((l) => {
    const f = l.productId ? byId.get(l.productId) : undefined;
    return {
      sku: l.sku,
      productId: l.productId,
      categoryPath: f?.categoryPath ?? null,
      vendorId: f?.vendorId ?? null,
      unitPrice: l.unitPrice.amount,
      quantity: l.quantity,
    };
  });
}

/** Every automatic promotion that is switched on, and the promotion of `code` (in any state). */
async function candidateRules(env: Env, code: string | null): Promise<PromotionRule[]> {
  const rows = await getDb(env.DB)
    .select()
    .from(promotions)
    .where(or(and(isNull(promotions.code), eq(promotions.status, "active")), code ? eq(promotions.code, code) : undefined));
  return rows.map(ruleOf);
}

// The code a cart carries, and the promotions that may apply to it: every automatic one switched on, and the
// carried code's (in any state). Built once per binding (db/client.ts, `preparedQuery`).
const carriedCodeQuery = preparedQuery((db) =>
  db
    .select({ code: promotionCartCodes.code })
    .from(promotionCartCodes)
    .where(eq(promotionCartCodes.cartId, sql.placeholder("cartId")))
    .prepare(),
);
const cartRulesQuery = preparedQuery((db) =>
  db
    .select()
    .from(promotions)
    .where(
      or(
        and(isNull(promotions.code), eq(promotions.status, "active")),
        eq(
          promotions.code,
          sql`(select ${promotionCartCodes.code} from ${promotionCartCodes} where ${promotionCartCodes.cartId} = ${sql.placeholder("cartId")})`,
        ),
      ),
    )
    .prepare(),
);

/**
 * The code a cart carries and the promotions that may apply to it, in one D1 round trip: one batch, so both come
 * from the same moment.
 */
async function cartCodeAndRules(env: Env, cartId: string): Promise<{ code: string | null; rules: PromotionRule[] }> {
  const [codes, rows] = await batchPrepared(env.DB, [
    [carriedCodeQuery(env.DB), { cartId }],
    [cartRulesQuery(env.DB), { cartId }],
  ]);
  return { code: codes[0]?.code ?? null, rules: rows.map(ruleOf) };
}

export interface CartEvaluation extends Evaluation {
  rules: Map<string, PromotionRule>;
  code: string | null;
}

/**
 * Evaluates the discounts of a set of priced lines for a shopper: product
 * facts (category, vendor) from the catalog, the first-order answer from
 * orders, and the uses left of every limited promotion from its counter.
 */
async function evaluateLines(
  env: Env,
  lines: PricedLine[],
  shopper: Shopper & { signedIn: boolean },
  code: string | null,
  now = Date.now(),
): Promise<CartEvaluation> {
  const [rules, evLines] = await Promise.all([candidateRules(env, code), evalLines(env, lines, 0)]);
  return evaluateWith(env, rules, evLines, shopper, code, now);
}

/**
 * The same for a cart, with the code it carries: the code and the candidate promotions in one round trip,
 * beside the lines' facts. `factsMaxAgeMs` as for `evalLines`.
 */
export async function evaluateCart(
  env: Env,
  cartId: string,
  lines: PricedLine[],
  shopper: Shopper & { signedIn: boolean },
  factsMaxAgeMs = 0,
): Promise<CartEvaluation> {
  const [{ code, rules }, evLines] = await Promise.all([cartCodeAndRules(env, cartId), evalLines(env, lines, factsMaxAgeMs)]);
  return evaluateWith(env, rules, evLines, shopper, code, Date.now());
}

async function evaluateWith(
  env: Env,
  rules: PromotionRule[],
  evLines: EvalLine[],
  shopper: Shopper & { signedIn: boolean },
  code: string | null,
  now: number,
): Promise<CartEvaluation> {
  const needsFirst = rules.some((r) => r.conditions.firstOrder);
  const firstOrder = needsFirst && priorOrders ? !(await priorOrders(env, shopper)) : true;
  const key = customerKeyOf(shopper);
  const usesLeft = new Map<string, { total: number | null; customer: number | null }>();
  await Promise.all(
    rules
      .filter((r) => r.usageLimit !== null || r.perCustomerLimit !== null)
      .map(async (r) => {
        const usage = await counter(env, r.id).usage(key);
        usesLeft.set(r.id, {
          total: r.usageLimit === null ? null : r.usageLimit - usage.reserved - usage.committed,
          customer: r.perCustomerLimit === null || (!shopper.userId && !shopper.email) ? null : r.perCustomerLimit - usage.customer,
        });
      }),
  );
  const result = evaluatePromotions(rules, evLines, { now, signedIn: shopper.signedIn, firstOrder, code, usesLeft });
  return { ...result, rules: new Map(rules.map((r) => [r.id, r])), code };
}

/** What the cart's discounts look like now, for the cart API and page. */
export function cartPromotionsView(env: Env, ev: CartEvaluation): CartPromotions {
  const currency = env.BASE_CURRENCY;
  const m = (amount: number) => ({ amount, currency });
  const codeRule = ev.code ? [...ev.rules.values()].find((r) => r.code === ev.code) : undefined;
  return {
    code: ev.code,
    codeProblem: ev.codeRefusal
      ? { code: ev.codeRefusal.code, condition: ev.codeRefusal.condition, message: refusalMessage(ev.codeRefusal, codeRule, currency) }
      : ev.code && !codeRule
        ? { code: "promotions.not_found", condition: "code", message: "This code does not exist." }
        : null,
    applied: ev.applied.map((a) => ({
      promotionId: a.promotionId,
      name: a.name,
      code: a.code,
      kind: a.kind,
      amount: m(a.amount),
      freeShipping: a.freeShipping,
    })),
    discount: m(ev.goodsDiscount),
    freeShipping: ev.freeShipping,
    lineDiscounts: ev.lineDiscounts.map(m),
  };
}

/**
 * The discounts of a cart: its carried code plus every automatic promotion,
 * evaluated on the cart's lines as priced now.
 */
export async function cartPromotions(env: Env, cartId: string, lines: PricedLine[], shopper: Shopper & { signedIn: boolean }): Promise<CartPromotions> {
  // Shown, not charged: category and seller as fresh as the cart's prices (the cart views read those now, so this
  // reuses that read; after a cart write they are at most the SKU facts' age). Checkout evaluates again from D1.
  return cartPromotionsView(env, await evaluateCart(env, cartId, lines, shopper, SKU_FACTS_MAX_AGE_MS));
}

const conflictStatus = (code: string) => (code === "promotions.limit_reached" || code === "promotions.expired" ? 409 : 422);

/**
 * Applies a code to a cart (replacing the code it carried). Refused with
 * 404 `promotions.not_found`, 409 `promotions.expired` / `promotions.limit_reached`
 * or 422 `promotions.not_eligible`, each naming the failed condition in `errors`.
 */
export async function applyCartCode(
  env: Env,
  cartId: string,
  code: string,
  lines: PricedLine[],
  shopper: Shopper & { signedIn: boolean },
): Promise<CartPromotions> {
  const ev = await evaluateLines(env, lines, shopper, code);
  const rule = [...ev.rules.values()].find((r) => r.code === code);
  if (!rule) throw new AppError("promotions.not_found", 404, "This code does not exist.", [{ path: "code", message: "Unknown code" }]);
  if (ev.codeRefusal)
    throw new AppError(ev.codeRefusal.code, conflictStatus(ev.codeRefusal.code), refusalMessage(ev.codeRefusal, rule, env.BASE_CURRENCY), [
      { path: "code", message: ev.codeRefusal.condition },
    ]);
  await getDb(env.DB)
    .insert(promotionCartCodes)
    .values({ cartId, code })
    .onConflictDoUpdate({ target: promotionCartCodes.cartId, set: { code, appliedAt: new Date().toISOString() } });
  return cartPromotionsView(env, ev);
}

/** Takes the code off the cart; 404 when the cart does not carry it. */
export async function removeCartCode(env: Env, cartId: string, code: string): Promise<void> {
  const res = await getDb(env.DB)
    .delete(promotionCartCodes)
    .where(and(eq(promotionCartCodes.cartId, cartId), eq(promotionCartCodes.code, code.toUpperCase())))
    .run();
  if (!res.meta.changes)
    throw new AppError("promotions.code_not_applied", 404, "This cart does not carry that code.", [{ path: "code", message: "Not applied" }]);
}

/**
 * At sign-in, the code a guest applied follows their lines into the account's
 * cart, unless that cart already carries a code of its own (the account's
 * choice stands). The guest cart keeps no code either way. Idempotent.
 */
export async function carryCartCode(env: Env, fromCartId: string, toCartId: string): Promise<void> {
  await runBatch(env.DB, [
    env.DB.prepare(
      "insert into promotion_cart_codes (cart_id, code, applied_at) select ?, code, applied_at from promotion_cart_codes where cart_id = ? on conflict(cart_id) do nothing",
    ).bind(toCartId, fromCartId),
    env.DB.prepare("delete from promotion_cart_codes where cart_id = ?").bind(fromCartId),
  ]);
}

/** Forgets a cart's code (after its order is paid). */
export async function forgetCartCode(env: Env, cartId: string): Promise<void> {
  await getDb(env.DB).delete(promotionCartCodes).where(eq(promotionCartCodes.cartId, cartId)).run();
}
