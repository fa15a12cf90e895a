import { createRoute } from "@hono/zod-openapi";
import { auditActor } from "../lib/audit";
import { requireRole } from "../lib/auth";
import { createApiApp, problemResponse, SIGNED_IN } from "../lib/openapi";
import { SetRoleBody, StaffUserSchema, UserIdParam, UserListQuery, UserListSchema } from "./schema";
import { changeUserRole, changeUserStatus, listUsers, staffViewOfUser } from "./service/admin-users";

const TAGS = ["Admin: users"];
const security = SIGNED_IN;
const user = { description: "The user.", content: { "application/json": { schema: StaffUserSchema } } };
const denied = { 401: problemResponse("Not signed in."), 403: problemResponse("Not allowed."), 404: problemResponse("No such user.") };
const conflict = { 409: problemResponse("Admins cannot change their own role or status.") };

/**
 * Accounts for staff, mounted on the admin API (which admits admins and support): support may read
 * accounts; only admins change them, and every change is audited.
 */
export const adminUserRoutes = createApiApp()
  .openapi(
    createRoute({
      method: "get",
      path: "/users",
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
    async (c) => c.json(await listUsers(c.env, c.req.valid("query")), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/users/{id}",
      tags: TAGS,
      security,
      summary: "One user (admin, support)",
      request: { params: UserIdParam },
      responses: { 200: user, ...denied },
    }),
    async (c) => c.json(await staffViewOfUser(c.env, c.req.valid("param").id), 200),
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/users/{id}/role",
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
      path: "/users/{id}/disable",
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
      path: "/users/{id}/enable",
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
