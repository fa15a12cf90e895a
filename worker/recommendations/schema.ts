import { z } from "@hono/zod-openapi";
import { ProductSummary } from "../search/schema";

const ID = /^[A-Za-z0-9_-]{1,64}$/;
const ProductId = z.string().regex(ID, "a product id");
/** A comma-separated list of product ids in a query string (what the browser remembers), at most 20. */
const IdList = z
  .string()
  .max(1_400)
  .transform((s) => s.split(",").filter(Boolean))
  .pipe(z.array(ProductId).max(20))
  .openapi({ type: "string", example: "prod_0001,prod_0002", description: "Comma-separated product ids, newest first (at most 20)." });

export const ProductIdParam = z.object({ id: ProductId.openapi({ param: { name: "id", in: "path" }, example: "prod_0001" }) });

export const RecentlyViewedQuery = z
  .object({
    ids: IdList,
    except: ProductId.optional().openapi({ description: "Leave this product out (the page's own)." }),
  })
  .strict();
export type RecentlyViewedQuery = z.infer<typeof RecentlyViewedQuery>;

export const PickedForYouQuery = z.object({ viewed: IdList.optional() }).strict();
export type PickedForYouQuery = z.infer<typeof PickedForYouQuery>;

export const ProductRecommendations = z
  .object({
    boughtTogether: z.array(ProductSummary).openapi({ description: "Frequently bought together (co-purchases in paid orders), best first." }),
    similar: z.array(ProductSummary).openapi({ description: "Similar items by content (name, brand, category, attributes), best first." }),
  })
  .openapi("ProductRecommendations");
export type ProductRecommendations = z.infer<typeof ProductRecommendations>;

export const RecommendationList = z.object({ items: z.array(ProductSummary) }).openapi("RecommendationList");
export type RecommendationList = z.infer<typeof RecommendationList>;

export const RefreshResultSchema = z
  .object({
    boughtTogether: z.number().int().nullable().openapi({ description: "Rows written, or null when paid orders had not changed (same day)." }),
    similar: z.number().int().nullable().openapi({ description: "Rows written, or null when the active catalog had not changed." }),
  })
  .openapi("RecommendationRefresh");
