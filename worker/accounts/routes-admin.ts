import { createRoute } from "@hono/zod-openapi";
import { auditActor } from "../lib/audit";
import { requirePermission } from "../lib/auth";
import { createApiApp, problemResponse, SIGNED_IN } from "../lib/openapi";
import {
  AssignStaffRoleBody,
  SetRoleBody,
  StaffRoleBody,
  StaffRoleIdParam,
  StaffRoleList,
  StaffRoleSchema,
  StaffUserSchema,
  UserIdParam,
  UserListQuery,
  UserListSchema,
} from "./schema";
import { changeUserRole, changeUserStatus, listUsers, staffViewOfUser } from "./service/admin-users";
import { requireFreshSecondFactor } from "./service/second-factor";
import { assignStaffRole, createStaffRole, deleteStaffRole, listStaffRoles, updateStaffRole } from "./service/staff-roles";

const TAGS = ["Admin: users"];
const security = SIGNED_IN;
const user = { description: "The user.", content: { "application/json": { schema: StaffUserSchema } } };
const denied = { 401: problemResponse("Not signed in."), 403: problemResponse("Not allowed."), 404: problemResponse("No such user.") };
const conflict = { 409: problemResponse("Admins cannot change their own role or status.") };
const ROLE_TAGS = ["Admin: staff roles"];
const staffRole = { description: "The staff role.", content: { "application/json": { schema: StaffRoleSchema } } };
const roleDenied = {
  401: problemResponse("Not signed in."),
  403: problemResponse('No "customers" permission, or no second factor within the last minutes (`auth.reauthentication_required`).'),
};

/**
 * Accounts and staff roles for staff, mounted on the admin API (which admits admins and support): any staff
 * member may read them; changing them takes the "customers" permission, role and permission changes also a
 * second factor within the store's re-authentication window, and every change is audited.
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
      summary: 'Grant an account role ("customers" permission and a fresh second factor; audited); the user\'s sessions end so it applies at once',
      request: { params: UserIdParam, body: { required: true, content: { "application/json": { schema: SetRoleBody } } } },
      responses: { 200: user, 400: problemResponse("Unknown role."), ...denied, ...conflict },
    }),
    async (c) => {
      await requireFreshSecondFactor(c.env, requirePermission(c, "customers"));
      return c.json(await changeUserRole(c.env, auditActor(c), c.req.valid("param").id, c.req.valid("json").role), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/users/{id}/disable",
      tags: TAGS,
      security,
      summary: 'Disable an account ("customers" permission, audited); its sessions end at once',
      request: { params: UserIdParam },
      responses: { 200: user, ...denied, ...conflict },
    }),
    async (c) => {
      requirePermission(c, "customers");
      return c.json(await changeUserStatus(c.env, auditActor(c), c.req.valid("param").id, "disabled"), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/users/{id}/enable",
      tags: TAGS,
      security,
      summary: 'Re-enable an account ("customers" permission, audited)',
      request: { params: UserIdParam },
      responses: { 200: user, ...denied, ...conflict },
    }),
    async (c) => {
      requirePermission(c, "customers");
      return c.json(await changeUserStatus(c.env, auditActor(c), c.req.valid("param").id, "active"), 200);
    },
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/users/{id}/staff-role",
      tags: ROLE_TAGS,
      security,
      summary:
        'Give a staff member an editable staff role, or null for their account role\'s defaults ("customers" permission and a fresh second factor; audited)',
      request: { params: UserIdParam, body: { required: true, content: { "application/json": { schema: AssignStaffRoleBody } } } },
      responses: {
        200: user,
        400: problemResponse("Invalid body."),
        ...roleDenied,
        404: problemResponse("No such user or staff role."),
        409: problemResponse("Not a staff account, or one's own."),
      },
    }),
    async (c) => {
      await requireFreshSecondFactor(c.env, requirePermission(c, "customers"));
      const { id } = c.req.valid("param");
      await assignStaffRole(c.env, auditActor(c), id, c.req.valid("json").roleId);
      return c.json(await staffViewOfUser(c.env, id), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/staff-roles",
      tags: ROLE_TAGS,
      security,
      summary: "The built-in roles (read-only defaults) and the editable staff roles with their permissions and member counts",
      responses: {
        200: { description: "Every staff role.", content: { "application/json": { schema: StaffRoleList } } },
        401: roleDenied[401],
        403: roleDenied[403],
      },
    }),
    async (c) => c.json(await listStaffRoles(c.env), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/staff-roles",
      tags: ROLE_TAGS,
      security,
      summary: 'Create a staff role ("customers" permission and a fresh second factor; audited)',
      request: { body: { required: true, content: { "application/json": { schema: StaffRoleBody } } } },
      responses: { 201: staffRole, 400: problemResponse("Invalid field."), ...roleDenied, 409: problemResponse("The name is taken.") },
    }),
    async (c) => {
      await requireFreshSecondFactor(c.env, requirePermission(c, "customers"));
      return c.json(await createStaffRole(c.env, auditActor(c), c.req.valid("json")), 201);
    },
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/staff-roles/{id}",
      tags: ROLE_TAGS,
      security,
      summary:
        'Rename a staff role or replace its permissions ("customers" permission and a fresh second factor; audited); members see it at their next request',
      request: { params: StaffRoleIdParam, body: { required: true, content: { "application/json": { schema: StaffRoleBody } } } },
      responses: {
        200: staffRole,
        400: problemResponse("Invalid field."),
        ...roleDenied,
        404: problemResponse("No such staff role."),
        409: problemResponse("The name is taken."),
      },
    }),
    async (c) => {
      await requireFreshSecondFactor(c.env, requirePermission(c, "customers"));
      return c.json(await updateStaffRole(c.env, auditActor(c), c.req.valid("param").id, c.req.valid("json")), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/staff-roles/{id}",
      tags: ROLE_TAGS,
      security,
      summary: 'Delete a staff role; its members get their account role\'s defaults ("customers" permission and a fresh second factor; audited)',
      request: { params: StaffRoleIdParam },
      responses: { 204: { description: "Deleted." }, ...roleDenied, 404: problemResponse("No such staff role.") },
    }),
    async (c) => {
      await requireFreshSecondFactor(c.env, requirePermission(c, "customers"));
      await deleteStaffRole(c.env, auditActor(c), c.req.valid("param").id);
      return c.body(null, 204);
    },
  );
