import { z } from "@hono/zod-openapi";
import { MoneySchema } from "../lib/openapi";

export { PRICE_BUCKETS, RATING_STEPS } from "./buckets";

export const FacetValue = z
  .object({
    value: z.string().openapi({ description: "What to put in the filter parameter to select this value." }),
    label: z.string(),
    count: z.number().int().openapi({ description: "Products matching the query and every OTHER filter, with this value." }),
    selected: z.boolean(),
  })
  .openapi("FacetValue");
export type FacetValue = z.infer<typeof FacetValue>;

export const CategoryFacetValue = FacetValue.extend({
  parent: z.string().nullable().openapi({ description: "Slug of the parent category, null for a department." }),
  depth: z.number().int(),
}).openapi("CategoryFacetValue");
export type CategoryFacetValue = z.infer<typeof CategoryFacetValue>;

export const PriceFacetValue = FacetValue.extend({
  min: z.number().int().openapi({ description: "minPrice of this bucket (minor units)." }),
  max: z.number().int().nullable().openapi({ description: "maxPrice of this bucket (minor units, inclusive); null when open-ended." }),
}).openapi("PriceFacetValue");
export type PriceFacetValue = z.infer<typeof PriceFacetValue>;

export const SearchFacets = z
  .object({
    category: z.array(CategoryFacetValue).openapi({ description: "Every category with matches, counted with its subcategories." }),
    brand: z.array(FacetValue),
    vendor: z.array(FacetValue),
    price: z.array(PriceFacetValue),
    rating: z.array(FacetValue).openapi({ description: "Minimum ratings; each count includes every higher rating." }),
    inStock: z.array(FacetValue).openapi({ description: 'One entry, value "true": how many are in stock.' }),
    attributes: z.record(z.string(), z.array(FacetValue)).openapi({ description: "Per attribute name (color, material …), its values." }),
  })
  .openapi("SearchFacets");
export type SearchFacets = z.infer<typeof SearchFacets>;

export const SuggestQuery = z
  .object({
    q: z.string().trim().min(1).max(100).openapi({ description: "What the shopper has typed so far; the last word is a prefix.", example: "head" }),
    limit: z.coerce.number().int().min(1).max(10).default(6).openapi({ description: "Product suggestions at most." }),
  })
  .strict();
export type SuggestQuery = z.infer<typeof SuggestQuery>;

export const SuggestResponse = z
  .object({
    query: z.string(),
    products: z.array(
      z.object({
        slug: z.string(),
        name: z.string(),
        brand: z.string().nullable(),
        category: z.string(),
        price: MoneySchema,
        image: z.object({ url: z.string(), alt: z.string() }).nullable(),
      }),
    ),
    categories: z.array(z.object({ slug: z.string(), name: z.string(), parent: z.string().nullable(), count: z.number().int() })),
    brands: z.array(z.object({ slug: z.string(), name: z.string(), count: z.number().int() })),
  })
  .openapi("SearchSuggestions");
export type SuggestResponse = z.infer<typeof SuggestResponse>;
