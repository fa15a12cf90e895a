import { createRoute, z } from "@hono/zod-openapi";
import { problemResponse } from "../../lib/openapi";
import {
  AccountSessionList,
  AddressIdParam,
  AddressSchema,
  ChangePasswordBody,
  CreateAddressBody,
  SessionIdParam,
  SessionSchema,
  UpdateAddressBody,
  UpdateProfileBody,
  UserSchema,
} from "../schema";
import { json, ok, PROFILE, security, unauthenticated } from "./shared";

// The OpenAPI contracts of the signed-in user's own profile, password, address book and sessions. Handlers:
// ../routes.ts.

export const profileRoute = createRoute({
  method: "get",
  path: "/me",
  tags: PROFILE,
  security,
  summary: "The signed-in user's profile",
  responses: { 200: ok(UserSchema, "Profile."), 401: unauthenticated },
});

export const updateProfileRoute = createRoute({
  method: "patch",
  path: "/me",
  tags: PROFILE,
  security,
  summary: "Change name, phone or birthday (email and role are not editable here)",
  request: { body: json(UpdateProfileBody) },
  responses: { 200: ok(UserSchema, "Updated."), 400: problemResponse("Invalid or unknown field."), 401: unauthenticated },
});

export const changePasswordRoute = createRoute({
  method: "post",
  path: "/me/password",
  tags: PROFILE,
  security,
  summary: "Change password; every other session ends",
  request: { body: json(ChangePasswordBody) },
  responses: {
    200: ok(SessionSchema, "Changed; a fresh session for this client."),
    400: problemResponse("Wrong current or weak new password."),
    401: unauthenticated,
  },
});

export const resendVerificationRoute = createRoute({
  method: "post",
  path: "/me/verify-email",
  tags: PROFILE,
  security,
  summary: "Send a new email verification link",
  responses: { 202: { description: "Sent (unless already verified)." }, 401: unauthenticated, 429: problemResponse("Too many.") },
});

export const listAddressesRoute = createRoute({
  method: "get",
  path: "/me/addresses",
  tags: PROFILE,
  security,
  summary: "The address book",
  responses: { 200: ok(z.object({ items: z.array(AddressSchema) }), "Addresses, default first."), 401: unauthenticated },
});

export const createAddressRoute = createRoute({
  method: "post",
  path: "/me/addresses",
  tags: PROFILE,
  security,
  summary: "Add an address (validated for its country)",
  request: { body: json(CreateAddressBody) },
  responses: {
    201: ok(AddressSchema, "Added."),
    400: problemResponse("Invalid for the country."),
    401: unauthenticated,
    409: problemResponse("Address book full."),
  },
});

export const addressRoute = createRoute({
  method: "get",
  path: "/me/addresses/{id}",
  tags: PROFILE,
  security,
  summary: "One address",
  request: { params: AddressIdParam },
  responses: { 200: ok(AddressSchema, "The address."), 401: unauthenticated, 404: problemResponse("Not found (or not yours).") },
});

export const updateAddressRoute = createRoute({
  method: "patch",
  path: "/me/addresses/{id}",
  tags: PROFILE,
  security,
  summary: "Change an address",
  request: { params: AddressIdParam, body: json(UpdateAddressBody) },
  responses: {
    200: ok(AddressSchema, "Updated."),
    400: problemResponse("Invalid."),
    401: unauthenticated,
    404: problemResponse("Not found (or not yours)."),
  },
});

export const deleteAddressRoute = createRoute({
  method: "delete",
  path: "/me/addresses/{id}",
  tags: PROFILE,
  security,
  summary: "Delete an address",
  request: { params: AddressIdParam },
  responses: { 204: { description: "Deleted." }, 401: unauthenticated, 404: problemResponse("Not found (or not yours).") },
});

export const listSessionsRoute = createRoute({
  method: "get",
  path: "/me/sessions",
  tags: PROFILE,
  security,
  summary: "The account's sessions: device, place, when each started and last renewed, which one is this one",
  responses: { 200: ok(AccountSessionList, "Every session that can still renew, this one first."), 401: problemResponse("Not signed in.") },
});

export const endSessionRoute = createRoute({
  method: "delete",
  path: "/me/sessions/{id}",
  tags: PROFILE,
  security,
  summary: "Sign one session out (its access stops at its next request)",
  request: { params: SessionIdParam },
  responses: { 204: { description: "Signed out." }, 401: problemResponse("Not signed in."), 404: problemResponse("No such session of this account.") },
});

export const endAllSessionsRoute = createRoute({
  method: "delete",
  path: "/me/sessions",
  tags: PROFILE,
  security,
  summary: "Sign out everywhere: every session of the account, this one included (or, with `?except=current`, every other one)",
  request: {
    query: z.object({ except: z.literal("current").optional().openapi({ description: "`current`: keep this session, end every other one." }) }).strict(),
  },
  responses: {
    204: { description: "Signed out everywhere (else)." },
    400: problemResponse("Invalid field."),
    401: problemResponse("Not signed in."),
  },
});
