import type { AuthState } from "./auth";

/** Hono environment shared by every route: bindings plus per-request variables. */
export interface AppEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
    /** Who is calling (set by `authenticate()`); null when anonymous. */
    auth: AuthState | null;
  };
}
