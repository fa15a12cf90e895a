import { z } from "@hono/zod-openapi";
import { ImageSchema } from "../catalog/schema";
import { MoneySchema, PaginationQuery } from "../lib/openapi";

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

export const ProductSort = z.enum(["relevance", "price_asc", "price_desc", "newest", "rating", "bestselling"]);
export type ProductSort = z.infer<typeof ProductSort>;

const slugList = z
  .string()
  .max(500)
  .regex(/^[a-z0-9-]+(,[a-z0-9-]+)*$/, "Expected one or more slugs separated by commas")
  .transform((s) => s.split(","));

const price = z.coerce.number().int("Expected a whole number of minor units").min(0).max(100_000_000);

/** Attribute filters (`attr.<name>`) one listing may combine. */
export const MAX_ATTRIBUTE_FILTERS = 10;

/**
 * Query of GET /api/products. Unknown parameters other than `attr.<name>`
 * are rejected so a typo never silently returns the whole catalog.
 */
export const ListProductsQuery = z
  .object({
    q: z.string().trim().max(200).optional().openapi({
      description:
        "Full-text search over name, brand, category and description, ranked by relevance (bm25, name weighted highest). Every word must match; words of two or more letters also match as prefixes; case and accents are ignored. At most 200 characters, 8 words.",
    }),
    category: z
      .string()
      .regex(/^[a-z0-9-]+$/, "Expected a category slug")
      .max(120)
      .optional()
      .openapi({ description: "Category slug; includes its subcategories." }),
    brand: slugList.optional().openapi({ description: "One or more brand slugs, comma separated.", type: "string" }),
    vendor: z
      .string()
      .max(500)
      .regex(/^[A-Za-z0-9_-]+(,[A-Za-z0-9_-]+)*$/, "Expected one or more vendor ids separated by commas")
      .transform((v) => [...new Set(v.split(","))].slice(0, 20))
      .optional()
      .openapi({ description: "One or more vendor ids, comma separated.", type: "string" }),
    minPrice: price.optional().openapi({ description: "Minimum price in minor units." }),
    maxPrice: price.optional().openapi({ description: "Maximum price in minor units." }),
    inStock: z
      .enum(["true", "false", "1", "0"])
      .transform((v) => v === "true" || v === "1")
      .optional(),
    rating: z.coerce
      .number()
      .min(0)
      .max(5)
      .optional()
      .openapi({ description: 'Minimum average rating in stars (0–5), e.g. 4 for "4 stars & up".', type: "number" }),
    sort: ProductSort.default("relevance"),
    ...PaginationQuery,
  })
  .catchall(z.string().max(200))
  // `when` makes these run even when other fields already failed, so one
  // answer lists every problem.
  .superRefine((q, ctx) => {
    for (const key of unknownProductQueryKeys(Object.keys(q))) ctx.addIssue({ code: "custom", path: [key], message: "Unknown query parameter" });
  })
  .superRefine((q, ctx) => {
    if (q.minPrice !== undefined && q.maxPrice !== undefined && q.minPrice > q.maxPrice) {
      ctx.addIssue({ code: "custom", path: ["maxPrice"], message: "maxPrice must be at least minPrice" });
    }
    const attributes = Object.keys(q).filter((k) => k.startsWith("attr."));
    if (attributes.length > MAX_ATTRIBUTE_FILTERS) {
      ctx.addIssue({ code: "custom", path: [attributes[MAX_ATTRIBUTE_FILTERS] ?? "attr"], message: `At most ${MAX_ATTRIBUTE_FILTERS} attribute filters` });
    }
  });
const ListProductsQueryShape = { q: 1, category: 1, brand: 1, vendor: 1, minPrice: 1, maxPrice: 1, inStock: 1, rating: 1, sort: 1, page: 1, perPage: 1 };

/** Query keys GET /api/products does not know (anything but its fields and `attr.<name>`). */
export function unknownProductQueryKeys(keys: string[]): string[] {
  return keys.filter((key) => !(key in ListProductsQueryShape) && !/^attr\.[a-z][a-z0-9_]{0,39}$/.test(key));
}
export type ListProductsQuery = z.infer<typeof ListProductsQuery>;

/** Who sells a product on a card: a marketplace seller's name and storefront handle (`/v/{handle}`). */
export const SellerRef = z
  .object({
    name: z.string().openapi({ example: "Trail Supply Co." }),
    handle: z.string().openapi({ example: "trail-supply", description: "The seller's storefront is `/v/{handle}`." }),
  })
  .openapi("SellerRef");
export type SellerRef = z.infer<typeof SellerRef>;

export const ProductSummary = z
  .object({
    id: z.string().openapi({ example: "prod_0001" }),
    slug: z.string(),
    name: z.string(),
    brand: z.object({ slug: z.string(), name: z.string() }).nullable(),
    category: z.object({ slug: z.string(), name: z.string() }),
    price: MoneySchema.openapi({ description: "Lowest variant price." }),
    compareAtPrice: z.union([MoneySchema, z.null()]),
    image: ImageSchema.nullable(),
    rating: z.object({ average: z.number(), count: z.number().int() }),
    inStock: z.boolean(),
    createdAt: z.string(),
    seller: z.union([SellerRef, z.null()]).openapi({
      description: "The marketplace seller of the product; null when the store itself sells it. Only active sellers' products are listed.",
    }),
  })
  .openapi("ProductSummary");
export type ProductSummary = z.infer<typeof ProductSummary>;

export const ProductPage = z
  .object({
    items: z.array(ProductSummary),
    total: z.number().int(),
    estimated: z.boolean().openapi({
      description:
        'True when the words match more products than one search reads (a few thousand): results are the best of the newest matches, and `total` and every facet count are estimates (two significant figures), to be shown as "about N".',
    }),
    page: z.number().int(),
    perPage: z.number().int(),
    facets: SearchFacets,
    didYouMean: z
      .string()
      .nullable()
      .openapi({ description: "When `q` matched nothing: the closest spelling that does. `items`, `total` and `facets` are then its results." }),
  })
  .openapi("ProductPage");
export type ProductPage = z.infer<typeof ProductPage>;
