import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * Per-country rules: zone membership, whether the store ships there, the
 * address form (postal code pattern, required region), the display currency
 * suggested to shoppers there, taxes and import duties.
 *
 * `zone_id` points at `shipping_zones`: the SQL migration keeps that foreign key,
 * but the drizzle table does not name it, because shipping comes later in the
 * layer order than regions and a table may not reach up to a later domain.
 * So `npm run db:generate` proposes rebuilding `countries` without the key:
 * delete that part from the generated migration.
 */
export const countries = sqliteTable(
  "countries",
  {
    /** ISO 3166-1 alpha-2. */
    code: text("code").primaryKey(),
    name: text("name").notNull(),
    zoneId: text("zone_id"),
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
