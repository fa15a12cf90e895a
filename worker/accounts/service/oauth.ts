import { and, eq } from "drizzle-orm";
import { getDb } from "../../db/client";
import { AppError } from "../../lib/errors";
import { newId } from "../../lib/ids";
import { decryptPii, encryptPii } from "../../lib/pii-crypto";
import { safeReturnTo } from "../../lib/return-to";
import { oauthIdentities, users } from "../tables";
import { STAFF_ROLES, secondFactorNeed } from "./second-factor";
import { type IssuedSession, startSession } from "./sessions";
import { revokeAllSessions, type UserRow } from "./users";

export type OAuthProvider = "github" | "google";
const STATE_TTL_MS = 10 * 60_000;
const STATE_CONTEXT = "oauth-state";

interface ProviderConfig {
  clientId: string;
  clientSecret: string;
  authorizeUrl: string;
  tokenUrl: string;
  scope: string;
  /** Reads the provider's stable subject, verified email and name with an access token. */
  profile: (accessToken: string) => Promise<{ subject: string; email: string | null; name: string }>;
}

async function getJson<T>(url: string, accessToken: string): Promise<T> {
  const res = await fetch(url, { headers: { Authorization: `Bearer ${accessToken}`, Accept: "application/json", "User-Agent": "edge-commerce" } });
  if (!res.ok) throw new AppError("auth.oauth_failed", 502, "The sign-in provider did not answer. Try again.");
  return (await res.json()) as T;
}

/** Endpoints and credentials; `OAUTH_<P>_BASE_URL` points them at a local fake provider in tests. */
function providerConfig(env: Env, provider: OAuthProvider): ProviderConfig | null {
  if (provider === "github") {
    if (!env.OAUTH_GITHUB_CLIENT_ID || !env.OAUTH_GITHUB_CLIENT_SECRET) return null;
    const base = env.OAUTH_GITHUB_BASE_URL;
    const api = base ? `${base}/api` : "https://api.github.com";
    return {
      clientId: env.OAUTH_GITHUB_CLIENT_ID,
      clientSecret: env.OAUTH_GITHUB_CLIENT_SECRET,
      authorizeUrl: `${base ?? "https://github.com"}/login/oauth/authorize`,
      tokenUrl: `${base ?? "https://github.com"}/login/oauth/access_token`,
      scope: "read:user user:email",
      profile: async (token) => {
        const user = await getJson<{ id: number; login: string; name: string | null }>(`${api}/user`, token);
        const emails = await getJson<{ email: string; primary: boolean; verified: boolean }[]>(`${api}/user/emails`, token);
        const primary = emails.find((e) => e.primary && e.verified) ?? emails.find((e) => e.verified);
        return { subject: String(user.id), email: primary?.email ?? null, name: user.name ?? user.login };
      },
    };
  }
  if (!env.OAUTH_GOOGLE_CLIENT_ID || !env.OAUTH_GOOGLE_CLIENT_SECRET) return null;
  const base = env.OAUTH_GOOGLE_BASE_URL;
  return {
    clientId: env.OAUTH_GOOGLE_CLIENT_ID,
    clientSecret: env.OAUTH_GOOGLE_CLIENT_SECRET,
    authorizeUrl: base ? `${base}/o/oauth2/v2/auth` : "https://accounts.google.com/o/oauth2/v2/auth",
    tokenUrl: base ? `${base}/token` : "https://oauth2.googleapis.com/token",
    scope: "openid email profile",
    profile: async (token) => {
      const info = await getJson<{ sub: string; email?: string; email_verified?: boolean; name?: string }>(
        base ? `${base}/v1/userinfo` : "https://openidconnect.googleapis.com/v1/userinfo",
        token,
      );
      return { subject: info.sub, email: info.email_verified && info.email ? info.email : null, name: info.name ?? info.email ?? "Shopper" };
    },
  };
}

/** Providers with credentials configured, for the sign-in page. */
export function availableProviders(env: Env): OAuthProvider[] {
  return (["github", "google"] as const).filter((p) => providerConfig(env, p) !== null);
}

const b64url = (bytes: ArrayBuffer | Uint8Array) => Buffer.from(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes)).toString("base64url");
const random = () => b64url(crypto.getRandomValues(new Uint8Array(32)));
const callbackUrl = (origin: string, provider: OAuthProvider) => `${origin}/api/auth/oauth/${provider}/callback`;

/**
 * Starts the authorization-code flow with PKCE (S256) and `state`. The state
 * and verifier travel in an encrypted, short-lived cookie, so nothing is
 * stored server-side for abandoned attempts.
 */
export async function startOAuth(env: Env, provider: OAuthProvider, origin: string, returnTo?: string): Promise<{ redirectUrl: string; stateCookie: string }> {
  const config = providerConfig(env, provider);
  if (!config) throw new AppError("auth.oauth_provider_unavailable", 404, `Sign-in with ${provider} is not configured.`);
  const state = random();
  const verifier = random();
  const challenge = b64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  const stateCookie = await encryptPii(
    env.PII_KEYS,
    JSON.stringify({ provider, state, verifier, returnTo: safeReturnTo(returnTo, origin, "/account"), exp: Date.now() + STATE_TTL_MS }),
    STATE_CONTEXT,
  );
  const url = new URL(config.authorizeUrl);
  url.search = new URLSearchParams({
    response_type: "code",
    client_id: config.clientId,
    redirect_uri: callbackUrl(origin, provider),
    scope: config.scope,
    state,
    code_challenge: challenge,
    code_challenge_method: "S256",
  }).toString();
  return { redirectUrl: url.toString(), stateCookie };
}

function stateMismatch(): AppError {
  return new AppError("auth.oauth_state_mismatch", 400, "This sign-in attempt is not valid any more. Start again.", [
    { path: "state", message: "Does not match" },
  ]);
}

/**
 * Finishes the flow: checks `state` against the cookie, exchanges the code
 * with the PKCE verifier, reads the verified email, then signs in the linked
 * account, links an existing account with that verified email, or creates one.
 */
export async function completeOAuth(
  env: Env,
  provider: OAuthProvider,
  query: { code?: string; state?: string; error?: string },
  stateCookie: string | undefined,
  origin: string,
  userAgent: string | null,
): Promise<{ user: UserRow; session: IssuedSession; returnTo: string }> {
  const config = providerConfig(env, provider);
  if (!config) throw new AppError("auth.oauth_provider_unavailable", 404, `Sign-in with ${provider} is not configured.`);
  if (!stateCookie || !query.state) throw stateMismatch();
  let saved: { provider: string; state: string; verifier: string; returnTo: string; exp: number };
  try {
    saved = JSON.parse(await decryptPii(env.PII_KEYS, stateCookie, STATE_CONTEXT));
  } catch {
    throw stateMismatch();
  }
  if (saved.provider !== provider || saved.state !== query.state || saved.exp < Date.now()) throw stateMismatch();
  if (query.error || !query.code) throw new AppError("auth.oauth_denied", 400, "Sign-in was cancelled at the provider.");

  const tokenRes = await fetch(config.tokenUrl, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code: query.code,
      redirect_uri: callbackUrl(origin, provider),
      client_id: config.clientId,
      client_secret: config.clientSecret,
      code_verifier: saved.verifier,
    }),
  });
  const token = (await tokenRes.json().catch(() => ({}))) as { access_token?: string };
  if (!tokenRes.ok || !token.access_token) throw new AppError("auth.oauth_failed", 400, "The sign-in provider refused the code. Start again.");
  const profile = await config.profile(token.access_token);
  if (!profile.email) throw new AppError("auth.oauth_email_unverified", 400, `Your ${provider} account has no verified email address.`);
  const email = profile.email.toLowerCase();

  const db = getDb(env.DB);
  const linked = await db
    .select({ user: users })
    .from(oauthIdentities)
    .innerJoin(users, eq(users.id, oauthIdentities.userId))
    .where(and(eq(oauthIdentities.provider, provider), eq(oauthIdentities.subject, profile.subject)))
    .get();
  let user = linked?.user ?? (await db.select().from(users).where(eq(users.email, email)).get());
  if (!user) {
    user = await db
      .insert(users)
      .values({ id: newId("usr"), email, name: profile.name.slice(0, 100), emailVerifiedAt: new Date().toISOString(), role: "customer" })
      .returning()
      .get();
  }
  if (!user || user.status !== "active") throw new AppError("auth.account_disabled", 403, "This account is disabled.");
  // A provider's word is never enough for an account held to a second factor (staff, or anyone who turned one
  // on): no automatic link by email and no sign-in around the code. Such accounts sign in with their password
  // and second factor.
  if ((await secondFactorNeed(env, user)) !== "none") {
    throw new AppError("auth.oauth_needs_second_factor", 409, "This account signs in with its password and a second factor. Sign in with your email instead.");
  }
  // Nor for a staff account the store does not hold to a second factor: a provider vouching for the email
  // never opens the admin or a seller's panel; staff sign in with their password.
  if (!linked && STAFF_ROLES.includes(user.role)) {
    throw new AppError("auth.oauth_staff_password", 409, "Staff accounts sign in with their email and password, never through a sign-in provider.");
  }
  if (!linked) {
    // The provider vouches for this email, so the account's email counts as verified too. If it was
    // never verified, whoever registered it may not own the address (pre-registration takeover):
    // their password stops working and their sessions end; the owner can set a password later.
    const preRegistered = user.emailVerifiedAt === null && user.passwordHash !== null;
    await db.batch([
      db.insert(oauthIdentities).values({ provider, subject: profile.subject, userId: user.id, email }).onConflictDoNothing(),
      db
        .update(users)
        .set({ emailVerifiedAt: user.emailVerifiedAt ?? new Date().toISOString(), ...(preRegistered ? { passwordHash: null } : {}) })
        .where(eq(users.id, user.id)),
    ]);
    if (preRegistered) {
      await revokeAllSessions(env, user.id);
      user = { ...user, passwordHash: null };
    }
  }
  // Checked again on the way out: the cookie is ours, but the redirect check lives in one place.
  return { user, session: await startSession(env, user, userAgent), returnTo: safeReturnTo(saved.returnTo, origin, "/account") };
}
