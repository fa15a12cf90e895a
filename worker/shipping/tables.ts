import { sql } from "drizzle-orm";
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
 * Per-country rules: zone membership, whether the store ships there, the
 * address form (postal code pattern, required region), the display currency
 * suggested to shoppers there, taxes and import duties.
 */
export const countries = sqliteTable(
  "countries",
  {
    /** ISO 3166-1 alpha-2. */
    code: text("code").primaryKey(),
    name: text("name").notNull(),
    zoneId: text("zone_id").references(() => shippingZones.id),
    ships: integer("ships").notNull().default(1),
    /** ISO 4217 currency suggested for shoppers from this country. */
    currency: text("currency").notNull(),
    /** Regular expression (anchored) a postal code must match; null when the country has none. */
    postalPattern: text("postal_pattern"),
    /** Example shown as the postal code field's hint ("SW1A 1AA"). */
    postalExample: text("postal_example"),
    /** 1 when state/province/region is required (US, CA, AU...). */
    regionRequired: integer("region_required").notNull().default(0),
    /** Label of the region field in that country ("State", "Province"). */
    regionLabel: text("region_label").notNull().default("Region"),
    /** Tax rate in basis points (2000 = 20 %). */
    taxRateBp: integer("tax_rate_bp").notNull().default(0),
    taxLabel: text("tax_label").notNull().default("Tax"),
    /** 1 when prices there are shown tax-inclusive (VAT/GST countries). */
    taxInclusive: integer("tax_inclusive").notNull().default(0),
    taxShipping: integer("tax_shipping").notNull().default(1),
    /** Goods value (base currency, minor units) above which import duties apply; null = no duties estimated. */
    dutyThreshold: integer("duty_threshold"),
    dutyRateBp: integer("duty_rate_bp").notNull().default(0),
  },
  (t) => [index("countries_zone_idx").on(t.zoneId)],
);

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
