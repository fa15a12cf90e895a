import { z } from "@hono/zod-openapi";
import { JsonValueSchema, MoneySchema, PaginationQuery, pageSchema } from "../lib/openapi";

const figures = {
  revenue: z.number().int().openapi({ description: "Net revenue (paid order totals minus refunds), minor units of `currency`." }),
  orders: z.number().int(),
  averageOrderValue: z.number().int().openapi({ description: "Net revenue per order, minor units." }),
};

export const OverviewSchema = z
  .object({
    currency: z.string().length(3),
    asOf: z.string(),
    today: z.object(figures),
    week: z.object({ ...figures, since: z.string().openapi({ description: "Monday 00:00 UTC of this week." }) }),
    awaitingFulfilment: z.number().int().openapi({ description: "Orders that are paid or fulfilling." }),
    lowStock: z.object({
      count: z.number().int(),
      items: z.array(z.object({ sku: z.string(), productName: z.string(), available: z.number().int(), threshold: z.number().int() })),
    }),
    signups: z.object({
      last7Days: z.number().int(),
      recent: z.array(z.object({ id: z.string(), email: z.string(), name: z.string(), role: z.string(), createdAt: z.string() })),
    }),
    revenueByDay: z.array(z.object({ date: z.string(), revenue: z.number().int(), orders: z.number().int() })),
  })
  .openapi("AdminOverview");

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}(T[\d:.]+Z)?$/, "Expected a date (YYYY-MM-DD) or an ISO time")
  .optional();

export const AuditQuery = z
  .object({
    actor: z.string().trim().max(200).optional().openapi({ description: "Actor id or (part of) their email." }),
    action: z.string().trim().max(80).optional().openapi({ description: "Exact action (`user.role`) or a prefix ending in a dot (`user.`)." }),
    entityType: z.string().trim().max(40).optional(),
    entityId: z.string().trim().max(120).optional(),
    from: isoDate.openapi({ description: "On or after (UTC)." }),
    to: isoDate.openapi({ description: "On or before (UTC; a bare date includes that whole day)." }),
    ...PaginationQuery,
  })
  .strict();
export type AuditQuery = z.infer<typeof AuditQuery>;

export const AuditEntrySchema = z
  .object({
    id: z.string(),
    at: z.string(),
    actorId: z.string(),
    actorEmail: z.string(),
    action: z.string(),
    entityType: z.string(),
    entityId: z.string(),
    before: z.union([JsonValueSchema, z.null()]).openapi({ description: "The values before the write (null for a creation)." }),
    after: z.union([JsonValueSchema, z.null()]).openapi({ description: "The values after the write (null for a deletion)." }),
    requestId: z.string().nullable(),
  })
  .openapi("AuditEntry");
export type AuditEntryView = z.infer<typeof AuditEntrySchema>;

export const AuditPageSchema = pageSchema(AuditEntrySchema, "AuditPage");
export type AuditPage = z.infer<typeof AuditPageSchema>;
export type Overview = z.infer<typeof OverviewSchema>;

/** A customer's orders as staff see them beside the account (`/api/admin/users/{id}/orders`). */
export const UserOrdersSchema = z
  .object({
    items: z.array(z.object({ id: z.string(), number: z.string(), status: z.string(), createdAt: z.string(), grandTotal: MoneySchema })),
    total: z.number().int(),
    page: z.number().int(),
    perPage: z.number().int(),
  })
  .openapi("UserOrders");

export const UserOrdersQuery = z.object({ ...PaginationQuery }).strict();
export type UserOrdersQuery = z.infer<typeof UserOrdersQuery>;
