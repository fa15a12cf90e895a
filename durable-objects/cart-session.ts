import { DurableObject } from "cloudflare:workers";

export type CartLine = {
  sku: string;
  quantity: number;
  /** Unit price (minor units) when the line was added or last changed, to flag later price changes. */
  priceSeen: number;
  addedAt: number;
};

export const MAX_LINES = 50;
export const MAX_QUANTITY = 99;

/**
 * One shopping cart: its lines (SKU, quantity, the price the shopper saw).
 * Prices, names and availability are never trusted from here: the Worker
 * reads them from the catalog at every read. Methods are plain state changes
 * with no outbound calls, so they run one at a time per cart.
 */
export class CartSession extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec("create table if not exists lines (sku text primary key, quantity integer not null, price_seen integer not null, added_at integer not null)");
  }

  /** The lines, oldest first. */
  lines(): CartLine[] {
    return this.sql.exec<CartLine>("select sku, quantity, price_seen as priceSeen, added_at as addedAt from lines order by added_at, sku").toArray();
  }

  /** Adds `quantity` to a line (creating it), capped at `max` units in total. */
  add(sku: string, quantity: number, priceSeen: number, max: number): { ok: true; quantity: number } | { ok: false; reason: "too_many_lines" } {
    const current = this.sql.exec<{ quantity: number }>("select quantity from lines where sku = ?", sku).toArray()[0];
    if (!current && this.sql.exec<{ n: number }>("select count(*) as n from lines").one().n >= MAX_LINES) return { ok: false, reason: "too_many_lines" };
    const next = Math.min((current?.quantity ?? 0) + quantity, max, MAX_QUANTITY);
    this.sql.exec(
      "insert into lines (sku, quantity, price_seen, added_at) values (?, ?, ?, ?) on conflict(sku) do update set quantity = excluded.quantity, price_seen = excluded.price_seen",
      sku,
      next,
      priceSeen,
      Date.now(),
    );
    return { ok: true, quantity: next };
  }

  /** Sets a line's quantity (0 removes it). Returns false when there is no such line. */
  set(sku: string, quantity: number, priceSeen: number): boolean {
    if (quantity <= 0) return this.remove(sku);
    const r = this.sql.exec("update lines set quantity = ?, price_seen = ? where sku = ?", Math.min(quantity, MAX_QUANTITY), priceSeen, sku);
    return r.rowsWritten > 0;
  }

  remove(sku: string): boolean {
    return this.sql.exec("delete from lines where sku = ?", sku).rowsWritten > 0;
  }

  /** Empties the cart (after a paid order, or by the shopper). */
  clear(): void {
    this.sql.exec("delete from lines");
  }

  /**
   * Folds another cart's lines into this one (a guest cart at sign-in):
   * quantities add, each capped by `caps[sku]` (stock available).
   */
  merge(lines: CartLine[], caps: Record<string, number>): CartLine[] {
    for (const line of lines) {
      const current = this.sql.exec<{ quantity: number }>("select quantity from lines where sku = ?", line.sku).toArray()[0];
      const cap = Math.min(caps[line.sku] ?? MAX_QUANTITY, MAX_QUANTITY);
      const quantity = Math.min((current?.quantity ?? 0) + line.quantity, cap);
      if (quantity <= 0) continue;
      this.sql.exec(
        "insert into lines (sku, quantity, price_seen, added_at) values (?, ?, ?, ?) on conflict(sku) do update set quantity = excluded.quantity",
        line.sku,
        quantity,
        line.priceSeen,
        line.addedAt,
      );
    }
    return this.lines();
  }
}
