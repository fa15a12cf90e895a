import { DurableObject } from "cloudflare:workers";

export type PromotionReserveResult = { ok: true; used: number } | { ok: false; reason: "usage_limit" | "per_customer_limit"; used: number };

export interface PromotionUsage {
  /** Uses reserved by orders waiting for payment (not yet expired). */
  reserved: number;
  /** Uses of paid orders. */
  committed: number;
}

interface UseRow extends Record<string, SqlStorageValue> {
  order_id: string;
  customer_key: string;
  state: "reserved" | "committed" | "released";
  expires_at: number;
}

/**
 * The exact usage count of one promotion (one object per promotion id).
 * Checkout reserves a use per order before the order is written; the payment
 * commits it; a cancellation, a failed payment or an expired hold releases it.
 * A reservation also lapses by itself at its deadline (a checkout that died
 * between reserving and writing its order leaks nothing for long), so no
 * alarm is needed: lapsed reservations simply stop counting.
 *
 * Every method is synchronous SQLite work with no await, so concurrent calls
 * never interleave and a limit is never overshot. Every method is idempotent
 * by order id (retried checkouts, redelivered payment events).
 */
export class PromotionCounter extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(
      `create table if not exists uses (
        order_id text primary key,
        customer_key text not null,
        state text not null,
        expires_at integer not null
      )`,
    );
    ctx.storage.sql.exec("create index if not exists uses_customer on uses (customer_key, state)");
  }

  private row(orderId: string): UseRow | undefined {
    return this.ctx.storage.sql.exec<UseRow>("select * from uses where order_id = ?", orderId).toArray()[0];
  }

  private counts(customerKey: string, now: number): { total: number; customer: number } {
    const live = "(state = 'committed' or (state = 'reserved' and expires_at > ?))";
    const total = this.ctx.storage.sql.exec<{ n: number }>(`select count(*) as n from uses where ${live}`, now).one().n;
    const customer = this.ctx.storage.sql.exec<{ n: number }>(`select count(*) as n from uses where customer_key = ? and ${live}`, customerKey, now).one().n;
    return { total, customer };
  }

  /**
   * Takes one use for `orderId` until `expiresAt` (epoch ms) if fewer than
   * `limit` uses are live in all and fewer than `perCustomer` for this
   * customer (null: unlimited). A second call for the same order answers the
   * first call's outcome without taking another use.
   */
  reserve(orderId: string, customerKey: string, limit: number | null, perCustomer: number | null, expiresAt: number): PromotionReserveResult {
    const now = Date.now();
    const existing = this.row(orderId);
    if (existing && (existing.state === "committed" || (existing.state === "reserved" && existing.expires_at > now))) {
      return { ok: true, used: this.counts(customerKey, now).total };
    }
    const counts = this.counts(customerKey, now);
    if (limit !== null && counts.total >= limit) return { ok: false, reason: "usage_limit", used: counts.total };
    if (perCustomer !== null && counts.customer >= perCustomer) return { ok: false, reason: "per_customer_limit", used: counts.total };
    this.ctx.storage.sql.exec(
      "insert into uses (order_id, customer_key, state, expires_at) values (?, ?, 'reserved', ?) on conflict(order_id) do update set state = 'reserved', expires_at = excluded.expires_at",
      orderId,
      customerKey,
      expiresAt,
    );
    return { ok: true, used: counts.total + 1 };
  }

  /**
   * Makes the order's use permanent (its payment succeeded). A reservation
   * that lapsed or was released is taken again if the limits still allow it;
   * otherwise the answer is `ok: false` and the caller decides (the shopper
   * has already paid the discounted price).
   */
  commit(orderId: string, customerKey: string, limit: number | null, perCustomer: number | null): PromotionReserveResult {
    const now = Date.now();
    const existing = this.row(orderId);
    if (existing?.state === "committed") return { ok: true, used: this.counts(customerKey, now).total };
    if (!(existing?.state === "reserved" && existing.expires_at > now)) {
      const counts = this.counts(customerKey, now);
      if (limit !== null && counts.total >= limit) return { ok: false, reason: "usage_limit", used: counts.total };
      if (perCustomer !== null && counts.customer >= perCustomer) return { ok: false, reason: "per_customer_limit", used: counts.total };
    }
    this.ctx.storage.sql.exec(
      "insert into uses (order_id, customer_key, state, expires_at) values (?, ?, 'committed', 0) on conflict(order_id) do update set state = 'committed'",
      orderId,
      customerKey,
    );
    return { ok: true, used: this.counts(customerKey, now).total };
  }

  /** Gives the order's use back (cancelled, payment failed, hold expired). Idempotent. */
  release(orderId: string): { released: boolean } {
    const existing = this.row(orderId);
    if (!existing || existing.state === "released") return { released: false };
    this.ctx.storage.sql.exec("update uses set state = 'released' where order_id = ?", orderId);
    return { released: true };
  }

  /** Live uses in all and, when `customerKey` is given, of that customer. */
  usage(customerKey = ""): PromotionUsage & { customer: number } {
    const now = Date.now();
    const reserved = this.ctx.storage.sql.exec<{ n: number }>("select count(*) as n from uses where state = 'reserved' and expires_at > ?", now).one().n;
    const committed = this.ctx.storage.sql.exec<{ n: number }>("select count(*) as n from uses where state = 'committed'").one().n;
    return { reserved, committed, customer: customerKey ? this.counts(customerKey, now).customer : 0 };
  }
}
