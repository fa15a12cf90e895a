import { z } from "@hono/zod-openapi";
import { AddressFields } from "../accounts/schema";
import { MoneySchema } from "../lib/openapi";
import { OrderMoneySchema } from "../shipping/schema";

export const CheckoutAddress = AddressFields.omit({ isDefaultShipping: true, isDefaultBilling: true }).strict();
export type CheckoutAddress = z.infer<typeof CheckoutAddress>;

/**
 * What a shopper chooses at checkout. Prices, totals and currency are not
 * here on purpose: the server computes them, and an unknown field is a 400.
 */
export const CheckoutBody = z
  .object({
    email: z
      .email("Enter a valid email address")
      .max(254)
      .optional()
      .openapi({ description: "Required for guests; signed-in shoppers use their account's email." }),
    shippingAddress: CheckoutAddress.optional(),
    addressId: z.string().max(64).optional().openapi({ description: "A saved address of the signed-in shopper, instead of shippingAddress." }),
    shippingOption: z.enum(["standard", "express"]),
    redeemPoints: z
      .number()
      .int("Expected a whole number")
      .min(0)
      .max(10_000_000)
      .optional()
      .openapi({ description: "Loyalty points to redeem as a discount (signed-in shoppers; within the program's minimum, maximum and share of the order)." }),
  })
  .strict()
  .openapi("CheckoutBody");
export type CheckoutBody = z.infer<typeof CheckoutBody>;

export const CheckoutResult = z
  .object({
    orderId: z.string(),
    orderNumber: z.string(),
    status: z.string(),
    total: MoneySchema,
    /** Subtotal, shipping, the tax line (included or added), duties, and the total in the display currency. */
    totals: OrderMoneySchema,
    /** Points this order redeems and what they took off (null when none). */
    points: z.object({ points: z.number().int(), value: MoneySchema }).nullable(),
    payment: z.object({ provider: z.enum(["test", "stripe"]), redirectUrl: z.string() }),
    /** For guests: the order page link (also in the confirmation email). */
    orderUrl: z.string(),
  })
  .openapi("CheckoutResult");
export type CheckoutResult = z.infer<typeof CheckoutResult>;
