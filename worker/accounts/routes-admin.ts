import { createRoute } from "@hono/zod-openapi";
import { auditActor } from "../lib/audit";
import { StaffUserSchema, UserListQuery, UserListSchema, UserOrdersQuery, UserOrdersSchema } from "../admin/users-schema";
import { requireRole } from "../lib/auth";
import { createApiApp, problemResponse, SIGNED_IN } from "../lib/openapi";
import { listOrdersForUser } from "../orders";
import { SetRoleBody, UserIdParam } from "./schema";
import { changeUserRole, changeUserStatus, listUsers, staffViewOfUser } from "./service/admin-users";

const TAGS = ["Admin: users"];
const security = SIGNED_IN;
const user = { description: "The user.", content: { "application/json": { schema: StaffUserSchema } } };
const denied = { 401: problemResponse("Not signed in."), 403: problemResponse("Not allowed."), 404: problemResponse("No such user.") };
const conflict = { 409: problemResponse("Admins cannot change their own role or status.") };

/** Support staff may read accounts; only admins change them, and every change is audited. */
export const adminUserRoutes = createApiApp()
  .openapi(
    createRoute({
      method: "get",
      path: "/admin/users",
      tags: TAGS,
      security,
      summary: "Search users by email or name, filter by role and status (admin, support)",
      request: { query: UserListQuery },
      responses: {
        200: { description: "A page of users.", content: { "application/json": { schema: UserListSchema } } },
        400: problemResponse("Invalid filter."),
        ...denied,
      },
    }),
    async (c) => {
      requireRole(c, "admin", "support");
      c.header("Cache-Control", "private, no-store");
      return c.json(await listUsers(c.env.DB, c.req.valid("query")), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/admin/users/{id}",
      tags: TAGS,
      security,
      summary: "One user (admin, support)",
      request: { params: UserIdParam },
      responses: { 200: user, ...denied },
    }),
    async (c) => {
      requireRole(c, "admin", "support");
      c.header("Cache-Control", "private, no-store");
      return c.json(await staffViewOfUser(c.env, c.req.valid("param").id), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/admin/users/{id}/orders",
      tags: TAGS,
      security,
      summary: "A user's orders, newest first (admin, support)",
      request: { params: UserIdParam, query: UserOrdersQuery },
      responses: { 200: { description: "A page of orders.", content: { "application/json": { schema: UserOrdersSchema } } }, ...denied },
    }),
    async (c) => {
      requireRole(c, "admin", "support");
      c.header("Cache-Control", "private, no-store");
      const { id } = c.req.valid("param");
      await staffViewOfUser(c.env, id);
      const { page, perPage } = c.req.valid("query");
      return c.json(await listOrdersForUser(c.env, id, page, perPage), 200);
    },
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/admin/users/{id}/role",
      tags: TAGS,
      security,
      summary: "Grant a role (admin only, audited); the user's sessions end so it applies at once",
      request: { params: UserIdParam, body: { required: true, content: { "application/json": { schema: SetRoleBody } } } },
      responses: { 200: user, 400: problemResponse("Unknown role."), ...denied, ...conflict },
    }),
    async (c) => {
      requireRole(c, "admin");
      return c.json(await changeUserRole(c.env, auditActor(c), c.req.valid("param").id, c.req.valid("json").role), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/admin/users/{id}/disable",
      tags: TAGS,
      security,
      summary: "Disable an account (admin only, audited); its sessions end at once",
      request: { params: UserIdParam },
      responses: { 200: user, ...denied, ...conflict },
    }),
    async (c) => {
      requireRole(c, "admin");
      return c.json(await changeUserStatus(c.env, auditActor(c), c.req.valid("param").id, "disabled"), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/admin/users/{id}/enable",
      tags: TAGS,
      security,
      summary: "Re-enable an account (admin only, audited)",
      request: { params: UserIdParam },
      responses: { 200: user, ...denied, ...conflict },
    }),
    async (c) => {
      requireRole(c, "admin");
      return c.json(await changeUserStatus(c.env, auditActor(c), c.req.valid("param").id, "active"), 200);
    },
  );
