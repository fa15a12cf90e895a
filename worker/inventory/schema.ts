import { z } from "@hono/zod-openapi";

export const SkuParam = z.object({
  sku: z
    .string()
    .max(64)
    .regex(/^[A-Z0-9][A-Z0-9-]*$/, "Expected a SKU")
    .openapi({ param: { name: "sku", in: "path" } }),
});

export const AdjustStockBody = z
  .object({
    delta: z
      .number()
      .int("Expected a whole number")
      .min(-100_000)
      .max(100_000)
      .refine((d) => d !== 0, "Must not be 0"),
    reason: z.string().trim().min(3, "Say why (at least 3 characters)").max(200),
  })
  .strict()
  .openapi("AdjustStockBody");

const MovementSchema = z
  .object({
    id: z.string(),
    kind: z.string(),
    quantity: z.number().int(),
    onHandAfter: z.number().int(),
    availableAfter: z.number().int(),
    reason: z.string().nullable(),
    refId: z.string().nullable(),
    at: z.string(),
  })
  .openapi("StockMovement");

export const StockSchema = z
  .object({
    sku: z.string(),
    onHand: z.number().int(),
    reserved: z.number().int(),
    available: z.number().int(),
    lowStockThreshold: z.number().int(),
    movements: z.array(MovementSchema),
  })
  .openapi("Stock");

export const MovementPageSchema = z
  .object({ items: z.array(MovementSchema), total: z.number().int(), page: z.number().int(), perPage: z.number().int() })
  .openapi("StockMovementPage");

export const MovementsQuery = z
  .object({
    page: z.coerce.number().int().min(1).max(10_000).default(1),
    perPage: z.coerce.number().int().min(1).max(100).default(50),
  })
  .strict();

export const SkuListQuery = z
  .object({
    q: z.string().trim().max(100).optional().openapi({ description: "SKU prefix or part of the product name." }),
    lowStock: z
      .enum(["true", "false"])
      .optional()
      .transform((v) => v === "true")
      .openapi({ description: "Only SKUs whose available stock is at or below their threshold." }),
    page: z.coerce.number().int().min(1).max(10_000).default(1),
    perPage: z.coerce.number().int().min(1).max(100).default(24),
  })
  .strict();
export type SkuListQuery = z.infer<typeof SkuListQuery>;

export const SkuListSchema = z
  .object({
    items: z.array(
      z.object({
        sku: z.string(),
        productId: z.string(),
        productName: z.string(),
        variantTitle: z.string(),
        available: z.number().int().openapi({ description: "Mirrored from the SKU's ledger." }),
        lowStockThreshold: z.number().int(),
        lowStock: z.boolean(),
      }),
    ),
    total: z.number().int(),
    page: z.number().int(),
    perPage: z.number().int(),
  })
  .openapi("SkuList");

export const SetThresholdBody = z
  .object({ lowStockThreshold: z.number().int("Expected a whole number").min(0, "Must be 0 or more").max(100_000) })
  .strict()
  .openapi("SetThresholdBody");
