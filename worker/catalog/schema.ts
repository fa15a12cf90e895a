import { z } from "@hono/zod-openapi";
import { MoneySchema, PaginationQuery, pageSchema } from "../lib/openapi";

export const StockStatus = z.enum(["in_stock", "low_stock", "out_of_stock"]);
export type StockStatus = z.infer<typeof StockStatus>;

export const ImageSchema = z.object({ url: z.string(), alt: z.string() }).openapi("Image");

export const Variant = z
  .object({
    sku: z.string().openapi({ example: "NWG-0001-M-RED" }),
    title: z.string(),
    options: z.record(z.string(), z.string()),
    price: MoneySchema,
    compareAtPrice: z.union([MoneySchema, z.null()]),
    weightGrams: z.number().int(),
    gtin: z.string().nullable().openapi({ description: "GTIN-8/12/13/14 of this variant, when the store has it." }),
    mpn: z.string().nullable().openapi({ description: "Manufacturer part number, when the store has it." }),
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

// ---- The staff side: products and categories as the editor reads and writes them.

export const PRODUCT_STATUSES = ["draft", "active", "archived"] as const;
export const ProductStatus = z.enum(PRODUCT_STATUSES);
export type ProductStatus = z.infer<typeof ProductStatus>;

/** SKUs as the inventory routes accept them (upper case, digits, dashes). */
export const SKU_PATTERN = /^[A-Z0-9][A-Z0-9-]*$/;
export const SLUG_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
/** Attribute names double as `attr.<name>` filters on the storefront. */
export const ATTRIBUTE_NAME_PATTERN = /^[a-z][a-z0-9_]{0,39}$/;

const minor = (what: string) =>
  z
    .number({ error: `Expected ${what} in whole minor units` })
    .int(`Expected ${what} in whole minor units`)
    .min(0)
    .max(100_000_000);
const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .nullable()
    .optional()
    .transform((v) => (v ? v : null));

export const Slug = z.string().trim().min(1).max(160).regex(SLUG_PATTERN, "Use lower-case letters, digits and single dashes");
export const Sku = z.string().trim().min(1, "Required").max(64).regex(SKU_PATTERN, "Use upper-case letters, digits and dashes");

/** The GS1 check digit: weights 3 and 1 alternate from the right, the total rounds up to a multiple of ten. */
function gtinCheckDigitOk(digits: string): boolean {
  let sum = 0;
  for (let i = digits.length - 2, w = 3; i >= 0; i--, w = 4 - w) sum += Number(digits[i]) * w;
  return (10 - (sum % 10)) % 10 === Number(digits[digits.length - 1]);
}

export const Gtin = z
  .string()
  .trim()
  .regex(/^(\d{8}|\d{12}|\d{13}|\d{14})$/, "8, 12, 13 or 14 digits")
  .refine(gtinCheckDigitOk, "The check digit does not match: check the number");

export const VariantInput = z
  .object({
    sku: Sku,
    title: z.string().trim().max(120).optional(),
    options: z.record(z.string().trim().min(1).max(40), z.string().trim().min(1, "Required").max(60)).default({}),
    price: minor("the price"),
    compareAtPrice: minor("the compare-at price").nullable().default(null),
    weightGrams: z.number().int("Expected whole grams").min(0).max(1_000_000).default(0),
    // Left out = keep what the variant has (forms and CSV files that do not know the field); null clears it.
    gtin: Gtin.nullable()
      .optional()
      .openapi({ description: "GTIN-8, -12 (UPC), -13 (EAN) or -14: digits with a valid check digit. Omit to keep, null to clear." }),
    mpn: z.string().trim().min(1, "Required").max(70).nullable().optional().openapi({ description: "Manufacturer part number. Omit to keep, null to clear." }),
    /** Opening stock of a NEW variant, booked through its inventory ledger. Ignored for existing SKUs. */
    initialStock: z.number().int("Expected a whole number").min(0).max(100_000).optional(),
  })
  .strict()
  .refine((v) => v.compareAtPrice === null || v.compareAtPrice >= v.price, {
    path: ["compareAtPrice"],
    message: "Must be at least the price",
    // Checked even when other fields of the variant failed, so one answer lists every problem.
    when: (payload) => {
      const v = payload.value as { price?: unknown; compareAtPrice?: unknown };
      return Number.isInteger(v?.price) && Number.isInteger(v?.compareAtPrice);
    },
  });
export type VariantInput = z.infer<typeof VariantInput>;

const ImageInput = z
  .object({
    url: z
      .string()
      .trim()
      .max(1000)
      // http:// passes here only to be judged by the allowed image origins (loopback test servers outside production).
      .regex(/^(https?:\/\/[^\s]+|\/[^\s/\\][^\s]*)$/, "Use an https:// address or a path on this site"),
    alt: z.string().trim().max(200).default(""),
  })
  .strict();

const AttributeInput = z
  .object({
    name: z.string().trim().regex(ATTRIBUTE_NAME_PATTERN, "Use lower-case letters, digits and _ (starting with a letter)"),
    value: z.string().trim().min(1, "Required").max(100),
  })
  .strict();

const productFields = {
  name: z.string().trim().min(1, "Required").max(200),
  slug: Slug.optional().openapi({ description: "Generated from the name when omitted." }),
  description: z.string().trim().max(10_000).default(""),
  status: ProductStatus.default("draft"),
  featured: z.boolean({ error: "Expected yes or no" }).default(false).openapi({ description: "Shown in the home page's featured picks." }),
  categoryId: z.string().trim().min(1, "Choose a category").max(64),
  brand: optionalText(80).openapi({ description: "Brand name: an existing brand is picked, a new one created." }),
  vendorId: optionalText(64),
  seoTitle: optionalText(120),
  seoDescription: optionalText(320),
  attributes: z.array(AttributeInput).max(40).default([]),
  images: z.array(ImageInput).max(20).default([]),
  variants: z.array(VariantInput).min(1, "Add at least one variant").max(100),
  /** The `updatedAt` the editor saw; a newer one on the server answers 409 instead of overwriting. */
  expectedUpdatedAt: z.string().max(40).optional(),
};

/** The rules across fields of a product write (the staff's and a seller's): SKUs, option names and combinations, attributes. */
function checkProduct<T extends { variants: VariantInput[]; attributes: { name: string; value: string }[] }>(p: T, ctx: z.RefinementCtx<T>): void {
  const seen = new Map<string, number>();
  const combos = new Map<string, number>();
  const firstKeys = Object.keys(p.variants[0]?.options ?? {})
    .sort()
    .join("|");
  p.variants.forEach((v, i) => {
    if (seen.has(v.sku)) ctx.addIssue({ code: "custom", path: ["variants", i, "sku"], message: `Same SKU as variant ${(seen.get(v.sku) ?? 0) + 1}` });
    else seen.set(v.sku, i);
    const keys = Object.keys(v.options).sort().join("|");
    if (keys !== firstKeys) ctx.addIssue({ code: "custom", path: ["variants", i, "options"], message: "Every variant needs the same option names" });
    const combo = JSON.stringify(Object.entries(v.options).sort());
    if (p.variants.length > 1 && combos.has(combo))
      ctx.addIssue({ code: "custom", path: ["variants", i, "options"], message: `Same options as variant ${(combos.get(combo) ?? 0) + 1}` });
    else combos.set(combo, i);
  });
  const attrs = new Set<string>();
  p.attributes.forEach((a, i) => {
    const key = `${a.name}=${a.value}`;
    if (attrs.has(key)) ctx.addIssue({ code: "custom", path: ["attributes", i, "value"], message: "Listed twice" });
    attrs.add(key);
  });
}

/**
 * A product as the admin writes it (create, or replace on edit). Variants are
 * matched by SKU on edit: a listed SKU is updated, a new one added, a missing
 * one removed (refused while it holds stock).
 */
export const ProductInput = z.object(productFields).strict().superRefine(checkProduct).openapi("AdminProductInput");
export type ProductInput = z.infer<typeof ProductInput>;
export type ProductInputRaw = z.input<typeof ProductInput>;

/** What a seller may set on their own products: a product is either a draft (hidden) or on sale. */
export const VENDOR_PRODUCT_STATUSES = ["draft", "active"] as const;

/**
 * A product as a seller writes it (create, or replace on edit) through `/api/vendor/products` and
 * `/vendor/products`. The same fields and rules as the staff's input, without what only the store
 * decides: whose product it is (always the caller's vendor), the featured flag, the brand list, archiving.
 */
export const VendorProductInput = z
  .object({
    name: productFields.name,
    slug: productFields.slug,
    description: productFields.description,
    status: z.enum(VENDOR_PRODUCT_STATUSES, "Choose draft or active").default("draft"),
    categoryId: productFields.categoryId,
    seoTitle: productFields.seoTitle,
    seoDescription: productFields.seoDescription,
    attributes: productFields.attributes,
    images: productFields.images.openapi({
      description: "Pictures by address: an https:// address on an origin the store allows (Settings → Images), or a path on this site.",
    }),
    variants: productFields.variants,
    expectedUpdatedAt: productFields.expectedUpdatedAt,
  })
  .strict()
  .superRefine(checkProduct)
  .openapi("VendorProductInput");
export type VendorProductInput = z.infer<typeof VendorProductInput>;
export type VendorProductInputRaw = z.input<typeof VendorProductInput>;

export const ProductIdParam = z.object({
  id: z
    .string()
    .max(64)
    .regex(/^[A-Za-z0-9_-]+$/, "Expected a product id")
    .openapi({ param: { name: "id", in: "path" }, example: "prod_0001" }),
});
export const CategoryIdParam = z.object({
  id: z
    .string()
    .max(64)
    .regex(/^[A-Za-z0-9_-]+$/, "Expected a category id")
    .openapi({ param: { name: "id", in: "path" }, example: "cat_0001" }),
});

export const StockFilter = z.enum(["in", "out", "low"]);
export const AdminProductSort = z.enum(["updated", "name", "price", "created"]);

export const AdminListProductsQuery = z
  .object({
    q: z.string().trim().max(200).optional().openapi({ description: "Name, slug or SKU (prefix)." }),
    status: ProductStatus.optional(),
    category: z.string().max(64).optional().openapi({ description: "Category id; includes subcategories." }),
    brand: z.string().max(120).optional().openapi({ description: "Brand id or slug." }),
    vendor: z.string().max(64).optional().openapi({ description: "Vendor (user) id." }),
    stock: StockFilter.optional().openapi({ description: "`in`: any variant available; `out`: none; `low`: a variant at or below its threshold." }),
    sort: AdminProductSort.default("updated"),
    ...PaginationQuery,
  })
  .strict();
export type AdminListProductsQuery = z.infer<typeof AdminListProductsQuery>;

/** A seller's product list: the staff filters without the vendor (always the caller's). */
export const VendorListProductsQuery = z
  .object({
    q: z.string().trim().max(200).optional().openapi({ description: "Name, slug or SKU (prefix)." }),
    status: ProductStatus.optional(),
    stock: StockFilter.optional().openapi({ description: "`in`: any variant available; `out`: none; `low`: a variant at or below its threshold." }),
    sort: AdminProductSort.default("updated"),
    ...PaginationQuery,
  })
  .strict();
export type VendorListProductsQuery = z.infer<typeof VendorListProductsQuery>;

export const AdminProductRow = z
  .object({
    id: z.string(),
    slug: z.string(),
    name: z.string(),
    status: ProductStatus,
    category: z.object({ id: z.string(), name: z.string() }),
    brand: z.string().nullable(),
    vendorId: z.string().nullable(),
    variantCount: z.number().int(),
    minPrice: z.number().int(),
    maxPrice: z.number().int(),
    currency: z.string(),
    stockAvailable: z.number().int().openapi({ description: "Sum of the variants' available stock (mirror of the ledgers)." }),
    lowStock: z.boolean(),
    image: z.string().nullable(),
    updatedAt: z.string(),
  })
  .openapi("AdminProductRow");
export type AdminProductRow = z.infer<typeof AdminProductRow>;
export const AdminProductPage = pageSchema(AdminProductRow, "AdminProductPage");

export const AdminVariant = z.object({
  id: z.string(),
  sku: z.string(),
  title: z.string(),
  options: z.record(z.string(), z.string()),
  price: z.number().int(),
  compareAtPrice: z.number().int().nullable(),
  weightGrams: z.number().int(),
  gtin: z.string().nullable(),
  mpn: z.string().nullable(),
  stockAvailable: z.number().int(),
  lowStockThreshold: z.number().int(),
});

export const AdminProduct = z
  .object({
    id: z.string(),
    slug: z.string(),
    name: z.string(),
    description: z.string(),
    status: ProductStatus,
    featured: z.boolean(),
    currency: z.string(),
    category: z.object({ id: z.string(), name: z.string(), path: z.string() }),
    brand: z.object({ id: z.string(), slug: z.string(), name: z.string() }).nullable(),
    vendorId: z.string().nullable(),
    seoTitle: z.string().nullable(),
    seoDescription: z.string().nullable(),
    attributes: z.array(z.object({ name: z.string(), value: z.string() })),
    images: z.array(z.object({ url: z.string(), alt: z.string() })),
    variants: z.array(AdminVariant),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("AdminProduct");
export type AdminProduct = z.infer<typeof AdminProduct>;

export const BulkProductsBody = z
  .object({
    ids: z.array(z.string().max(64)).min(1, "Select at least one product").max(100),
    action: z.enum(["set_status", "delete"]),
    status: ProductStatus.optional(),
  })
  .strict()
  .superRefine((b, ctx) => {
    if (b.action === "set_status" && !b.status) ctx.addIssue({ code: "custom", path: ["status"], message: "Choose a status" });
  })
  .openapi("BulkProductsBody");
export type BulkProductsBody = z.infer<typeof BulkProductsBody>;

export const BulkProductsResult = z
  .object({
    done: z.array(z.string()),
    skipped: z.array(z.object({ id: z.string(), reason: z.string() })),
  })
  .openapi("BulkProductsResult");
export type BulkProductsResult = z.infer<typeof BulkProductsResult>;

// ---- categories ----

export const AdminCategory = z
  .object({
    id: z.string(),
    parentId: z.string().nullable(),
    slug: z.string(),
    name: z.string(),
    description: z.string(),
    path: z.string(),
    depth: z.number().int(),
    position: z.number().int(),
    productCount: z.number().int().openapi({ description: "Products directly in this category, any status." }),
    childCount: z.number().int(),
  })
  .openapi("AdminCategory");
export type AdminCategory = z.infer<typeof AdminCategory>;
export const AdminCategoryList = z.object({ items: z.array(AdminCategory) });

export const CreateCategoryBody = z
  .object({
    name: z.string().trim().min(1, "Required").max(100),
    slug: Slug.optional(),
    description: z.string().trim().max(2000).default(""),
    parentId: z.string().max(64).nullable().default(null),
  })
  .strict()
  .openapi("CreateCategoryBody");
export type CreateCategoryBody = z.infer<typeof CreateCategoryBody>;

export const UpdateCategoryBody = z
  .object({
    name: z.string().trim().min(1, "Required").max(100).optional(),
    slug: Slug.optional(),
    description: z.string().trim().max(2000).optional(),
  })
  .strict()
  .openapi("UpdateCategoryBody");
export type UpdateCategoryBody = z.infer<typeof UpdateCategoryBody>;

export const MoveCategoryBody = z
  .object({
    parentId: z.string().max(64).nullable(),
    position: z.number().int().min(0).max(10_000).optional().openapi({ description: "Place among the new siblings (0 first); last when omitted." }),
  })
  .strict()
  .openapi("MoveCategoryBody");
export type MoveCategoryBody = z.infer<typeof MoveCategoryBody>;

export const ReorderCategoriesBody = z
  .object({
    parentId: z.string().max(64).nullable(),
    ids: z.array(z.string().max(64)).min(1).max(500).openapi({ description: "Every child of `parentId`, in the new order." }),
  })
  .strict()
  .openapi("ReorderCategoriesBody");
export type ReorderCategoriesBody = z.infer<typeof ReorderCategoriesBody>;

// ---- CSV ----

export const ImportQuery = z
  .object({
    dryRun: z
      .enum(["true", "false", "1", "0"])
      .default("true")
      .transform((v) => v === "true" || v === "1")
      .openapi({ description: "Validate only (the default). `false` writes every row or none." }),
  })
  .strict();

export const ImportResult = z
  .object({
    dryRun: z.boolean(),
    ok: z.boolean(),
    rows: z.number().int(),
    created: z.array(z.string()).openapi({ description: "Slugs of products that are (or would be) created." }),
    updated: z.array(z.string()),
    errors: z.array(z.object({ row: z.number().int(), column: z.string(), message: z.string() })),
  })
  .openapi("ImportResult");
export type ImportResult = z.infer<typeof ImportResult>;
