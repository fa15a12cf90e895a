import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * Shipping zones (domestic US, Canada, UK, EU, rest of world...). A country
 * belongs to at most one zone; a country in no zone, or with `ships = 0`, is
 * one the store does not ship to.
 */
export const shippingZones = sqliteTable("shipping_zones", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  position: integer("position").notNull().default(0),
});

/**
 * A shipping method in a zone. Price = base + per started kg, optionally only
 * within an order-value band, free from `freeOver` (all base currency, minor units).
 */
export const shippingRates = sqliteTable(
  "shipping_rates",
  {
    id: text("id").primaryKey(),
    zoneId: text("zone_id")
      .notNull()
      .references(() => shippingZones.id, { onDelete: "cascade" }),
    method: text("method", { enum: ["standard", "express"] }).notNull(),
    label: text("label").notNull(),
    basePrice: integer("base_price").notNull(),
    perKgPrice: integer("per_kg_price").notNull().default(0),
    minSubtotal: integer("min_subtotal").notNull().default(0),
    maxSubtotal: integer("max_subtotal"),
    freeOver: integer("free_over"),
    minDays: integer("min_days").notNull(),
    maxDays: integer("max_days").notNull(),
    active: integer("active").notNull().default(1),
  },
  (t) => [index("shipping_rates_zone_idx").on(t.zoneId, t.method)],
);
