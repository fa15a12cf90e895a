import { z } from "@hono/zod-openapi";
import { AddressFields } from "../accounts/schema";
import { MoneySchema, PaginationQuery } from "../lib/openapi";
import { LEDGER_KINDS, VENDOR_MEMBER_ROLES, VENDOR_STATUSES } from "./tables";

// Marketplace money: the vendor's ledger statement.

export const VendorLedgerQuery = z.object({ ...PaginationQuery }).strict();
export type VendorLedgerQuery = z.infer<typeof VendorLedgerQuery>;

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
