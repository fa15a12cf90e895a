import { z } from "@hono/zod-openapi";

export const AnalyticsEventType = z.enum(["product_viewed", "search_performed", "category_viewed"]);

/** What the storefront reports. Ids only: no personal data travels in analytics. */
export const RecordEventBody = z
  .object({
    type: AnalyticsEventType,
    subjectId: z.string().min(1).max(120).optional().openapi({ description: "Product id, category slug or search query." }),
  })
  .strict()
  .openapi("RecordEventBody");
export type RecordEventBody = z.infer<typeof RecordEventBody>;

/** The queue message body. */
export const AnalyticsMessage = z.object({
  type: AnalyticsEventType,
  subjectId: z.string().max(120).nullable(),
  occurredAt: z.string(),
});
export type AnalyticsMessage = z.infer<typeof AnalyticsMessage>;
