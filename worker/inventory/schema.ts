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

export const StockSchema = z
  .object({
    sku: z.string(),
    onHand: z.number().int(),
    reserved: z.number().int(),
    available: z.number().int(),
    lowStockThreshold: z.number().int(),
    movements: z.array(
      z.object({
        id: z.string(),
        kind: z.string(),
        quantity: z.number().int(),
        onHandAfter: z.number().int(),
        availableAfter: z.number().int(),
        reason: z.string().nullable(),
        refId: z.string().nullable(),
        at: z.string(),
      }),
    ),
  })
  .openapi("Stock");
