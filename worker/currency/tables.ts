import { sql } from "drizzle-orm";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * Display currencies: how many units of `code` one unit of the base currency
 * buys, ×1,000,000 (0.92 EUR per USD = 920000). Editable by admins.
 */
export const exchangeRates = sqliteTable("exchange_rates", {
  code: text("code").primaryKey(),
  rateMicros: integer("rate_micros").notNull(),
  /** Minor-unit digits (2 for EUR, 0 for JPY). */
  decimals: integer("decimals").notNull().default(2),
  updatedAt: text("updated_at").notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
  updatedBy: text("updated_by"),
});
