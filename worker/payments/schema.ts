import { z } from "@hono/zod-openapi";
import type { ExtraCharge } from "./charges";
import type { payments } from "./tables";

/** The providers the store can take payments with. */
export const PAYMENT_PROVIDERS = ["test", "stripe"] as const;
export type PaymentProviderName = (typeof PAYMENT_PROVIDERS)[number];

export type PaymentRow = typeof payments.$inferSelect;
export type PaymentStatus = PaymentRow["status"];

/** A verified outcome of a payment, from a provider's webhook, the test page, a sweep or reconciliation. */
export interface PaymentOutcome {
  provider: PaymentProviderName;
  /** The provider's event id: the same id twice is handled once. */
  eventId: string;
  eventType: string;
  /** Our payment id (the test provider's page, Stripe's metadata). */
  paymentId: string;
  outcome: "succeeded" | "failed" | "expired";
  /** What the provider says it collected; checked against the order. */
  amount?: number;
  currency?: string;
  providerPaymentId?: string;
  reason?: string;
}

export interface StartPaymentInput {
  payment: PaymentRow;
  order: { id: string; number: string; email: string; grandTotal: number; currency: string };
  lines: { name: string; variantTitle: string; unitPrice: number; quantity: number }[];
  /** Shipping, added tax and duties, each its own line; with `lines` they sum to exactly `order.grandTotal`. */
  charges: ExtraCharge[];
  origin: string;
  /** When the hosted payment page must stop accepting payment (before the holds expire). */
  expiresAt: number;
}

/** What every payment provider does for the store. */
export interface PaymentProvider {
  readonly name: PaymentProviderName;
  /** Starts collecting the order's total; answers where to send the shopper. */
  start(env: Env, input: StartPaymentInput): Promise<{ providerRef: string; redirectUrl: string }>;
  /** Gives money back (all or part). Idempotent per payment and amount. */
  refund(env: Env, input: { payment: PaymentRow; amount: number; reason: string }): Promise<void>;
}

export const TestPaymentBody = z
  .object({ outcome: z.enum(["succeeded", "failed"]) })
  .strict()
  .openapi("TestPaymentBody");
export type TestPaymentBody = z.infer<typeof TestPaymentBody>;
