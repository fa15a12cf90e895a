import { z } from "@hono/zod-openapi";
import { MoneySchema } from "../lib/openapi";

/**
 * What the storefront reports. `purchase_completed` carries the order id; the order confirmation page may be
 * shown more than once, so reports count distinct sessions and orders, never events.
 */
export const AnalyticsEventType = z.enum([
  "page_viewed",
  "product_viewed",
  "category_viewed",
  "search_performed",
  "filter_used",
  "cart_item_added",
  "cart_item_removed",
  "checkout_started",
  "checkout_step",
  "purchase_completed",
]);
export type AnalyticsEventType = z.infer<typeof AnalyticsEventType>;

const SubjectId = z
  .string()
  .min(1)
  .max(120)
  .openapi({ description: "Product id, SKU, category slug, search text, filter names, checkout step, order id or page path (by type)." });

/** One event of a batch. Ids only: no personal data travels in analytics. */
export const AnalyticsEventInput = z
  .object({
    type: AnalyticsEventType,
    subjectId: SubjectId.optional(),
    resultCount: z.number().int().min(0).max(10_000_000).optional().openapi({ description: "For searches: how many products matched." }),
  })
  .strict()
  .openapi("AnalyticsEventInput");
export type AnalyticsEventInput = z.infer<typeof AnalyticsEventInput>;

/**
 * One event (`type`, …) or a batch (`events`) of one anonymous browser session. The session id is random
 * and made in the browser; it names no one.
 */
export const RecordEventBody = z
  .object({
    sessionId: z
      .string()
      .regex(/^[A-Za-z0-9_-]{16,64}$/, "16 to 64 letters, digits, - or _")
      .optional()
      .openapi({ description: "Anonymous session id (random; renewed after 30 minutes without an event)." }),
    type: AnalyticsEventType.optional(),
    subjectId: SubjectId.optional(),
    resultCount: z.number().int().min(0).max(10_000_000).optional(),
    events: z.array(AnalyticsEventInput).min(1).max(50).optional(),
  })
  .strict()
  .refine((b) => (b.type === undefined) !== (b.events === undefined), { message: "Send one event (type) or a batch (events), not both", path: ["events"] })
  .openapi("RecordEventBody");
export type RecordEventBody = z.infer<typeof RecordEventBody>;

/** The queue message body: one event, stamped at the edge. */
export const AnalyticsMessage = z.object({
  type: AnalyticsEventType,
  subjectId: z.string().max(120).nullable(),
  occurredAt: z.string(),
  sessionId: z.string().max(64).nullable().optional(),
  device: z.enum(["mobile", "tablet", "desktop"]).nullable().optional(),
  country: z.string().length(2).nullable().optional(),
  resultCount: z.number().int().min(0).nullable().optional(),
});
export type AnalyticsMessage = z.infer<typeof AnalyticsMessage>;

const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "A date as YYYY-MM-DD");

/** A report's date range: store-local days, both ends included. Defaults to the last 30 days. */
export const ReportQuery = z
  .object({
    from: Day.optional().openapi({ description: "First day (store time zone), YYYY-MM-DD." }),
    to: Day.optional().openapi({ description: "Last day, included (store time zone), YYYY-MM-DD." }),
    compare: z.enum(["previous", "none"]).optional().openapi({ description: "Compare with the period of the same length just before (default) or not." }),
  })
  .strict();
export type ReportQuery = z.infer<typeof ReportQuery>;

export const REPORT_EXPORTS = ["sales", "daily", "funnel", "products", "vendors", "searches", "no-result-searches", "devices", "countries"] as const;
export const ExportParam = z.object({ report: z.enum(REPORT_EXPORTS).openapi({ param: { name: "report", in: "path" } }) });
export type ReportExport = (typeof REPORT_EXPORTS)[number];

export const SalesFigures = z
  .object({
    currency: z.string(),
    gross: MoneySchema,
    discounts: MoneySchema,
    returns: MoneySchema,
    net: MoneySchema,
    tax: MoneySchema,
    shipping: MoneySchema,
    orders: z.number().int(),
    averageOrderValue: MoneySchema,
    customers: z.number().int(),
    returningCustomers: z.number().int(),
    returningCustomerRate: z.number().openapi({ description: "returningCustomers ÷ customers, 0 to 1 (0 without customers)." }),
  })
  .openapi("AnalyticsSalesFigures");
export type SalesFigures = z.infer<typeof SalesFigures>;

export const FunnelFigures = z
  .object({ sessions: z.number().int(), productViews: z.number().int(), addToCart: z.number().int(), checkout: z.number().int(), purchase: z.number().int() })
  .openapi("AnalyticsFunnel");
export type FunnelFigures = z.infer<typeof FunnelFigures>;

export const DayFigures = z.object({ day: z.string(), net: z.number().int(), orders: z.number().int(), sessions: z.number().int() }).openapi("AnalyticsDay");
export type DayFigures = z.infer<typeof DayFigures>;

export const ProductFigures = z
  .object({
    productId: z.string(),
    name: z.string(),
    revenue: MoneySchema,
    units: z.number().int(),
    orders: z.number().int(),
    views: z.number().int(),
    conversion: z.number().nullable().openapi({ description: "Orders containing the product ÷ its views; null without views." }),
  })
  .openapi("AnalyticsProduct");
export type ProductFigures = z.infer<typeof ProductFigures>;

export const VendorFigures = z
  .object({
    vendorId: z.string(),
    name: z.string(),
    handle: z.string(),
    sales: MoneySchema.openapi({
      description: "The seller's order lines in paid orders placed in the period, after their discounts (before refunds, tax and shipping).",
    }),
    orders: z.number().int().openapi({ description: "Paid orders with at least one of the seller's lines." }),
    units: z.number().int(),
    views: z.number().int().openapi({ description: "Product views of the seller's products (from the storefront's events)." }),
    conversion: z.number().nullable().openapi({ description: "orders ÷ views; null without views." }),
  })
  .openapi("AnalyticsVendor");
export type VendorFigures = z.infer<typeof VendorFigures>;

export const CountRow = z.object({ key: z.string(), count: z.number().int() }).openapi("AnalyticsCount");
export type CountRow = z.infer<typeof CountRow>;

export const PeriodReport = z
  .object({
    from: z.string(),
    to: z.string(),
    sales: SalesFigures,
    funnel: FunnelFigures,
    days: z.array(DayFigures),
    topProducts: z.array(ProductFigures),
    vendors: z
      .array(VendorFigures)
      .openapi({ description: "Per-seller figures, best-selling first: every seller with a sale or a product view in the period." }),
    topSearches: z.array(CountRow),
    noResultSearches: z.array(CountRow),
    devices: z.array(CountRow),
    countries: z.array(CountRow),
  })
  .openapi("AnalyticsPeriodReport");
export type PeriodReport = z.infer<typeof PeriodReport>;

export const AnalyticsReport = z
  .object({
    timeZone: z.string(),
    current: PeriodReport,
    comparison: z.union([PeriodReport, z.null()]),
  })
  .openapi("AnalyticsReport");
export type AnalyticsReport = z.infer<typeof AnalyticsReport>;

/** A seller's own figures for one period: its totals and its best products (never another seller's). */
export const VendorPeriodReport = z
  .object({
    from: z.string(),
    to: z.string(),
    totals: VendorFigures,
    topProducts: z.array(ProductFigures),
  })
  .openapi("VendorAnalyticsPeriod");
export type VendorPeriodReport = z.infer<typeof VendorPeriodReport>;

export const VendorAnalyticsReport = z
  .object({
    timeZone: z.string(),
    current: VendorPeriodReport,
    comparison: z.union([VendorPeriodReport, z.null()]),
  })
  .openapi("VendorAnalyticsReport");
export type VendorAnalyticsReport = z.infer<typeof VendorAnalyticsReport>;

/** How long raw events may be kept (days): from a month, so recent days can be rolled up again, to two years. */
export const ANALYTICS_RETENTION_MIN_DAYS = 30;
export const ANALYTICS_RETENTION_MAX_DAYS = 730;

/** Analytics settings staff may change. */
export const AnalyticsSettingsSchema = z
  .object({
    timeZone: z.string().openapi({ description: "IANA time zone the reports' days run in, e.g. Europe/Berlin." }),
    consentRequired: z.boolean().openapi({ description: "When true, browsers send events only after the shopper accepts analytics cookies." }),
    retentionDays: z
      .number()
      .int()
      .openapi({ description: "Raw behaviour events older than this many days are deleted by the daily cron; daily rollups stay." }),
  })
  .openapi("AnalyticsSettings");
export type AnalyticsSettings = z.infer<typeof AnalyticsSettingsSchema>;

export const AnalyticsSettingsBody = z
  .object({
    timeZone: z.string().max(64).refine(isTimeZone, "Not a known IANA time zone").optional(),
    consentRequired: z.boolean().optional(),
    // Rollups are re-run for recent days only, so raw events are kept at least a month.
    retentionDays: z
      .number({ error: "Expected a number of days" })
      .int("Whole days")
      .min(ANALYTICS_RETENTION_MIN_DAYS, `At least ${ANALYTICS_RETENTION_MIN_DAYS} days`)
      .max(ANALYTICS_RETENTION_MAX_DAYS, `At most ${ANALYTICS_RETENTION_MAX_DAYS} days`)
      .optional(),
  })
  .strict()
  .openapi("AnalyticsSettingsBody");
export type AnalyticsSettingsBody = z.infer<typeof AnalyticsSettingsBody>;

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
