import { z } from "@hono/zod-openapi";
import { MoneySchema } from "../lib/openapi";
import { LOYALTY_BUCKETS, LOYALTY_ENTRY_KINDS } from "./tables";

const points = (max: number) => z.number().int("Expected a whole number").min(0).max(max);

export const LoyaltyTier = z
  .object({
    name: z.string().trim().min(1, "Required").max(40),
    minSpend: points(1_000_000_000).openapi({ description: "Spend over the last 12 months (minor units of the base currency) that reaches this tier." }),
    multiplierPermille: z
      .number()
      .int("Expected a whole number")
      .min(1000, "At least 1000 (×1)")
      .max(10_000)
      .openapi({ description: "Earning multiplier in thousandths: 1000 = ×1, 1500 = ×1.5." }),
  })
  .strict()
  .openapi("LoyaltyTier");
export type LoyaltyTier = z.infer<typeof LoyaltyTier>;

/** The program's rules. Points are whole numbers; money is minor units of the store's base currency. */
export const LoyaltySettingsSchema = z
  .object({
    enabled: z.boolean(),
    pointsPerUnit: points(1000).openapi({ description: "Points earned per whole currency unit paid (1 = a point per dollar)." }),
    pointValue: points(10_000).openapi({ description: "What one point takes off at checkout, minor units (1 = one cent)." }),
    minRedeemPoints: points(10_000_000).openapi({ description: "Fewest points one order may redeem." }),
    maxRedeemPoints: points(10_000_000).openapi({ description: "Most points one order may redeem." }),
    maxRedeemPercent: points(100).openapi({ description: "Most of the goods (after discounts) points may pay for, percent." }),
    signUpBonus: points(1_000_000),
    reviewBonus: points(1_000_000),
    birthdayBonus: points(1_000_000),
    expiryMonths: z
      .number()
      .int("Expected a whole number")
      .min(0)
      .max(120)
      .openapi({ description: "Available points expire after this many months without activity; 0 leaves the period to `expiryDays`." }),
    expiryDays: z.number().int("Expected a whole number").min(0).max(3650).openapi({
      description:
        "The period in days, for stores that set it that way: used only while `expiryMonths` is 0. Setting one unit above 0 sets the other to 0; both 0: points never expire.",
    }),
    expiryWarningDays: z
      .number()
      .int("Expected a whole number")
      .min(0)
      .max(365)
      .openapi({ description: "The warning email goes out this many days before points expire (0: no warning)." }),
    tiers: z.array(LoyaltyTier).min(1).max(10),
  })
  .strict()
  .openapi("LoyaltySettings");
export type LoyaltySettingsSchema = z.infer<typeof LoyaltySettingsSchema>;

export const LoyaltySettingsBody = LoyaltySettingsSchema.partial().strict().openapi("LoyaltySettingsBody");
export type LoyaltySettingsBody = z.infer<typeof LoyaltySettingsBody>;

export const LoyaltyEntrySchema = z
  .object({
    id: z.string(),
    kind: z.enum(LOYALTY_ENTRY_KINDS),
    bucket: z.enum(LOYALTY_BUCKETS),
    points: z.number().int(),
    orderId: z.string().nullable(),
    reason: z.string().nullable(),
    at: z.string(),
  })
  .openapi("LoyaltyEntry");
export type LoyaltyEntrySchema = z.infer<typeof LoyaltyEntrySchema>;

export const LoyaltySummary = z
  .object({
    enabled: z.boolean(),
    available: z.number().int().openapi({ description: "Points that can be redeemed now (below 0 while the member owes points)." }),
    owed: z
      .number()
      .int()
      .min(0)
      .openapi({ description: "Points taken back after they were spent (a removed review's bonus): points earned later pay this first." }),
    pending: z.number().int().openapi({ description: "Points earned on orders still inside their return window." }),
    availableValue: MoneySchema.openapi({ description: "What the available points take off at checkout." }),
    tier: z.object({ name: z.string(), multiplierPermille: z.number().int() }),
    nextTier: z.object({ name: z.string(), spendToGo: MoneySchema }).nullable(),
    spend12Months: MoneySchema,
    redeem: z.object({ pointValue: z.number().int(), minPoints: z.number().int(), maxPoints: z.number().int(), maxPercent: z.number().int() }),
    expiresAt: z.string().nullable().openapi({ description: "When the available points expire without activity." }),
    statement: z.array(LoyaltyEntrySchema),
  })
  .openapi("LoyaltySummary");
export type LoyaltySummary = z.infer<typeof LoyaltySummary>;

export const LoyaltyAdjustBody = z
  .object({
    userId: z.string().min(1).max(64),
    points: z
      .number()
      .int("Expected a whole number")
      .min(-10_000_000)
      .max(10_000_000)
      .refine((n) => n !== 0, "Must not be 0"),
    reason: z.string().trim().min(3, "Give a reason").max(300),
  })
  .strict()
  .openapi("LoyaltyAdjustBody");
export type LoyaltyAdjustBody = z.infer<typeof LoyaltyAdjustBody>;

export const LoyaltyAdjustResult = z.object({ entryId: z.string(), userId: z.string(), available: z.number().int() }).openapi("LoyaltyAdjustResult");
export type LoyaltyAdjustResult = z.infer<typeof LoyaltyAdjustResult>;
