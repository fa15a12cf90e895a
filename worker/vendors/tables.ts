import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/**
 * A seller's lifecycle: an application is a vendor row in `pending`; staff approve it (`active`) or reject it
 * with a reason; an active vendor can be `suspended` (its products leave listings and carts) and reinstated.
 */
export const VENDOR_STATUSES = ["pending", "active", "rejected", "suspended"] as const;
export type VendorStatus = (typeof VENDOR_STATUSES)[number];

/** How a vendor is paid: Stripe Connect transfers, or a bank transfer staff record by hand. */
export const PAYOUT_PROVIDERS = ["stripe", "manual"] as const;
export type PayoutProvider = (typeof PAYOUT_PROVIDERS)[number];

/** A seller on the marketplace. `products.vendor_id` points here; a product without one is the store's own. */
export const vendors = sqliteTable(
  "vendors",
  {
    id: text("id").primaryKey(),
    /** The storefront address `/v/:handle`: lowercase letters, digits and dashes, unique. */
    handle: text("handle").notNull(),
    name: text("name").notNull(),
    status: text("status", { enum: VENDOR_STATUSES }).notNull().default("pending"),
    contactEmail: text("contact_email").notNull(),
    contactPhone: text("contact_phone"),
    /** ISO 3166-1 alpha-2: where the business is registered (and ships from by default). */
    country: text("country").notNull(),
    description: text("description").notNull().default(""),
    /** Why staff rejected or suspended it, shown to the vendor. */
    statusReason: text("status_reason"),
    /** The storefront page: a short "about" text and an optional banner (a `/media/uploads/…` path). */
    about: text("about").notNull().default(""),
    bannerUrl: text("banner_url"),
    /** JSON address object (same shape as an order's shipping address) where returns of this vendor's lines go. */
    returnAddress: text("return_address"),
    payoutProvider: text("payout_provider", { enum: PAYOUT_PROVIDERS }).notNull().default("manual"),
    /** Stripe Connect account id (`acct_…`) once onboarding started; `payouts_enabled` mirrors `account.updated`. */
    stripeAccountId: text("stripe_account_id"),
    payoutsEnabled: integer("payouts_enabled", { mode: "boolean" }).notNull().default(false),
    /** Mirrors the connected account's `charges_enabled` from `account.updated` (migration 0029). */
    chargesEnabled: integer("charges_enabled", { mode: "boolean" }).notNull().default(false),
    /** For manual payouts: where staff send the money (free text such as an IBAN), shown to finance members and admins only. */
    payoutDetails: text("payout_details"),
    createdAt: text("created_at").notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
    updatedAt: text("updated_at").notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
    approvedAt: text("approved_at"),
  },
  (t) => [
    uniqueIndex("vendors_handle_uq").on(t.handle),
    uniqueIndex("vendors_stripe_account_uq").on(t.stripeAccountId),
    index("vendors_status_created_idx").on(t.status, t.createdAt),
  ],
);

/**
 * What a member of a vendor may do: the owner everything (members, payouts account, settings); `catalog`
 * products and stock; `orders` shipping and returns of the vendor's lines; `finance` the ledger and payouts.
 */
export const VENDOR_MEMBER_ROLES = ["owner", "catalog", "orders", "finance"] as const;
export type VendorMemberRole = (typeof VENDOR_MEMBER_ROLES)[number];

/** A user who works for a vendor. A user belongs to at most one vendor (the unique index on `user_id`). */
export const vendorMembers = sqliteTable(
  "vendor_members",
  {
    vendorId: text("vendor_id")
      .notNull()
      .references(() => vendors.id, { onDelete: "cascade" }),
    userId: text("user_id").notNull(),
    role: text("role", { enum: VENDOR_MEMBER_ROLES }).notNull(),
    createdAt: text("created_at").notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
  },
  (t) => [primaryKey({ columns: [t.vendorId, t.userId] }), uniqueIndex("vendor_members_user_uq").on(t.userId)],
);

// Marketplace money: commission rules and the vendor ledger (migration 0021).

/** Which lines a commission rule covers; the most specific one wins: product > category > vendor > store. */
export const COMMISSION_SCOPES = ["product", "category", "vendor", "store"] as const;
export type CommissionScope = (typeof COMMISSION_SCOPES)[number];
export const COMMISSION_KINDS = ["percent", "fixed"] as const;
export type CommissionKind = (typeof COMMISSION_KINDS)[number];

/**
 * What the store keeps of a vendor's sale. `percent` takes `rate_bps` (basis points) of the base; `fixed`
 * takes `fixed_amount` minor units per unit sold (never more than the line's base). The base is what the
 * shopper paid for the line without tax, plus the line's tax with `include_tax`; with `include_shipping` the
 * vendor order's shipping is charged at the vendor's (or the store's) rule too. One rule per target.
 */
export const commissionRules = sqliteTable(
  "commission_rules",
  {
    id: text("id").primaryKey(),
    scope: text("scope", { enum: COMMISSION_SCOPES }).notNull(),
    /** The vendor, category or product id; the empty string for the store-wide default. */
    target: text("target").notNull(),
    kind: text("kind", { enum: COMMISSION_KINDS }).notNull(),
    rateBps: integer("rate_bps").notNull().default(0),
    fixedAmount: integer("fixed_amount").notNull().default(0),
    includeTax: integer("include_tax", { mode: "boolean" }).notNull().default(false),
    includeShipping: integer("include_shipping", { mode: "boolean" }).notNull().default(false),
    createdAt: text("created_at").notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
    updatedAt: text("updated_at").notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
  },
  (t) => [uniqueIndex("commission_rules_target_uq").on(t.scope, t.target)],
);

export const LEDGER_KINDS = ["sale", "commission", "refund", "commission_refund", "transfer", "transfer_reversal", "adjustment"] as const;
export type LedgerKind = (typeof LEDGER_KINDS)[number];

/**
 * Every money movement between the store and a vendor, append-only: a balance is the sum of `amount`
 * (positive: the store owes the vendor), never a stored figure. Each entry has a unique idempotency key
 * derived from the event that caused it, so replaying the event writes nothing.
 */
export const vendorLedger = sqliteTable(
  "vendor_ledger",
  {
    id: text("id").primaryKey(),
    vendorId: text("vendor_id")
      .notNull()
      .references(() => vendors.id),
    kind: text("kind", { enum: LEDGER_KINDS }).notNull(),
    amount: integer("amount").notNull(),
    currency: text("currency").notNull(),
    orderId: text("order_id"),
    vendorOrderId: text("vendor_order_id"),
    idempotencyKey: text("idempotency_key").notNull(),
    note: text("note"),
    createdAt: text("created_at").notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
  },
  (t) => [uniqueIndex("vendor_ledger_key_uq").on(t.idempotencyKey), index("vendor_ledger_vendor_idx").on(t.vendorId, t.createdAt)],
);

/**
 * An owner's invitation of a teammate by email. Only the token's hash is stored; the link carries the token.
 * One open (not accepted, not revoked) invitation per vendor and email.
 */
export const vendorInvitations = sqliteTable(
  "vendor_invitations",
  {
    id: text("id").primaryKey(),
    vendorId: text("vendor_id")
      .notNull()
      .references(() => vendors.id, { onDelete: "cascade" }),
    email: text("email").notNull(),
    role: text("role", { enum: VENDOR_MEMBER_ROLES }).notNull(),
    tokenHash: text("token_hash").notNull(),
    invitedBy: text("invited_by").notNull(),
    createdAt: text("created_at").notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
    expiresAt: text("expires_at").notNull(),
    acceptedAt: text("accepted_at"),
    acceptedBy: text("accepted_by"),
    revokedAt: text("revoked_at"),
  },
  (t) => [uniqueIndex("vendor_invitations_token_uq").on(t.tokenHash)],
);

// Payouts (migration 0029).

/** How a payout leaves the store: a Stripe Connect transfer, or a bank transfer staff record by hand. */
export const PAYOUT_METHODS = ["stripe_connect", "manual"] as const;
export type PayoutMethod = (typeof PAYOUT_METHODS)[number];
export const PAYOUT_STATUSES = ["pending", "paid", "failed"] as const;
export type PayoutStatus = (typeof PAYOUT_STATUSES)[number];

/**
 * One payment of a vendor's available balance. It is created with its `transfer` ledger entry (the debit) in
 * one batch; a failed payout gets a `transfer_reversal` entry that credits the amount back. `idempotency_key`
 * (`payout:<id>`) is what the Stripe transfer carries, so a retried send makes no second transfer.
 */
export const payouts = sqliteTable(
  "payouts",
  {
    id: text("id").primaryKey(),
    vendorId: text("vendor_id")
      .notNull()
      .references(() => vendors.id),
    amount: integer("amount").notNull(),
    currency: text("currency").notNull(),
    provider: text("provider", { enum: PAYOUT_METHODS }).notNull(),
    status: text("status", { enum: PAYOUT_STATUSES }).notNull().default("pending"),
    /** The Stripe transfer id (`tr_…`), or the bank reference staff typed for a manual payout. */
    providerReference: text("provider_reference"),
    /** The connected account the transfer goes to (frozen at creation). */
    destination: text("destination"),
    idempotencyKey: text("idempotency_key").notNull(),
    failureReason: text("failure_reason"),
    createdAt: text("created_at").notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
    updatedAt: text("updated_at").notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
    paidAt: text("paid_at"),
    /** The one vendor order a Stripe Connect payout is the transfer of (migration 0038); null for a manual or loose payout. */
    vendorOrderId: text("vendor_order_id"),
    /** That vendor order's order: the transfer's `transfer_group` (the PaymentIntent carries the same group). */
    orderId: text("order_id"),
  },
  (t) => [
    uniqueIndex("payouts_key_uq").on(t.idempotencyKey),
    index("payouts_vendor_idx").on(t.vendorId, t.createdAt),
    index("payouts_status_idx").on(t.status, t.createdAt),
  ],
);

/**
 * Which vendor orders a payout covers (migration 0038): `amount` is what the payout sent for that vendor order
 * (its net, less what it paid back of a negative balance: `netted`). A row without a payout is a vendor order whose
 * whole net paid back what the seller owed. A vendor order is paid out while it has a row whose payout has not failed.
 */
export const payoutItems = sqliteTable(
  "payout_items",
  {
    id: text("id").primaryKey(),
    payoutId: text("payout_id"),
    vendorId: text("vendor_id")
      .notNull()
      .references(() => vendors.id),
    vendorOrderId: text("vendor_order_id").notNull(),
    orderId: text("order_id"),
    amount: integer("amount").notNull(),
    netted: integer("netted").notNull().default(0),
    createdAt: text("created_at").notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
  },
  (t) => [uniqueIndex("payout_items_payout_vo_uq").on(t.payoutId, t.vendorOrderId), index("payout_items_vo_idx").on(t.vendorOrderId)],
);
