import { ipLimitKey, UNKNOWN_IP } from "../lib/client-ip";
import { AppError } from "../lib/errors";

/**
 * Caps on stock held by orders waiting for payment. A checkout holds its
 * units for 45 minutes; without caps one anonymous client could hold a SKU's
 * whole stock by checking out again and again. Defaults below; each can be
 * changed with a Worker variable (a whole number; 0 turns that cap off).
 */
export const HOLD_LIMIT_DEFAULTS = {
  /** Open (pending-payment) orders per client: a guest's cart, or a signed-in customer (whose cart is per account). */
  perClient: 3,
  /** Open orders per client address (IPv4 address, or IPv6 /64). */
  perIp: 5,
  /** Units of one SKU a single order may hold. */
  unitsPerSku: 10,
} as const;

export type HoldLimits = { perClient: number; perIp: number; unitsPerSku: number };

function setting(value: string | undefined, fallback: number): number {
  if (value === undefined || value.trim() === "") return fallback;
  const n = Number(value);
  return Number.isInteger(n) && n >= 0 ? n : fallback;
}

/** The caps in force: Worker variables CHECKOUT_HOLDS_PER_CLIENT, CHECKOUT_HOLDS_PER_IP, CHECKOUT_UNITS_PER_SKU, else the defaults. */
export function holdLimits(env: Env): HoldLimits {
  return {
    perClient: setting(env.CHECKOUT_HOLDS_PER_CLIENT, HOLD_LIMIT_DEFAULTS.perClient),
    perIp: setting(env.CHECKOUT_HOLDS_PER_IP, HOLD_LIMIT_DEFAULTS.perIp),
    unitsPerSku: setting(env.CHECKOUT_UNITS_PER_SKU, HOLD_LIMIT_DEFAULTS.unitsPerSku),
  };
}

type Scope = "client" | "ip";
interface SlotKey {
  scope: Scope;
  key: string;
  limit: number;
}

const limiter = (env: Env, key: string) => env.RATE_LIMITER.getByName(key);

function slotKeys(limits: HoldLimits, who: { cartId: string; ip: string }): SlotKey[] {
  const keys: SlotKey[] = [];
  // A signed-in customer always checks out the account's one cart (worker/cart/service.ts, userCartId), so the
  // cart's counter is the customer's too: one counter and one Durable Object call fewer per checkout.
  if (limits.perClient > 0) keys.push({ scope: "client", key: `holds:cart:${who.cartId}`, limit: limits.perClient });
  // Without a client address (never on Cloudflare's edge) there is nothing to group by.
  if (limits.perIp > 0 && who.ip !== UNKNOWN_IP) keys.push({ scope: "ip", key: `holds:ip:${ipLimitKey(who.ip)}`, limit: limits.perIp });
  return keys;
}

function tooManyHolds(scope: Scope, limit: number, retryAfterSeconds: number): AppError {
  const minutes = Math.max(1, Math.ceil(retryAfterSeconds / 60));
  const whose = scope === "ip" ? `Your network already has ${limit} orders` : `You already have ${limit} orders`;
  return new AppError(
    "checkout.too_many_holds",
    429,
    `${whose} waiting for payment, each holding stock. Pay for or cancel one of them (from its order page or the link in its email), or wait: the oldest is released in about ${minutes} minute${minutes === 1 ? "" : "s"}.`,
    [],
    { "Retry-After": String(retryAfterSeconds) },
  );
}

/**
 * Throws 409 naming the line when an order would hold more units of one SKU
 * than `unitsPerSku` allows (0: no cap).
 */
export function assertUnitsPerSku(limits: HoldLimits, lines: { sku: string; name: string; quantity: number }[]): void {
  if (limits.unitsPerSku <= 0) return;
  const over = lines.flatMap((l, i) =>
    l.quantity > limits.unitsPerSku ? [{ path: `items.${i}.quantity`, message: `At most ${limits.unitsPerSku} per order` }] : [],
  );
  if (over.length)
    throw new AppError("checkout.quantity_limit", 409, `One order can hold at most ${limits.unitsPerSku} of each item. Lower the quantity in your cart.`, over);
}

/**
 * Takes one open-order slot per cap (the client's cart, the client's
 * address) for `orderId` until `expiresAt`, when its stock holds expire
 * anyway. Each cap is an exact counter in its own RateLimiter Durable Object,
 * so parallel checkouts cannot overshoot it. If a cap is full, the slots
 * already taken are given back and 429 `checkout.too_many_holds` is thrown with
 * Retry-After. Answers the limiter keys to store on the order, so the slots
 * can be given back when the order stops waiting (see `releaseHoldSlots`).
 */
export async function claimHoldSlots(
  env: Env,
  orderId: string,
  who: { cartId: string; ip: string },
  expiresAt: number,
  limits = holdLimits(env),
): Promise<string[]> {
  const keys = slotKeys(limits, who);
  const taken: string[] = [];
  // One cap after another, narrowest first: parallel checkouts of one cart are
  // turned away at the cart's counter and never occupy the wider ones.
  for (const k of keys) {
    const result = await limiter(env, k.key).acquireSlot(orderId, k.limit, expiresAt);
    if (!result.acquired) {
      await releaseHoldSlots(env, orderId, taken);
      throw tooManyHolds(k.scope, k.limit, result.retryAfterSeconds);
    }
    taken.push(k.key);
  }
  return taken;
}

/**
 * Gives back an order's open-order slots (paid, cancelled, expired, or never
 * saved). Idempotent; `keys` is what `claimHoldSlots` answered (stored on
 * the order as JSON).
 */
export async function releaseHoldSlots(env: Env, orderId: string, keys: string[] | string | null): Promise<void> {
  const list = typeof keys === "string" ? parseKeys(keys) : (keys ?? []);
  await Promise.all(list.map((key) => limiter(env, key).releaseSlot(orderId)));
}

function parseKeys(json: string): string[] {
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? value.filter((k): k is string => typeof k === "string" && k.startsWith("holds:")) : [];
  } catch {
    return [];
  }
}
