import { and, asc, eq, gt, isNull, ne, sql } from "drizzle-orm";
import { getDb } from "../../db/client";
import { AppError } from "../../lib/errors";
import { newId } from "../../lib/ids";
import { refreshTokens, users } from "../tables";
import { ACCESS_TOKEN_TTL_SECONDS, hashOpaqueToken, newOpaqueToken, REFRESH_TOKEN_TTL_SECONDS, signAccessToken, verifyAccessToken } from "../tokens";
import type { Principal } from "../../lib/context";
import type { AccountSessionList } from "../schema";
import { principalOf, revokeAllSessions, type UserRow } from "./users";

/** How long after a refresh token's first use a second use still counts as a concurrent refresh, not a replay. */
export const REFRESH_GRACE_MS = 10_000;

export interface IssuedSession {
  sessionId: string;
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

/** The client a session token is issued to, for the account's session list: its user agent and where it is. */
export interface SessionClient {
  userAgent: string | null;
  place?: string | null;
}
const clientOf = (client: string | null | SessionClient): SessionClient => (typeof client === "string" || client === null ? { userAgent: client } : client);

async function issueRefreshToken(env: Env, userId: string, familyId: string, client: SessionClient, now: number) {
  const { token, hash } = await newOpaqueToken();
  await getDb(env.DB)
    .insert(refreshTokens)
    .values({
      id: newId("rt"),
      userId,
      familyId,
      tokenHash: hash,
      expiresAt: now + REFRESH_TOKEN_TTL_SECONDS * 1000,
      createdAt: now,
      userAgent: client.userAgent,
      place: client.place ?? null,
    });
  return token;
}

/** Starts a session: a new refresh-token family and a 15-minute access token. */
export async function startSession(env: Env, user: Pick<UserRow, "id" | "role">, client: string | null | SessionClient = null): Promise<IssuedSession> {
  const now = Date.now();
  const sessionId = newId("ses");
  const refreshToken = await issueRefreshToken(env, user.id, sessionId, clientOf(client), now);
  const accessToken = await signAccessToken(env, { sub: user.id, role: user.role, sid: sessionId }, now);
  return { sessionId, accessToken, refreshToken, expiresIn: ACCESS_TOKEN_TTL_SECONDS };
}

/**
 * Trades a refresh token for a new pair (rotation). A token presented a
 * second time means it was stolen: every session of its user ends.
 */
export async function rotateSession(env: Env, presented: string, userAgent: string | null = null): Promise<IssuedSession & { user: UserRow }> {
  const db = getDb(env.DB);
  const now = Date.now();
  const row = await db
    .select()
    .from(refreshTokens)
    .where(eq(refreshTokens.tokenHash, await hashOpaqueToken(presented)))
    .get();
  const invalid = new AppError("auth.invalid_refresh_token", 401, "Your session has ended. Sign in again.");
  if (!row || row.revokedAt !== null || row.expiresAt <= now) throw invalid;
  // Claim the token atomically: of two concurrent uses only one sees changes = 1.
  const claimed = await db
    .update(refreshTokens)
    .set({ usedAt: now })
    .where(and(eq(refreshTokens.id, row.id), isNull(refreshTokens.usedAt)))
    .run();
  if ((claimed.meta.changes ?? 0) === 0) {
    // Two tabs refreshing at the same moment both present the token: a second use within a few seconds of
    // the first is that race, and gets its own pair in the same session. Any later use is a replay.
    const used = await db.select({ usedAt: refreshTokens.usedAt }).from(refreshTokens).where(eq(refreshTokens.id, row.id)).get();
    if (used?.usedAt != null && now - used.usedAt <= REFRESH_GRACE_MS) {
      const user = await db.select().from(users).where(eq(users.id, row.userId)).get();
      if (!user || user.status !== "active") throw invalid;
      const refreshToken = await issueRefreshToken(env, user.id, row.familyId, { userAgent, place: row.place }, now);
      const accessToken = await signAccessToken(env, { sub: user.id, role: user.role, sid: row.familyId }, now);
      return { user, sessionId: row.familyId, accessToken, refreshToken, expiresIn: ACCESS_TOKEN_TTL_SECONDS };
    }
    await revokeAllSessions(env, row.userId, now);
    console.warn(JSON.stringify({ level: "warn", msg: "refresh token reuse: all sessions revoked", userId: row.userId }));
    throw invalid;
  }
  const user = await db.select().from(users).where(eq(users.id, row.userId)).get();
  if (!user || user.status !== "active") throw invalid;
  // A renewal keeps where the session started: the list shows the place of sign-in.
  const refreshToken = await issueRefreshToken(env, user.id, row.familyId, { userAgent, place: row.place }, now);
  const accessToken = await signAccessToken(env, { sub: user.id, role: user.role, sid: row.familyId }, now);
  return { user, sessionId: row.familyId, accessToken, refreshToken, expiresIn: ACCESS_TOKEN_TTL_SECONDS };
}

/**
 * The signed-in user behind an access token, or null. Checked on every
 * request against D1 (not KV, which lags): the account is active, the token
 * was issued after the user's last revoke-all, and its session is not ended.
 */
export async function resolveAccessToken(env: Env, token: string): Promise<{ principal: Principal; sessionId: string } | null> {
  const claims = await verifyAccessToken(env, token);
  if (!claims) return null;
  const row = await getDb(env.DB)
    .select({
      user: users,
      live: sql<number>`exists (select 1 from ${refreshTokens} where ${refreshTokens.familyId} = ${claims.sid} and ${refreshTokens.revokedAt} is null)`,
      // Resolved on every request, so a changed staff role applies at the next request. The outer column is
      // spelled out: drizzle leaves columns of a one-table select unqualified, and "id" would bind inside.
      staffPermissions: sql<
        string | null
      >`(select r.permissions from staff_role_members m join staff_roles r on r.id = m.role_id where m.user_id = "users"."id")`,
    })
    .from(users)
    .where(eq(users.id, claims.sub))
    .get();
  if (!row || row.user.status !== "active" || !row.live || claims.ims < row.user.sessionsValidAfter) return null;
  return { principal: principalOf(row.user, row.staffPermissions), sessionId: claims.sid };
}

/** Ends one session (sign out on this device). */
export async function endSession(env: Env, sessionId: string): Promise<void> {
  await getDb(env.DB)
    .update(refreshTokens)
    .set({ revokedAt: Date.now() })
    .where(and(eq(refreshTokens.familyId, sessionId), isNull(refreshTokens.revokedAt)));
}

/**
 * Signs out by refresh token when the access token has expired already (logout must still end the
 * session): the token's session, or every session of its user with `everywhere`. An unknown token ends nothing.
 */
export async function signOutByRefreshToken(env: Env, presented: string, everywhere: boolean): Promise<void> {
  const row = await getDb(env.DB)
    .select({ userId: refreshTokens.userId, familyId: refreshTokens.familyId })
    .from(refreshTokens)
    .where(and(eq(refreshTokens.tokenHash, await hashOpaqueToken(presented)), isNull(refreshTokens.revokedAt)))
    .get();
  if (!row) return;
  if (everywhere) await revokeAllSessions(env, row.userId);
  else await endSession(env, row.familyId);
}

/**
 * Signs a caller out: this session only, or every session of the account with `everywhere` (access
 * tokens already issued stop working on their next request). Nobody signed in: nothing to end.
 */
export async function signOut(env: Env, auth: { principal: Pick<Principal, "id">; sessionId: string } | null, everywhere: boolean): Promise<void> {
  if (!auth) return;
  if (everywhere) await revokeAllSessions(env, auth.principal.id);
  else await endSession(env, auth.sessionId);
}

/** "Chrome on Android" from a user agent, or what the client said about itself (native apps). */
function deviceOf(userAgent: string | null): string {
  if (!userAgent) return "Unknown device";
  const browser = /Edg\//.test(userAgent)
    ? "Edge"
    : /Firefox\//.test(userAgent)
      ? "Firefox"
      : /(Chrome|Chromium)\//.test(userAgent)
        ? "Chrome"
        : /Safari\//.test(userAgent)
          ? "Safari"
          : null;
  const system = /Android/.test(userAgent)
    ? "Android"
    : /iPhone|iPad/.test(userAgent)
      ? "iOS"
      : /Windows/.test(userAgent)
        ? "Windows"
        : /Mac OS X/.test(userAgent)
          ? "macOS"
          : /Linux/.test(userAgent)
            ? "Linux"
            : null;
  if (browser && system) return `${browser} on ${system}`;
  return browser ?? system ?? userAgent.slice(0, 60);
}

/**
 * The account's sessions that can still be renewed, most recently used first: device and place of the
 * latest token, when it started and last renewed its access, and which one is the caller's.
 */
export async function listSessions(env: Env, userId: string, currentSessionId: string): Promise<AccountSessionList> {
  const now = Date.now();
  const rows = await getDb(env.DB)
    .select()
    .from(refreshTokens)
    .where(and(eq(refreshTokens.userId, userId), isNull(refreshTokens.revokedAt), gt(refreshTokens.expiresAt, now)))
    .orderBy(asc(refreshTokens.createdAt));
  const byFamily = new Map<string, { first: (typeof rows)[number]; last: (typeof rows)[number] }>();
  for (const row of rows) {
    const seen = byFamily.get(row.familyId);
    if (seen) seen.last = row;
    else byFamily.set(row.familyId, { first: row, last: row });
  }
  return {
    items: [...byFamily.entries()]
      .map(([id, { first, last }]) => ({
        id,
        device: deviceOf(last.userAgent),
        place: last.place ?? first.place ?? null,
        signedInAt: new Date(first.createdAt).toISOString(),
        lastUsedAt: new Date(last.createdAt).toISOString(),
        current: id === currentSessionId,
      }))
      .sort((a, b) => (a.current === b.current ? b.lastUsedAt.localeCompare(a.lastUsedAt) : a.current ? -1 : 1)),
  };
}

/**
 * Signs out one of the account's own sessions from the list: its token renews no more and its access token
 * stops working on the next request. Another account's session (or an ended one) is a 404.
 */
export async function endOwnSession(env: Env, userId: string, sessionId: string): Promise<void> {
  const ended = await getDb(env.DB)
    .update(refreshTokens)
    .set({ revokedAt: Date.now() })
    .where(and(eq(refreshTokens.familyId, sessionId), eq(refreshTokens.userId, userId), isNull(refreshTokens.revokedAt)))
    .run();
  if ((ended.meta.changes ?? 0) === 0) throw new AppError("auth.session_not_found", 404, "No such session.");
}

/**
 * "Sign out everywhere else": ends every session of the account but the caller's, whose cookies and tokens
 * keep working. Their access tokens stop at their next request, like one signed out from the list.
 */
export async function endOtherSessions(env: Env, userId: string, currentSessionId: string): Promise<void> {
  await getDb(env.DB)
    .update(refreshTokens)
    .set({ revokedAt: Date.now() })
    .where(and(eq(refreshTokens.userId, userId), ne(refreshTokens.familyId, currentSessionId), isNull(refreshTokens.revokedAt)))
    .run();
}
