import { z } from "@hono/zod-openapi";
import { MoneySchema } from "../lib/openapi";
import { CartPromotionsSchema } from "../promotions/schema";

const quantity = z
  .number({ error: "Expected a whole number" })
  .int("Expected a whole number")
  .min(1, "At least 1")
  .max(99, "At most 99 per item")
  .openapi({ example: 1 });
const sku = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Z0-9][A-Z0-9-]*$/, "Expected a SKU")
  .openapi({ example: "NWG-00042-M-RED" });

/** Prices, totals and currencies never come from a client: such fields are unknown here and refused. */
export const AddCartItemBody = z.object({ sku, quantity }).strict().openapi("AddCartItemBody");
export type AddCartItemBody = z.infer<typeof AddCartItemBody>;
export const UpdateCartItemBody = z
  .object({ quantity: z.number().int("Expected a whole number").min(0, "At least 0").max(99, "At most 99 per item") })
  .strict()
  .openapi("UpdateCartItemBody");
export const SkuParam = z.object({ sku: sku.openapi({ param: { name: "sku", in: "path" } }) });

export const CartLineSchema = z
  .object({
    sku: z.string(),
    productId: z.string().nullable(),
    productSlug: z.string().nullable(),
    name: z.string(),
    variantTitle: z.string(),
    options: z.record(z.string(), z.string()),
    image: z.string().nullable(),
    quantity: z.number().int(),
    unitPrice: MoneySchema,
    lineTotal: MoneySchema,
    available: z.number().int().openapi({ description: "Units that can be bought now." }),
    issues: z.array(z.enum(["price_changed", "unavailable", "quantity_reduced"])).openapi({ description: "What changed since the shopper added the line." }),
    previousUnitPrice: z.union([MoneySchema, z.null()]),
  })
  .openapi("CartLine");
export type CartLineView = z.infer<typeof CartLineSchema>;

export const CartSchema = z
  .object({
    id: z.string(),
    items: z.array(CartLineSchema),
    itemCount: z.number().int(),
    subtotal: MoneySchema,
    hasIssues: z.boolean(),
  })
  .openapi("Cart");
export type CartView = z.infer<typeof CartSchema>;

/** The cart with what its discounts take off (codes and automatic promotions), before checkout. */
export const CartWithPromotionsSchema = CartSchema.extend({ promotions: CartPromotionsSchema }).openapi("CartWithPromotions");
export type CartWithPromotions = z.infer<typeof CartWithPromotionsSchema>;
