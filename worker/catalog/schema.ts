import { z } from "@hono/zod-openapi";
import { MoneySchema, PaginationQuery } from "../lib/openapi";
import { SearchFacets } from "../search/schema";

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

export const StockStatus = z.enum(["in_stock", "low_stock", "out_of_stock"]);
export type StockStatus = z.infer<typeof StockStatus>;

export const ImageSchema = z.object({ url: z.string(), alt: z.string() }).openapi("Image");

export const ProductSummary = z
  .object({
    id: z.string().openapi({ example: "prod_0001" }),
    slug: z.string(),
    name: z.string(),
    brand: z.object({ slug: z.string(), name: z.string() }).nullable(),
    category: z.object({ slug: z.string(), name: z.string() }),
    price: MoneySchema.openapi({ description: "Lowest variant price." }),
    compareAtPrice: MoneySchema.nullable(),
    image: ImageSchema.nullable(),
    rating: z.object({ average: z.number(), count: z.number().int() }),
    inStock: z.boolean(),
    createdAt: z.string(),
  })
  .openapi("ProductSummary");
export type ProductSummary = z.infer<typeof ProductSummary>;

export const ProductPage = z
  .object({
    items: z.array(ProductSummary),
    total: z.number().int(),
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

export const Variant = z
  .object({
    sku: z.string().openapi({ example: "NWG-0001-M-RED" }),
    title: z.string(),
    options: z.record(z.string(), z.string()),
    price: MoneySchema,
    compareAtPrice: MoneySchema.nullable(),
    weightGrams: z.number().int(),
    stockStatus: StockStatus,
    available: z.number().int().nullable().openapi({ description: "Units left, given only when stock is low." }),
  })
  .openapi("Variant");
export type Variant = z.infer<typeof Variant>;

export const CategoryRef = z.object({ slug: z.string(), name: z.string() });

export const ProductDetail = z
  .object({
    id: z.string(),
    slug: z.string(),
    name: z.string(),
    description: z.string(),
    brand: z.object({ slug: z.string(), name: z.string() }).nullable(),
    category: CategoryRef.extend({ breadcrumbs: z.array(CategoryRef) }),
    priceRange: z.object({ min: MoneySchema, max: MoneySchema }),
    images: z.array(ImageSchema),
    options: z.array(z.object({ name: z.string(), values: z.array(z.string()) })),
    variants: z.array(Variant),
    attributes: z.array(z.object({ name: z.string(), value: z.string() })),
    rating: z.object({ average: z.number(), count: z.number().int() }),
    seo: z.object({ title: z.string(), description: z.string() }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("ProductDetail");
export type ProductDetail = z.infer<typeof ProductDetail>;

export interface CategoryNode {
  id: string;
  slug: string;
  name: string;
  description: string;
  productCount: number;
  children: CategoryNode[];
}
export const CategoryNodeSchema: z.ZodType<CategoryNode> = z
  .lazy(() =>
    z.object({
      id: z.string(),
      slug: z.string(),
      name: z.string(),
      description: z.string(),
      productCount: z.number().int().openapi({ description: "Active products in this category and its subcategories." }),
      children: z.array(CategoryNodeSchema),
    }),
  )
  .openapi("Category");

export const CategoryTree = z.object({ items: z.array(CategoryNodeSchema) }).openapi("CategoryTree");

export const SlugParam = z.object({
  slug: z
    .string()
    .max(160)
    .regex(/^[a-z0-9-]+$/, "Expected a product slug")
    .openapi({ param: { name: "slug", in: "path" }, example: "aurora-wool-sweater-0001" }),
});
