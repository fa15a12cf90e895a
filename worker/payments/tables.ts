import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** One attempt to collect an order's total through a provider. */
export const payments = sqliteTable(
  "payments",
  {
    id: text("id").primaryKey(),
    orderId: text("order_id").notNull(),
    provider: text("provider", { enum: ["test", "stripe"] }).notNull(),
    /** The provider's id (Stripe Checkout Session id; the payment id itself for the test provider). */
    providerRef: text("provider_ref"),
    providerPaymentId: text("provider_payment_id"),
    status: text("status", { enum: ["pending", "succeeded", "failed", "refunded", "partially_refunded"] }).notNull(),
    amount: integer("amount").notNull(),
    currency: text("currency").notNull(),
    refundedAmount: integer("refunded_amount").notNull().default(0),
    redirectUrl: text("redirect_url"),
    failureReason: text("failure_reason"),
    createdAt: text("created_at").notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
    updatedAt: text("updated_at").notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
  },
  (t) => [index("payments_order_idx").on(t.orderId), index("payments_provider_ref_idx").on(t.provider, t.providerRef)],
);

/**
 * Provider events already handled, by the provider's event id: a webhook
 * delivered twice changes nothing the second time.
 */
export const paymentEvents = sqliteTable("payment_events", {
  id: text("id").primaryKey(),
  provider: text("provider").notNull(),
  type: text("type").notNull(),
  paymentId: text("payment_id"),
  receivedAt: text("received_at").notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
  processedAt: text("processed_at"),
});
