import { DurableObject } from "cloudflare:workers";

export type CartLine = {
  sku: string;
  quantity: number;
  /** Unit price (minor units) when the line was added or last changed, to flag later price changes. */
  priceSeen: number;
  addedAt: number;
};

export type CartAddResult = { ok: true; quantity: number; lines: CartLine[] } | { ok: false; reason: "insufficient_stock" | "too_many_lines"; inCart: number };

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
  private hasTable = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
  }

  // The table is created by the first write, in that write's transaction: a new cart then costs one
  // commit instead of two, and reading a cart that was never written creates nothing.
  private tableExists(): boolean {
    this.hasTable ||= this.sql.exec("select 1 from sqlite_master where type = 'table' and name = 'lines'").toArray().length > 0;
    return this.hasTable;
  }

  private ensureTable(): void {
    if (this.hasTable) return;
    this.sql.exec("create table if not exists lines (sku text primary key, quantity integer not null, price_seen integer not null, added_at integer not null)");
    this.hasTable = true;
  }

  private quantityOf(sku: string): number {
    if (!this.tableExists()) return 0;
    return this.sql.exec<{ quantity: number }>("select quantity from lines where sku = ?", sku).toArray()[0]?.quantity ?? 0;
  }

  private lineCount(): number {
    return this.tableExists() ? this.sql.exec<{ n: number }>("select count(*) as n from lines").one().n : 0;
  }

  /** The lines, oldest first. */
  lines(): CartLine[] {
    if (!this.tableExists()) return [];
    return this.sql.exec<CartLine>("select sku, quantity, price_seen as priceSeen, added_at as addedAt from lines order by added_at, sku").toArray();
  }

  /**
   * Adds `quantity` units of a SKU and answers the lines after the change, in one call so the
   * Worker needs no second round trip. The stock rule is checked here, against what is already
   * in this cart, so concurrent adds cannot both pass it: the line may not exceed `available`
   * (`insufficient_stock`, with what the cart already holds). A line never holds more than
   * MAX_QUANTITY units (more is capped) and a cart at most MAX_LINES different SKUs.
   */
  add(sku: string, quantity: number, priceSeen: number, available: number): CartAddResult {
    const inCart = this.quantityOf(sku);
    if (inCart + quantity > available) return { ok: false, reason: "insufficient_stock", inCart };
    if (!inCart && this.lineCount() >= MAX_LINES) return { ok: false, reason: "too_many_lines", inCart };
    const next = Math.min(inCart + quantity, MAX_QUANTITY);
    this.ensureTable();
    this.sql.exec(
      "insert into lines (sku, quantity, price_seen, added_at) values (?, ?, ?, ?) on conflict(sku) do update set quantity = excluded.quantity, price_seen = excluded.price_seen",
      sku,
      next,
      priceSeen,
      Date.now(),
    );
    return { ok: true, quantity: next, lines: this.lines() };
  }

  /** Sets a line's quantity (0 removes it) and answers the lines after the change, or null when there is no such line. */
  set(sku: string, quantity: number, priceSeen: number): CartLine[] | null {
    if (quantity <= 0) return this.remove(sku);
    if (!this.tableExists()) return null;
    const r = this.sql.exec("update lines set quantity = ?, price_seen = ? where sku = ?", Math.min(quantity, MAX_QUANTITY), priceSeen, sku);
    return r.rowsWritten > 0 ? this.lines() : null;
  }

  /** Removes a line and answers the lines left, or null when there was no such line. */
  remove(sku: string): CartLine[] | null {
    if (!this.tableExists()) return null;
    return this.sql.exec("delete from lines where sku = ?", sku).rowsWritten > 0 ? this.lines() : null;
  }

  /** Empties the cart (after a paid order, or by the shopper). */
  clear(): void {
    if (this.tableExists()) this.sql.exec("delete from lines");
  }

  /**
   * Folds another cart's lines into this one (a guest cart at sign-in):
   * quantities add, each capped by `caps[sku]` (stock available).
   */
  merge(lines: CartLine[], caps: Record<string, number>): CartLine[] {
    for (const line of lines) {
      const cap = Math.min(caps[line.sku] ?? MAX_QUANTITY, MAX_QUANTITY);
      const quantity = Math.min(this.quantityOf(line.sku) + line.quantity, cap);
      if (quantity <= 0) continue;
      this.ensureTable();
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
