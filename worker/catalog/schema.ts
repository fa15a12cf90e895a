import { z } from "@hono/zod-openapi";
import { MoneySchema, PaginationQuery, pageSchema } from "../lib/openapi";

export const ProductSort = z.enum(["relevance", "price_asc", "price_desc", "newest", "rating", "bestselling"]);
export type ProductSort = z.infer<typeof ProductSort>;

const slugList = z
  .string()
  .max(500)
  .regex(/^[a-z0-9-]+(,[a-z0-9-]+)*$/, "Expected one or more slugs separated by commas")
  .transform((s) => s.split(","));

const price = z.coerce.number().int("Expected a whole number of minor units").min(0).max(100_000_000);

/**
 * Query of GET /api/products. Unknown parameters other than `attr.<name>`
 * are rejected so a typo never silently returns the whole catalog.
 */
export const ListProductsQuery = z
  .object({
    q: z.string().trim().max(200).optional().openapi({ description: "Words to look for in names, brands and descriptions." }),
    category: z
      .string()
      .regex(/^[a-z0-9-]+$/, "Expected a category slug")
      .max(120)
      .optional()
      .openapi({ description: "Category slug; includes its subcategories." }),
    brand: slugList.optional().openapi({ description: "One or more brand slugs, comma separated.", type: "string" }),
    vendor: z.string().max(64).optional(),
    minPrice: price.optional().openapi({ description: "Minimum price in minor units." }),
    maxPrice: price.optional().openapi({ description: "Maximum price in minor units." }),
    inStock: z
      .enum(["true", "false", "1", "0"])
      .transform((v) => v === "true" || v === "1")
      .optional(),
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
  });
const ListProductsQueryShape = { q: 1, category: 1, brand: 1, vendor: 1, minPrice: 1, maxPrice: 1, inStock: 1, sort: 1, page: 1, perPage: 1 };

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

export const ProductPage = pageSchema(ProductSummary, "ProductPage");
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
