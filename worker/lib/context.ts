/** The roles an account can have; staff sections and API audiences are granted by role. */
export const ROLES = ["customer", "vendor", "support", "admin"] as const;
export type Role = (typeof ROLES)[number];

/**
 * Who is calling, as every handler and page sees it: a few plain fields, never a table row
 * (no password hash or token state travels past the accounts domain).
 */
export interface Principal {
  id: string;
  email: string;
  name: string;
  role: Role;
  /**
   * What this staff member may change, when accounts resolved it from an editable staff role. Absent means
   * the built-in defaults of `role` (`DEFAULT_ROLE_PERMISSIONS`); read it through `permissionsOf`.
   */
  permissions?: readonly Permission[];
}

/**
 * Named permissions a staff member may hold. Reading the back office is granted by the audience
 * (admin and support reach `/api/admin`); a permission grants *changing* things in its area.
 * - catalog: products, categories, brands, media, review moderation
 * - inventory: stock adjustments
 * - orders: order changes, shipments, returns handling
 * - refunds: money back to a shopper (refunds, refunded returns)
 * - customers: customer accounts, roles and staff
 * - settings: store, regions, shipping, taxes, currencies, email, policies
 * - support: tickets and live chat
 * - reports: analytics and exports
 * - vendors: vendor applications, commissions, payouts
 * - promotions: discounts and the loyalty program
 */
export const PERMISSIONS = [
  "catalog",
  "inventory",
  "orders",
  "refunds",
  "customers",
  "settings",
  "support",
  "reports",
  "vendors",
  "promotions",
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** What each built-in role may change until a store edits its staff roles. */
export const DEFAULT_ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  customer: [],
  vendor: [],
  support: ["support"],
  admin: PERMISSIONS,
};

/** The permissions a principal holds: its resolved staff role's, else its built-in role's defaults. */
export function permissionsOf(principal: Principal): readonly Permission[] {
  return principal.permissions ?? DEFAULT_ROLE_PERMISSIONS[principal.role];
}

/** True when the principal may change things in `permission`'s area. */
export function hasPermission(principal: Principal, permission: Permission): boolean {
  return permissionsOf(principal).includes(permission);
}

/** A resolved session: the principal, the session (refresh-token family) id and how it was presented. */
export interface AuthState {
  principal: Principal;
  sessionId: string;
  via: "cookie" | "bearer";
}

/** Hono environment shared by every route: bindings plus per-request variables. */
export interface AppEnv {
  Bindings: Env;
  Variables: {
    /** Set by the front door (`requestLog`): echoed as `X-Request-Id` and written to the audit log. */
    requestId: string;
    /** Who is calling (set by accounts' `authenticate()`); null when anonymous. */
    auth: AuthState | null;
  };
}
