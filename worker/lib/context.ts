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
