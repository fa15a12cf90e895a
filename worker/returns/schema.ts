import { z } from "@hono/zod-openapi";
import { MoneySchema, PaginationQuery } from "../lib/openapi";
import { INSPECTIONS, POLICY_SLUGS, RETURN_RESOLUTIONS, RETURN_STATUSES } from "./tables";

const id = z.string().min(1).max(64);
const shortText = (max: number) => z.string().trim().max(max, `At most ${max} characters`);

export const ReturnRequestLine = z
  .object({
    orderLineId: id,
    quantity: z.number().int("Whole units").min(1, "At least 1").max(1000),
    reason: z.string().trim().min(1, "Pick a reason").max(80),
    note: shortText(500).optional(),
    exchangeSku: z.string().trim().min(1).max(64).optional().openapi({ description: "For an exchange: another variant (SKU) of the same product." }),
  })
  .strict();

export const CreateReturnBody = z
  .object({
    resolution: z.enum(RETURN_RESOLUTIONS).default("refund"),
    lines: z.array(ReturnRequestLine).min(1, "Pick at least one item").max(100),
    note: shortText(1000).optional(),
  })
  .strict()
  .superRefine((body, ctx) => {
    const seen = new Set<string>();
    body.lines.forEach((l, i) => {
      if (seen.has(l.orderLineId)) ctx.addIssue({ code: "custom", path: ["lines", i, "orderLineId"], message: "This item is listed twice" });
      seen.add(l.orderLineId);
      if (body.resolution === "exchange" && !l.exchangeSku)
        ctx.addIssue({ code: "custom", path: ["lines", i, "exchangeSku"], message: "Pick the variant you want instead" });
    });
  })
  .openapi("CreateReturnBody");
export type CreateReturnBody = z.infer<typeof CreateReturnBody>;

export const ReturnTrackingBody = z
  .object({
    carrier: z.string().trim().min(2, "Name the carrier").max(40),
    trackingNumber: z
      .string()
      .trim()
      .min(4, "At least 4 characters")
      .max(64)
      .regex(/^[A-Za-z0-9 -]+$/, "Letters, digits, spaces and dashes only"),
  })
  .strict()
  .openapi("ReturnTrackingBody");
export type ReturnTrackingBody = z.infer<typeof ReturnTrackingBody>;

export const ApproveReturnBody = z
  .object({
    instructions: z.string().trim().min(3, "Tell the shopper how to send it (at least 3 characters)").max(2000),
    labelUrl: z
      .url({ protocol: /^https?$/, message: "An http(s) URL" })
      .max(500)
      .optional(),
    carrier: z.string().trim().min(2).max(40).optional(),
    trackingNumber: z
      .string()
      .trim()
      .min(4, "At least 4 characters")
      .max(64)
      .regex(/^[A-Za-z0-9 -]+$/, "Letters, digits, spaces and dashes only")
      .optional(),
  })
  .strict()
  .superRefine((b, ctx) => {
    if (b.trackingNumber && !b.carrier) ctx.addIssue({ code: "custom", path: ["carrier"], message: "Name the carrier of the tracking number" });
  })
  .openapi("ApproveReturnBody");
export type ApproveReturnBody = z.infer<typeof ApproveReturnBody>;

export const RejectReturnBody = z
  .object({ reason: z.string().trim().min(3, "Say why (at least 3 characters)").max(500) })
  .strict()
  .openapi("RejectReturnBody");
export type RejectReturnBody = z.infer<typeof RejectReturnBody>;

export const ReturnNoteBody = z
  .object({ note: shortText(500).optional() })
  .strict()
  .openapi("ReturnNoteBody");
export type ReturnNoteBody = z.infer<typeof ReturnNoteBody>;

export const InspectLineBody = z
  .object({
    outcome: z
      .enum(INSPECTIONS)
      .openapi({ description: "restocked: back on the shelf through the stock ledger; damaged: written off (recorded with the note)." }),
    note: shortText(500).optional(),
  })
  .strict()
  .superRefine((b, ctx) => {
    if (b.outcome === "damaged" && !b.note?.trim()) ctx.addIssue({ code: "custom", path: ["note"], message: "Say what is wrong with it" });
  })
  .openapi("InspectLineBody");
export type InspectLineBody = z.infer<typeof InspectLineBody>;

export const RefundReturnBody = z
  .object({
    amount: z
      .number()
      .int("Expected whole minor units")
      .positive()
      .optional()
      .openapi({ description: "Minor units; omit for everything this return may refund (paid for its lines, less the restocking fee)." }),
  })
  .strict()
  .openapi("RefundReturnBody");
export type RefundReturnBody = z.infer<typeof RefundReturnBody>;

export const ShipExchangeBody = z.object({}).strict().openapi("ShipExchangeBody");
export type ShipExchangeBody = z.infer<typeof ShipExchangeBody>;

export const ReturnLineView = z
  .object({
    id: z.string(),
    orderLineId: z.string(),
    sku: z.string(),
    name: z.string(),
    quantity: z.number().int(),
    reason: z.string(),
    note: z.string().nullable(),
    exchangeSku: z.string().nullable(),
    inspection: z.enum(INSPECTIONS).nullable(),
    inspectionNote: z.string().nullable(),
    refunded: MoneySchema,
  })
  .openapi("ReturnLine");

export const ReturnPhotoView = z
  .object({
    id: z.string(),
    type: z.string().openapi({ example: "image/jpeg" }),
    bytes: z.number().int(),
    createdAt: z.string(),
  })
  .openapi("ReturnPhoto", {
    description:
      "A photo attached to the return. Its bytes: `GET /api/returns/{id}/photos/{photoId}` (the shopper) or `/api/admin/returns/{id}/photos/{photoId}` (staff).",
  });
export type ReturnPhotoView = z.infer<typeof ReturnPhotoView>;

export const ReturnView = z
  .object({
    id: z.string(),
    number: z.string(),
    orderId: z.string(),
    status: z.enum(RETURN_STATUSES),
    statusText: z.string(),
    resolution: z.enum(RETURN_RESOLUTIONS),
    note: z.string().nullable(),
    rejectReason: z.string().nullable(),
    instructions: z.string().nullable(),
    labelUrl: z.string().nullable(),
    carrier: z.string().nullable(),
    trackingNumber: z.string().nullable(),
    shippingPaidBy: z.enum(["store", "customer"]),
    restockingFeePercent: z.number(),
    refunded: MoneySchema,
    /** What a refund of this return may still send (0 unless received and every line inspected). */
    refundable: MoneySchema,
    /** For a shipped exchange: the replacement order (zero charge), which ships and is tracked like any order. */
    exchangeOrderId: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    lines: z.array(ReturnLineView),
    photos: z.array(ReturnPhotoView),
  })
  .openapi("Return");
export type ReturnView = z.infer<typeof ReturnView>;

export const ReturnableLine = z
  .object({
    orderLineId: z.string(),
    sku: z.string(),
    name: z.string(),
    variantTitle: z.string(),
    productId: z.string().nullable(),
    bought: z.number().int(),
    delivered: z.number().int(),
    returnable: z.number().int().openapi({ description: "Units that may still be asked back (delivered, in the window, not already in a return)." }),
    /** Why none can be returned, when `returnable` is 0. */
    reason: z.string().nullable(),
    returnBy: z.string().nullable(),
    /** What was paid per unit before discounts: an exchange may be for a variant costing this or less. */
    unitPrice: MoneySchema,
    /** The variants of the same product (this one included, to swap a faulty item), for an exchange. */
    exchangeOptions: z.array(z.object({ sku: z.string(), title: z.string(), price: MoneySchema })),
  })
  .openapi("ReturnableLine");
export type ReturnableLine = z.infer<typeof ReturnableLine>;

export const OrderReturns = z
  .object({
    orderId: z.string(),
    reasons: z.array(z.string()),
    windowDays: z.number().int(),
    lines: z.array(ReturnableLine),
    returns: z.array(ReturnView),
  })
  .openapi("OrderReturns");
export type OrderReturns = z.infer<typeof OrderReturns>;

export const AdminReturnQuery = z.object({ status: z.enum(RETURN_STATUSES).optional(), q: z.string().trim().max(100).optional(), ...PaginationQuery }).strict();
export type AdminReturnQuery = z.infer<typeof AdminReturnQuery>;

export const AdminReturnSummary = z
  .object({
    id: z.string(),
    number: z.string(),
    orderId: z.string(),
    orderNumber: z.string(),
    email: z.string(),
    status: z.enum(RETURN_STATUSES),
    resolution: z.enum(RETURN_RESOLUTIONS),
    units: z.number().int(),
    createdAt: z.string(),
  })
  .openapi("AdminReturnSummary");
export const AdminReturnPage = z
  .object({ items: z.array(AdminReturnSummary), total: z.number().int(), page: z.number().int(), perPage: z.number().int() })
  .openapi("AdminReturnPage");
export type AdminReturnPage = z.infer<typeof AdminReturnPage>;

export const AdminReturnView = ReturnView.extend({
  orderNumber: z.string(),
  email: z.string(),
  next: z.array(z.enum(RETURN_STATUSES)),
}).openapi("AdminReturn");
export type AdminReturnView = z.infer<typeof AdminReturnView>;

export const ReturnChange = z.object({ returnId: z.string(), status: z.enum(RETURN_STATUSES) }).openapi("ReturnChange");

export const ReturnSettingsSchema = z
  .object({
    windowDays: z.number().int().min(0).max(365),
    reasons: z.array(z.string().trim().min(1).max(80)).min(1).max(20),
    shippingPaidBy: z.enum(["store", "customer"]),
    restockingFeePercent: z
      .number()
      .min(0)
      .max(50)
      .openapi({ description: "Percent of what was paid for the returned lines, kept back from a refund (two decimals)." }),
    nonReturnableProductIds: z.array(z.string().max(64)).max(500),
    nonReturnableCategoryIds: z.array(z.string().max(64)).max(200),
  })
  .openapi("ReturnSettings");
export type ReturnSettings = z.infer<typeof ReturnSettingsSchema>;
export const ReturnSettingsBody = ReturnSettingsSchema.partial().strict().openapi("ReturnSettingsBody");
export type ReturnSettingsBody = z.infer<typeof ReturnSettingsBody>;

export const PolicySlugParam = z.object({
  slug: z
    .string()
    .max(40)
    .openapi({ param: { name: "slug", in: "path" }, description: "shipping, returns, privacy or terms", example: "returns" }),
});
export const PolicyBody = z
  .object({
    title: z.string().trim().min(2, "Give it a title").max(120),
    body: z
      .string()
      .max(50_000, "At most 50,000 characters")
      .openapi({ description: "Markdown subset: headings (#), lists (-), **bold**, *italic*, [links](https://…)." }),
  })
  .strict()
  .openapi("PolicyBody");
export type PolicyBody = z.infer<typeof PolicyBody>;
export const PolicyView = z
  .object({ slug: z.enum(POLICY_SLUGS), title: z.string(), body: z.string(), html: z.string(), updatedAt: z.string().nullable() })
  .openapi("Policy");
export type PolicyView = z.infer<typeof PolicyView>;

// ---- A seller's view (the vendor panel): the returns of its own order lines, its lines only ----

export const VendorReturnQuery = z.object({ status: z.enum(RETURN_STATUSES).optional(), ...PaginationQuery }).strict();
export type VendorReturnQuery = z.infer<typeof VendorReturnQuery>;

export const VendorReturnSummary = z
  .object({
    id: z.string(),
    number: z.string(),
    orderNumber: z.string(),
    status: z.enum(RETURN_STATUSES),
    statusText: z.string(),
    resolution: z.enum(RETURN_RESOLUTIONS),
    /** Units of this seller's items in the return (other sellers' items are not counted or shown). */
    units: z.number().int(),
    createdAt: z.string(),
  })
  .openapi("VendorReturnSummary");
export const VendorReturnPage = z
  .object({ items: z.array(VendorReturnSummary), total: z.number().int(), page: z.number().int(), perPage: z.number().int() })
  .openapi("VendorReturnPage");
export type VendorReturnPage = z.infer<typeof VendorReturnPage>;

export const VendorReturnLine = z
  .object({
    id: z.string(),
    sku: z.string(),
    name: z.string(),
    quantity: z.number().int(),
    reason: z.string(),
    note: z.string().nullable(),
    exchangeSku: z.string().nullable(),
    inspection: z.enum(INSPECTIONS).nullable(),
    inspectionNote: z.string().nullable(),
  })
  .openapi("VendorReturnLine");

export const VendorReturnView = VendorReturnSummary.omit({ units: true })
  .extend({ vendorOrderId: z.string().nullable(), updatedAt: z.string(), receivedAt: z.string().nullable(), lines: z.array(VendorReturnLine) })
  .openapi("VendorReturn");
export type VendorReturnView = z.infer<typeof VendorReturnView>;
