import { z } from "@hono/zod-openapi";
import { AddressFields } from "../accounts/schema";
import { MoneySchema, PaginationQuery } from "../lib/openapi";
import {
  COMMISSION_KINDS,
  COMMISSION_SCOPES,
  LEDGER_KINDS,
  PAYOUT_METHODS,
  PAYOUT_PROVIDERS,
  PAYOUT_STATUSES,
  VENDOR_MEMBER_ROLES,
  VENDOR_STATUSES,
} from "./tables";

// Marketplace money: the vendor's ledger statement.

export const VendorLedgerQuery = z.object({ ...PaginationQuery }).strict();
export type VendorLedgerQuery = z.infer<typeof VendorLedgerQuery>;

/** The payout a ledger entry (a transfer, or its reversal) belongs to. */
export const VendorLedgerPayout = z
  .object({
    id: z.string(),
    provider: z.enum(PAYOUT_METHODS),
    status: z.enum(PAYOUT_STATUSES),
    reference: z
      .string()
      .nullable()
      .openapi({ description: "The Stripe transfer id (`tr_…`) once the transfer was sent, or the bank reference staff recorded for a manual payout." }),
  })
  .openapi("VendorLedgerPayout");

export const VendorLedgerEntry = z
  .object({
    id: z.string(),
    kind: z.enum(LEDGER_KINDS),
    amount: MoneySchema.openapi({ description: "Positive: the store owes the vendor more; negative: less." }),
    balance: MoneySchema.openapi({ description: "The balance after this entry." }),
    orderId: z.string().nullable(),
    vendorOrderId: z.string().nullable(),
    note: z.string().nullable(),
    createdAt: z.string(),
    payout: z.union([VendorLedgerPayout, z.null()]).openapi({
      description:
        "On `transfer` and `transfer_reversal` entries: the payout they belong to, with its transfer id or bank reference as it is now (read from the payout: the entry itself never changes).",
    }),
  })
  .openapi("VendorLedgerEntry");

export const VendorLedgerPage = z
  .object({
    balance: MoneySchema.openapi({ description: "What the store owes the vendor now (negative: what the vendor owes)." }),
    items: z.array(VendorLedgerEntry),
    total: z.number().int(),
    page: z.number().int(),
    perPage: z.number().int(),
  })
  .openapi("VendorLedgerPage");

/** Storefront addresses `/v/:handle`: 3–40 lowercase letters, digits and single dashes. */
export const VendorHandle = z
  .string()
  .trim()
  .toLowerCase()
  .min(3, "At least 3 characters")
  .max(40, "At most 40 characters")
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, "Use lowercase letters, digits and single dashes")
  .openapi({ example: "oak-and-iron" });

export const VendorApplicationBody = z
  .object({
    name: z.string().trim().min(2, "Enter the business name").max(80, "At most 80 characters"),
    handle: VendorHandle,
    contactEmail: z.email("Enter an email address").trim().toLowerCase().max(254),
    contactPhone: z
      .string()
      .trim()
      .regex(/^\+?[0-9 ().-]{6,24}$/, "Enter a phone number with digits, spaces or + ( ) . -")
      .optional(),
    country: z
      .string()
      .trim()
      .toUpperCase()
      .regex(/^[A-Z]{2}$/, "Pick a country"),
    description: z.string().trim().min(20, "Tell us a little more (at least 20 characters)").max(2000, "At most 2000 characters"),
  })
  .strict()
  .openapi("VendorApplicationBody");
export type VendorApplicationBody = z.infer<typeof VendorApplicationBody>;

/** A vendor as its own members and staff see it (payout details stay with the payouts screens). */
export const VendorView = z
  .object({
    id: z.string(),
    handle: z.string(),
    name: z.string(),
    status: z.enum(VENDOR_STATUSES),
    statusReason: z.string().nullable(),
    contactEmail: z.string(),
    contactPhone: z.string().nullable(),
    country: z.string(),
    description: z.string(),
    about: z.string(),
    bannerUrl: z.string().nullable(),
    createdAt: z.string(),
    approvedAt: z.string().nullable(),
  })
  .openapi("VendorView");
export type VendorView = z.infer<typeof VendorView>;

export const VendorMemberView = z
  .object({ userId: z.string(), name: z.string(), email: z.string(), role: z.enum(VENDOR_MEMBER_ROLES), createdAt: z.string() })
  .openapi("VendorMemberView");
export type VendorMemberView = z.infer<typeof VendorMemberView>;

export const AdminVendorView = VendorView.extend({ members: z.array(VendorMemberView) }).openapi("AdminVendorView");
export type AdminVendorView = z.infer<typeof AdminVendorView>;

/** The caller's own application, or null when they have none. */
export const MyVendorApplication = z.object({ vendor: z.union([VendorView, z.null()]) }).openapi("MyVendorApplication");
export type MyVendorApplication = z.infer<typeof MyVendorApplication>;

export const AdminVendorQuery = z
  .object({
    status: z.enum(VENDOR_STATUSES).optional(),
    q: z.string().trim().max(100).optional().openapi({ description: "Part of the name, handle or contact email." }),
    ...PaginationQuery,
  })
  .strict()
  .openapi("AdminVendorQuery");
export type AdminVendorQuery = z.infer<typeof AdminVendorQuery>;

export const AdminVendorSummary = z
  .object({
    id: z.string(),
    handle: z.string(),
    name: z.string(),
    status: z.enum(VENDOR_STATUSES),
    contactEmail: z.string(),
    country: z.string(),
    createdAt: z.string(),
  })
  .openapi("AdminVendorSummary");

export const AdminVendorPage = z
  .object({ items: z.array(AdminVendorSummary), total: z.number().int(), page: z.number().int(), perPage: z.number().int() })
  .openapi("AdminVendorPage");
export type AdminVendorPage = z.infer<typeof AdminVendorPage>;

/** Why staff reject or suspend a vendor: the vendor reads it in the email and the panel. */
export const VendorReasonBody = z
  .object({ reason: z.string().trim().min(5, "Give the reason the vendor will read (at least 5 characters)").max(1000, "At most 1000 characters") })
  .strict()
  .openapi("VendorReasonBody");
export type VendorReasonBody = z.infer<typeof VendorReasonBody>;

/** Approving or reinstating takes no fields. */
export const EmptyBody = z.object({}).strict().openapi("VendorEmptyBody");

export const InviteMemberBody = z
  .object({
    email: z.email("Enter an email address").trim().toLowerCase().max(254),
    role: z.enum(VENDOR_MEMBER_ROLES, "Pick a role: owner, catalog, orders or finance"),
  })
  .strict()
  .openapi("InviteMemberBody");
export type InviteMemberBody = z.infer<typeof InviteMemberBody>;

export const ChangeMemberRoleBody = z
  .object({ role: z.enum(VENDOR_MEMBER_ROLES, "Pick a role: owner, catalog, orders or finance") })
  .strict()
  .openapi("ChangeMemberRoleBody");
export type ChangeMemberRoleBody = z.infer<typeof ChangeMemberRoleBody>;

export const AcceptInvitationBody = z
  .object({ token: z.string().trim().min(16, "This link is not complete").max(200) })
  .strict()
  .openapi("AcceptInvitationBody");
export type AcceptInvitationBody = z.infer<typeof AcceptInvitationBody>;

export const VendorInvitationView = z
  .object({ id: z.string(), email: z.string(), role: z.enum(VENDOR_MEMBER_ROLES), createdAt: z.string(), expiresAt: z.string() })
  .openapi("VendorInvitationView");
export type VendorInvitationView = z.infer<typeof VendorInvitationView>;

/** A vendor's members and its open invitations. */
export const VendorTeam = z.object({ members: z.array(VendorMemberView), invitations: z.array(VendorInvitationView) }).openapi("VendorTeam");
export type VendorTeam = z.infer<typeof VendorTeam>;

export const MemberIdParam = z.object({
  userId: z
    .string()
    .max(64)
    .openapi({ param: { name: "userId", in: "path" } }),
});
export const InvitationIdParam = z.object({
  id: z
    .string()
    .max(64)
    .openapi({ param: { name: "id", in: "path" } }),
});

export const InvitationAccepted = z.object({ vendor: VendorView, role: z.enum(VENDOR_MEMBER_ROLES) }).openapi("InvitationAccepted");
export type InvitationAccepted = z.infer<typeof InvitationAccepted>;

// Payouts.

export const PayoutView = z
  .object({
    id: z.string(),
    vendorId: z.string(),
    vendorName: z.string(),
    amount: MoneySchema,
    provider: z.enum(PAYOUT_METHODS).openapi({ description: "`stripe_connect`: a transfer to the vendor's connected account; `manual`: staff send it." }),
    status: z.enum(PAYOUT_STATUSES),
    providerReference: z.string().nullable().openapi({ description: "The Stripe transfer id, or the bank reference staff recorded." }),
    failureReason: z.string().nullable(),
    createdAt: z.string(),
    paidAt: z.string().nullable(),
    vendorOrderId: z.string().nullable().openapi({ description: "The vendor order a Stripe Connect transfer pays (one transfer per vendor order)." }),
    orderId: z.string().nullable().openapi({ description: "That vendor order's order: the transfer's `transfer_group`." }),
    orderNumber: z.string().nullable(),
    vendorOrders: z
      .array(
        z.object({
          vendorOrderId: z.string(),
          orderId: z.string().nullable(),
          orderNumber: z.string().nullable(),
          amount: MoneySchema.openapi({ description: "What this payout sent for the vendor order (its net, less what it paid back of a negative balance)." }),
        }),
      )
      .openapi({ description: "Every vendor order the payout covers (a manual bank transfer may cover several)." }),
  })
  .openapi("Payout");
export type PayoutView = z.infer<typeof PayoutView>;

export const PayoutListQuery = z
  .object({
    ...PaginationQuery,
    status: z.enum(PAYOUT_STATUSES).optional(),
    vendorId: z.string().max(64).optional(),
  })
  .strict();
export type PayoutListQuery = z.infer<typeof PayoutListQuery>;

export const VendorPayoutQuery = z.object({ ...PaginationQuery, status: z.enum(PAYOUT_STATUSES).optional() }).strict();
export type VendorPayoutQuery = z.infer<typeof VendorPayoutQuery>;

export const PayoutPage = z
  .object({ items: z.array(PayoutView), total: z.number().int(), page: z.number().int(), perPage: z.number().int() })
  .openapi("PayoutPage");
export type PayoutPage = z.infer<typeof PayoutPage>;

export const NextPayoutView = z
  .object({
    amount: MoneySchema.openapi({ description: "What the next payout run would pay (now, or at `payableAt`)." }),
    availableNow: z.boolean().openapi({ description: "True when something can be paid now: the next daily payout run pays it." }),
    payableAt: z.string().nullable().openapi({
      description:
        "When not available now: the time the earliest held sales leave their hold (their parcel's delivery plus the hold period) and bring the amount above zero.",
    }),
  })
  .openapi("NextPayout");

/** The seller's money at a glance (its overview and payouts page). */
export const VendorPayoutSummary = z
  .object({
    balance: MoneySchema.openapi({ description: "What the store owes the seller now (negative: what the seller owes)." }),
    available: MoneySchema.openapi({ description: "What can be paid now: the settled balance plus the nets of vendor orders past their hold." }),
    held: MoneySchema.openapi({ description: "The rest of the balance: sales not delivered yet, inside their hold, or with an open return." }),
    holdDays: z.number().int().openapi({ description: "Days after a parcel's delivery before its sale can be paid (the store's return window)." }),
    nextPayout: z
      .union([NextPayoutView, z.null()])
      .openapi({ description: "The next payout: available now, or from a date; null when nothing is due (nothing payable and no held sale has a date yet)." }),
  })
  .openapi("VendorPayoutSummary");
export type VendorPayoutSummary = z.infer<typeof VendorPayoutSummary>;

export const QueuedPayout = z
  .object({
    payoutId: z.string().openapi({ description: "The id the payout gets when the queue consumer creates it." }),
    vendorId: z.string(),
    vendorOrderId: z
      .string()
      .nullable()
      .openapi({ description: "The vendor order a Stripe Connect transfer pays; null for a manual payout or a balance without one." }),
    amount: MoneySchema.openapi({ description: "The available balance when the run read it; the consumer pays what is available then." }),
  })
  .openapi("QueuedPayout");
export type QueuedPayout = z.infer<typeof QueuedPayout>;

export const PayoutRunResult = z
  .object({
    queued: z.array(QueuedPayout),
    cutoff: z.string().openapi({ description: "Sales whose parcel was delivered after this time are still held (the hold period)." }),
  })
  .openapi("PayoutRunResult");
export type PayoutRunResult = z.infer<typeof PayoutRunResult>;

/**
 * A message of the payouts queue. `payout`: create (if still available) and send one seller's payout, the id
 * fixed by the run so a redelivered message finds its own payout. `reversal`: after a refund, take back from
 * the seller's connected account what was already paid out of the refunded sale.
 */
export const PayoutMessage = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("payout"),
    payoutId: z.string().min(1),
    vendorId: z.string().min(1),
    currency: z.string().length(3),
    /** The run's time: the hold period counts back from it. */
    asOf: z.number().int(),
    actor: z.object({ actorId: z.string(), actorEmail: z.string(), requestId: z.string().nullable() }).nullable(),
    /** The vendor order this payout is the transfer of; absent: the seller's settled balance (or, paid by hand, everything payable). */
    vendorOrderId: z.string().min(1).nullable().optional(),
  }),
  z.object({
    kind: z.literal("reversal"),
    vendorId: z.string().min(1),
    currency: z.string().length(3),
    /** Names the refund (`<order id>:<refunded so far>`): the reversal's idempotency key is built from it. */
    refundKey: z.string().min(1),
  }),
]);
export type PayoutMessage = z.infer<typeof PayoutMessage>;

export const MarkPayoutPaidBody = z
  .object({ reference: z.string().trim().min(1, "Enter the bank transfer's reference").max(200, "At most 200 characters") })
  .strict();
export type MarkPayoutPaidBody = z.infer<typeof MarkPayoutPaidBody>;

export const MarkPayoutFailedBody = z.object({ reason: z.string().trim().min(3, "Say why the payout failed").max(500, "At most 500 characters") }).strict();
export type MarkPayoutFailedBody = z.infer<typeof MarkPayoutFailedBody>;

export const PayoutAccountView = z
  .object({
    method: z.enum(PAYOUT_PROVIDERS).openapi({ description: "What the vendor chose: `stripe` (Connect) or `manual` (bank transfer by staff)." }),
    stripeAccountId: z.string().nullable(),
    chargesEnabled: z.boolean(),
    payoutsEnabled: z.boolean(),
    connectAvailable: z.boolean().openapi({ description: "Whether this store pays through Stripe Connect at all." }),
    paidBy: z.enum(PAYOUT_METHODS).openapi({ description: "How the next payout is made: Stripe only once the account can receive payouts." }),
    payoutDetails: z.string().nullable(),
  })
  .openapi("PayoutAccount");
export type PayoutAccountView = z.infer<typeof PayoutAccountView>;

export const ConnectLink = z
  .object({ url: z.string().openapi({ description: "Stripe's onboarding page (valid for a few minutes, once)." }) })
  .openapi("ConnectLink");

// Commission rules (staff).

export const CommissionRuleView = z
  .object({
    id: z.string(),
    scope: z.enum(COMMISSION_SCOPES),
    target: z.string().openapi({ description: "The vendor, category or product id; empty for the store-wide default." }),
    targetName: z.string().nullable().openapi({ description: "The vendor's, category's or product's name, when it still exists." }),
    kind: z.enum(COMMISSION_KINDS),
    rateBps: z.number().int().openapi({ description: "For `percent`: basis points of the base (1250 = 12.5%)." }),
    fixedAmount: z.number().int().openapi({ description: "For `fixed`: minor units per unit sold." }),
    includeTax: z.boolean(),
    includeShipping: z.boolean(),
    updatedAt: z.string(),
  })
  .openapi("CommissionRule");
export type CommissionRuleView = z.infer<typeof CommissionRuleView>;

export const CommissionRuleList = z.object({ items: z.array(CommissionRuleView) }).openapi("CommissionRuleList");
export type CommissionRuleList = z.infer<typeof CommissionRuleList>;

const ruleFields = {
  kind: z.enum(COMMISSION_KINDS),
  rateBps: z.number().int("Whole basis points").min(0, "At least 0").max(10_000, "At most 100%").default(0),
  fixedAmount: z.number().int("Minor units").min(0, "At least 0").max(100_000_000, "Too large").default(0),
  includeTax: z.boolean().default(false),
  includeShipping: z.boolean().default(false),
};

export const CommissionRuleBody = z
  .object({
    scope: z.enum(COMMISSION_SCOPES),
    target: z.string().trim().max(64, "At most 64 characters").default(""),
    ...ruleFields,
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.scope === "store" && v.target !== "") ctx.addIssue({ code: "custom", path: ["target"], message: "The store-wide rule has no target" });
    if (v.scope !== "store" && v.target === "") ctx.addIssue({ code: "custom", path: ["target"], message: `Pick the ${v.scope}` });
  });
export type CommissionRuleBody = z.infer<typeof CommissionRuleBody>;

export const UpdateCommissionRuleBody = z.object(ruleFields).strict();
export type UpdateCommissionRuleBody = z.infer<typeof UpdateCommissionRuleBody>;

export const PayoutSettingsBody = z
  .object({
    method: z.enum(PAYOUT_PROVIDERS).openapi({ description: "`stripe`: Stripe Connect once the account is ready; `manual`: bank transfer by staff." }),
    payoutDetails: z.string().trim().max(500, "At most 500 characters").nullable().optional(),
  })
  .strict();
export type PayoutSettingsBody = z.infer<typeof PayoutSettingsBody>;
// The seller's own settings: profile, storefront page and return address (owners).

/** Where returns of the vendor's lines are sent: the address book's fields, without the default flags. */
export const VendorReturnAddressInput = AddressFields.omit({ isDefaultShipping: true, isDefaultBilling: true }).strict().openapi("VendorReturnAddressInput");
export type VendorReturnAddressInput = z.infer<typeof VendorReturnAddressInput>;

export const VendorReturnAddress = z
  .object({
    fullName: z.string(),
    company: z.string().nullable(),
    line1: z.string(),
    line2: z.string().nullable(),
    city: z.string(),
    region: z.string().nullable(),
    postalCode: z.string().nullable(),
    country: z.string(),
    phone: z.string().nullable(),
  })
  .openapi("VendorReturnAddress");
export type VendorReturnAddress = z.infer<typeof VendorReturnAddress>;

/** Empty text clears an optional field (forms send every field); null does too. */
const clearable = (schema: z.ZodString) => z.preprocess((v) => (typeof v === "string" && v.trim() === "" ? null : v), schema.nullable()).optional();

/**
 * A change of the vendor's settings: only the fields sent change. The handle (the storefront's address),
 * the status and the payout account are not settings a member edits here.
 */
export const UpdateVendorSettingsBody = z
  .object({
    name: VendorApplicationBody.shape.name.optional(),
    contactEmail: VendorApplicationBody.shape.contactEmail.optional(),
    contactPhone: clearable(
      z
        .string()
        .trim()
        .regex(/^\+?[0-9 ().-]{6,24}$/, "Enter a phone number with digits, spaces or + ( ) . -"),
    ),
    description: VendorApplicationBody.shape.description.optional(),
    about: z.string().trim().max(4000, "At most 4000 characters").optional().openapi({ description: "The storefront page's text." }),
    bannerUrl: clearable(
      z
        .string()
        .trim()
        .max(1000)
        .regex(/^(https?:\/\/[^\s]+|\/[^\s/\\][^\s]*)$/, "Use an https:// address or a path on this site"),
    ).openapi({ description: "The storefront's banner picture: an address on an origin the store allows, or a path on this site; null removes it." }),
    returnAddress: z
      .union([VendorReturnAddressInput, z.null()])
      .optional()
      .openapi({ description: "Where returns of the vendor's lines go; null removes it." }),
  })
  .strict()
  .openapi("UpdateVendorSettingsBody");
export type UpdateVendorSettingsBody = z.infer<typeof UpdateVendorSettingsBody>;

/** The vendor as its owners edit it. */
export const VendorSettings = VendorView.extend({ returnAddress: z.union([VendorReturnAddress, z.null()]) }).openapi("VendorSettings");
export type VendorSettings = z.infer<typeof VendorSettings>;
