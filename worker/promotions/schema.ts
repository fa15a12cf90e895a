import { z } from "@hono/zod-openapi";
import { MoneySchema } from "../lib/openapi";
import { PROMOTION_KINDS } from "./tables";

const id = z.string().min(1).max(64);
const code = z
  .string()
  .trim()
  .min(3, "At least 3 characters")
  .max(32, "At most 32 characters")
  .regex(/^[A-Za-z0-9_-]+$/, "Letters, digits, - and _ only")
  .transform((s) => s.toUpperCase())
  .openapi({ example: "WELCOME10", type: "string" });
const time = z.iso.datetime({ offset: true, error: "Expected an ISO 8601 time" }).openapi({ example: "2026-12-24T00:00:00Z" });

export const ApplyCodeBody = z.object({ code }).strict().openapi("ApplyPromotionCodeBody");
export type ApplyCodeBody = z.infer<typeof ApplyCodeBody>;
export const CodeParam = z.object({
  code: z
    .string()
    .min(1)
    .max(32)
    .openapi({ param: { name: "code", in: "path" } }),
});

export const PromotionConditionsSchema = z
  .object({
    minSubtotal: z.number().int().min(0).optional().openapi({ description: "Cart subtotal before discounts, minor units." }),
    productIds: z.array(id).max(200).optional(),
    categoryIds: z.array(id).max(200).optional().openapi({ description: "Products in these categories or below them." }),
    vendorIds: z.array(id).max(200).optional(),
    firstOrder: z.boolean().optional(),
    signedIn: z.boolean().optional(),
  })
  .strict()
  .openapi("PromotionConditions");

const promotionFields = {
  name: z.string().trim().min(1, "Required").max(120),
  code: code.nullable().optional().openapi({ description: "What shoppers type; null or absent for an automatic discount." }),
  kind: z.enum(PROMOTION_KINDS),
  value: z
    .number()
    .int("Expected a whole number")
    .min(0)
    .max(100_000_000)
    .default(0)
    .openapi({ description: "percentage and buy_x_get_y: basis points off (1000 = 10 %, 10000 = free); fixed: minor units off." }),
  buyQuantity: z.number().int().min(0).max(100).default(0),
  getQuantity: z.number().int().min(0).max(100).default(0),
  conditions: PromotionConditionsSchema.default({}),
  combinable: z.boolean().default(true).openapi({ description: "Applies together with other discounts (the default); false: only alone." }),
  status: z.enum(["active", "paused"]).default("active"),
  startsAt: time.nullable().optional(),
  endsAt: time.nullable().optional(),
  usageLimit: z.number().int().min(1).max(10_000_000).nullable().optional(),
  perCustomerLimit: z.number().int().min(1).max(1000).nullable().optional(),
};

export const PromotionBody = z.object(promotionFields).strict().openapi("PromotionBody");
export type PromotionBody = z.infer<typeof PromotionBody>;
export const PromotionPatch = z
  .object({
    name: promotionFields.name.optional(),
    code: promotionFields.code,
    kind: promotionFields.kind.optional(),
    value: z.number().int().min(0).max(100_000_000).optional(),
    buyQuantity: z.number().int().min(0).max(100).optional(),
    getQuantity: z.number().int().min(0).max(100).optional(),
    conditions: PromotionConditionsSchema.optional(),
    combinable: z.boolean().optional(),
    status: promotionFields.status.optional(),
    startsAt: promotionFields.startsAt,
    endsAt: promotionFields.endsAt,
    usageLimit: promotionFields.usageLimit,
    perCustomerLimit: promotionFields.perCustomerLimit,
  })
  .strict()
  .openapi("PromotionPatch");
export type PromotionPatch = z.infer<typeof PromotionPatch>;

export const PromotionSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    code: z.string().nullable(),
    automatic: z.boolean(),
    kind: z.enum(PROMOTION_KINDS),
    value: z.number().int(),
    buyQuantity: z.number().int(),
    getQuantity: z.number().int(),
    conditions: PromotionConditionsSchema,
    combinable: z.boolean(),
    status: z.enum(["active", "paused"]),
    /** active, paused, scheduled (not started) or ended, at the time of the answer. */
    state: z.enum(["active", "paused", "scheduled", "ended"]),
    startsAt: z.string().nullable(),
    endsAt: z.string().nullable(),
    usageLimit: z.number().int().nullable(),
    perCustomerLimit: z.number().int().nullable(),
    usage: z.object({
      reserved: z.number().int().openapi({ description: "Orders waiting for payment." }),
      committed: z.number().int().openapi({ description: "Paid orders." }),
      discounted: MoneySchema.openapi({ description: "Taken off paid orders' goods." }),
      revenue: MoneySchema.openapi({ description: "Paid orders' totals." }),
    }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Promotion");
export type PromotionView = z.infer<typeof PromotionSchema>;

export const PromotionList = z.object({ items: z.array(PromotionSchema), total: z.number().int() }).openapi("PromotionList");
export const PromotionIdParam = z.object({ id: id.openapi({ param: { name: "id", in: "path" } }) });

export const AppliedPromotionSchema = z
  .object({
    promotionId: z.string(),
    name: z.string(),
    code: z.string().nullable(),
    kind: z.enum(PROMOTION_KINDS),
    amount: MoneySchema.openapi({ description: "Taken off the goods." }),
    freeShipping: z.boolean(),
  })
  .openapi("AppliedPromotion");

export const CartPromotionsSchema = z
  .object({
    code: z.string().nullable().openapi({ description: "The code the cart carries." }),
    /** Why the carried code takes nothing off now (the cart changed since it was applied). */
    codeProblem: z.object({ code: z.string(), condition: z.string(), message: z.string() }).nullable(),
    applied: z.array(AppliedPromotionSchema),
    discount: MoneySchema.openapi({ description: "Taken off the goods in all." }),
    freeShipping: z.boolean(),
    /** Discount per cart line, in the order of `items`. */
    lineDiscounts: z.array(MoneySchema),
  })
  .openapi("CartPromotions");
export type CartPromotions = z.infer<typeof CartPromotionsSchema>;
