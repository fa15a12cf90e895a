import type { Context, MiddlewareHandler } from "hono";
import { type AppEnv, type AuthState, hasPermission, type Permission, type Role } from "./context";
import { AppError } from "./errors";

/**
 * Guards on the principal that accounts' `authenticate()` put on the request. The `/api/admin` and
 * `/api/vendor` sub-apps apply `requireRole` once for their whole audience (worker/api.ts); a handler
 * calls these only for a narrower rule (say, admins only inside /admin, which support may read).
 */

/** The signed-in caller, or 401. */
export function requireAuth(c: Context<AppEnv>): AuthState {
  const auth = c.get("auth");
  if (!auth) throw new AppError("auth.unauthenticated", 401, "Sign in to continue.", [], { "WWW-Authenticate": "Bearer" });
  return auth;
}

/** The signed-in caller if their role is one of `roles`: 401 when anonymous, 403 otherwise. */
export function requireRole(c: Context<AppEnv>, ...roles: Role[]): AuthState {
  const auth = requireAuth(c);
  if (!roles.includes(auth.principal.role)) throw new AppError("auth.forbidden", 403, "Your account is not allowed to do this.");
  return auth;
}

/**
 * The signed-in caller if they hold `permission` (worker/lib/context.ts lists them): 401 when anonymous,
 * 403 otherwise. Staff writes check a permission rather than a role name, so a store can give someone
 * "orders but not refunds".
 */
export function requirePermission(c: Context<AppEnv>, permission: Permission): AuthState {
  const auth = requireAuth(c);
  if (!hasPermission(auth.principal, permission)) {
    throw new AppError("auth.forbidden", 403, `Your account does not have the "${permission}" permission.`);
  }
  return auth;
}

/**
 * Middleware for an area whose reads are open to all staff and whose writes need `permission`: mounted on
 * the area's paths, it refuses before the route validates the body, so a caller without the permission
 * learns nothing from a 400.
 */
export function writesNeed(permission: Permission): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.req.method !== "GET" && c.req.method !== "HEAD") requirePermission(c, permission);
    await next();
  };
}
