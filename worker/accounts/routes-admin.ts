import { createRoute } from "@hono/zod-openapi";
import { requireRole } from "../lib/auth";
import { AppError } from "../lib/errors";
import { createApiApp, problemResponse, SIGNED_IN } from "../lib/openapi";
import { SetRoleBody, UserIdParam, UserSchema } from "./schema";
import { findUserById, setUserRole, setUserStatus, toUser } from "./service/users";

const TAGS = ["Admin: users"];
const security = SIGNED_IN;
const user = { description: "The user.", content: { "application/json": { schema: UserSchema } } };
const denied = { 401: problemResponse("Not signed in."), 403: problemResponse("Not an admin."), 404: problemResponse("No such user.") };

export const adminUserRoutes = createApiApp()
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
      const row = await findUserById(c.env, c.req.valid("param").id);
      if (!row) throw new AppError("accounts.user_not_found", 404, "No such user.");
      return c.json(await toUser(c.env, row), 200);
    },
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/admin/users/{id}/role",
      tags: TAGS,
      security,
      summary: "Grant a role (admin only); the user's sessions end so it applies at once",
      request: { params: UserIdParam, body: { required: true, content: { "application/json": { schema: SetRoleBody } } } },
      responses: { 200: user, 400: problemResponse("Unknown role."), ...denied },
    }),
    async (c) => {
      const { user: admin } = requireRole(c, "admin");
      const { id } = c.req.valid("param");
      if (id === admin.id) throw new AppError("accounts.own_role", 409, "Admins cannot change their own role.");
      return c.json(await setUserRole(c.env, id, c.req.valid("json").role), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/admin/users/{id}/disable",
      tags: TAGS,
      security,
      summary: "Disable an account (admin only); its sessions end at once",
      request: { params: UserIdParam },
      responses: { 200: user, ...denied },
    }),
    async (c) => {
      const { user: admin } = requireRole(c, "admin");
      const { id } = c.req.valid("param");
      if (id === admin.id) throw new AppError("accounts.own_status", 409, "Admins cannot disable themselves.");
      return c.json(await setUserStatus(c.env, id, "disabled"), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/admin/users/{id}/enable",
      tags: TAGS,
      security,
      summary: "Re-enable an account (admin only)",
      request: { params: UserIdParam },
      responses: { 200: user, ...denied },
    }),
    async (c) => {
      requireRole(c, "admin");
      return c.json(await setUserStatus(c.env, c.req.valid("param").id, "active"), 200);
    },
  );
