import { z } from "@hono/zod-openapi";
import { UserSchema } from "../accounts/schema";
import { ROLES } from "../accounts/tables";
import { MoneySchema, PaginationQuery } from "../lib/openapi";

/** Admin views of accounts (`/api/admin/users…`); the routes live with the accounts domain. */
export const UserListQuery = z
  .object({
    q: z.string().trim().max(100).optional().openapi({ description: "Part of the email or name." }),
    role: z.enum(ROLES).optional(),
    status: z.enum(["active", "disabled"]).optional(),
    sort: z.enum(["newest", "oldest", "email"]).optional(),
    ...PaginationQuery,
  })
  .strict();

export const StaffUserSchema = UserSchema.extend({ status: z.enum(["active", "disabled"]) }).openapi("StaffUser");

export const UserListSchema = z
  .object({
    items: z.array(
      z.object({
        id: z.string(),
        email: z.string(),
        name: z.string(),
        role: z.enum(ROLES),
        status: z.enum(["active", "disabled"]),
        emailVerified: z.boolean(),
        createdAt: z.string(),
      }),
    ),
    total: z.number().int(),
    page: z.number().int(),
    perPage: z.number().int(),
  })
  .openapi("UserList");

export const UserOrdersSchema = z
  .object({
    items: z.array(z.object({ id: z.string(), number: z.string(), status: z.string(), createdAt: z.string(), grandTotal: MoneySchema })),
    total: z.number().int(),
    page: z.number().int(),
    perPage: z.number().int(),
  })
  .openapi("UserOrders");

export const UserOrdersQuery = z.object({ ...PaginationQuery }).strict();
