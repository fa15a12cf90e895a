import { createRoute, z } from "@hono/zod-openapi";
import { requireAuth } from "../lib/auth";
import { createApiApp, problemResponse, SIGNED_IN } from "../lib/openapi";
import { requestContext, sessionBody } from "./http";
import {
  AddressIdParam,
  AddressSchema,
  ChangePasswordBody,
  CreateAddressBody,
  SessionSchema,
  UpdateAddressBody,
  UpdateProfileBody,
  UserSchema,
} from "./schema";
import { createAddress, deleteAddress, getAddress, listAddresses, updateAddress } from "./service/addresses";
import { changePassword, resendVerification } from "./service/auth";
import { accountOf, toUser, updateProfile } from "./service/users";

const TAGS = ["Profile"];
const security = SIGNED_IN;
const json = <T extends z.ZodTypeAny>(schema: T) => ({ required: true, content: { "application/json": { schema } } });
const ok = <T extends z.ZodTypeAny>(schema: T, description: string) => ({ description, content: { "application/json": { schema } } });
const unauthenticated = problemResponse("Not signed in.");

export const meRoutes = createApiApp()
  .openapi(
    createRoute({
      method: "get",
      path: "/me",
      tags: TAGS,
      security,
      summary: "The signed-in user's profile",
      responses: { 200: ok(UserSchema, "Profile."), 401: unauthenticated },
    }),
    async (c) => {
      c.header("Cache-Control", "private, no-store");
      return c.json(await toUser(c.env, await accountOf(c.env, requireAuth(c).principal)), 200);
    },
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/me",
      tags: TAGS,
      security,
      summary: "Change name or phone (email and role are not editable here)",
      request: { body: json(UpdateProfileBody) },
      responses: { 200: ok(UserSchema, "Updated."), 400: problemResponse("Invalid or unknown field."), 401: unauthenticated },
    }),
    async (c) => c.json(await updateProfile(c.env, requireAuth(c).principal.id, c.req.valid("json")), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/me/password",
      tags: TAGS,
      security,
      summary: "Change password; every other session ends",
      request: { body: json(ChangePasswordBody) },
      responses: {
        200: ok(SessionSchema, "Changed; a fresh session for this client."),
        400: problemResponse("Wrong current or weak new password."),
        401: unauthenticated,
      },
    }),
    async (c) => {
      const user = await accountOf(c.env, requireAuth(c).principal);
      const body = c.req.valid("json");
      const session = await changePassword(c.env, user, body.currentPassword, body.newPassword, requestContext(c));
      return c.json(await sessionBody(c, user, session), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/me/verify-email",
      tags: TAGS,
      security,
      summary: "Send a new email verification link",
      responses: { 202: { description: "Sent (unless already verified)." }, 401: unauthenticated, 429: problemResponse("Too many.") },
    }),
    async (c) => {
      await resendVerification(c.env, await accountOf(c.env, requireAuth(c).principal), requestContext(c));
      return c.body(null, 202);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/me/addresses",
      tags: TAGS,
      security,
      summary: "The address book",
      responses: { 200: ok(z.object({ items: z.array(AddressSchema) }), "Addresses, default first."), 401: unauthenticated },
    }),
    async (c) => {
      c.header("Cache-Control", "private, no-store");
      return c.json({ items: await listAddresses(c.env, requireAuth(c).principal.id) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/me/addresses",
      tags: TAGS,
      security,
      summary: "Add an address (validated for its country)",
      request: { body: json(CreateAddressBody) },
      responses: {
        201: ok(AddressSchema, "Added."),
        400: problemResponse("Invalid for the country."),
        401: unauthenticated,
        409: problemResponse("Address book full."),
      },
    }),
    async (c) => c.json(await createAddress(c.env, requireAuth(c).principal.id, c.req.valid("json")), 201),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/me/addresses/{id}",
      tags: TAGS,
      security,
      summary: "One address",
      request: { params: AddressIdParam },
      responses: { 200: ok(AddressSchema, "The address."), 401: unauthenticated, 404: problemResponse("Not found (or not yours).") },
    }),
    async (c) => c.json(await getAddress(c.env, requireAuth(c).principal.id, c.req.valid("param").id), 200),
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/me/addresses/{id}",
      tags: TAGS,
      security,
      summary: "Change an address",
      request: { params: AddressIdParam, body: json(UpdateAddressBody) },
      responses: {
        200: ok(AddressSchema, "Updated."),
        400: problemResponse("Invalid."),
        401: unauthenticated,
        404: problemResponse("Not found (or not yours)."),
      },
    }),
    async (c) => c.json(await updateAddress(c.env, requireAuth(c).principal.id, c.req.valid("param").id, c.req.valid("json")), 200),
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/me/addresses/{id}",
      tags: TAGS,
      security,
      summary: "Delete an address",
      request: { params: AddressIdParam },
      responses: { 204: { description: "Deleted." }, 401: unauthenticated, 404: problemResponse("Not found (or not yours).") },
    }),
    async (c) => {
      await deleteAddress(c.env, requireAuth(c).principal.id, c.req.valid("param").id);
      return c.body(null, 204);
    },
  );
