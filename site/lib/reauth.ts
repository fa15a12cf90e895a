import { reauthenticate, requireFreshSecondFactor } from "../../worker/accounts";
import type { StaffSession } from "./admin";

/** The form field of a staff form that changes roles or permissions: a code from the staff member's authenticator. */
export const REAUTH_FIELD = "reauthCode";

/**
 * The page side of re-authentication before a sensitive staff change: a code typed into the same form is
 * checked first (and recorded for this session); then the session must have proved a second factor within
 * the store's window, exactly as the API route demands.
 */
export async function confirmFreshFactor(env: Env, session: StaffSession, code: string | undefined): Promise<void> {
  const typed = code?.trim();
  if (typed) await reauthenticate(env, session.principal, session.sessionId, typed);
  await requireFreshSecondFactor(env, session);
}

/**
 * A code typed into a form whose change asks for a recent second factor only above a threshold (a refund,
 * a staff cancel): checked and recorded for this session when typed; the service decides whether it was needed.
 */
export async function acceptTypedFactor(env: Env, session: StaffSession, code: string | undefined): Promise<void> {
  const typed = code?.trim();
  if (typed) await reauthenticate(env, session.principal, session.sessionId, typed);
}
