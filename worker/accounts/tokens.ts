import { createLocalJWKSet, importJWK, type JWK, type JWTPayload, jwtVerify, SignJWT } from "jose";
import type { Role } from "./tables";

export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
export const REFRESH_TOKEN_TTL_SECONDS = 30 * 24 * 60 * 60;
const ISSUER = "edge-commerce";
const AUDIENCE = "edge-commerce-api";
const TYP = "at+jwt";

export interface AccessClaims {
  sub: string;
  role: Role;
  /** Session (refresh-token family) id: signing out ends exactly this session. */
  sid: string;
  /** Issue time in milliseconds, compared with the user's sessionsValidAfter. */
  ims: number;
}

interface Keys {
  kid: string;
  signing: CryptoKey;
  verify: ReturnType<typeof createLocalJWKSet>;
}
// Settled keys only: a promise would tie every request to the one that started the import.
const cache = new Map<string, Keys>();

/**
 * Keys from the `AUTH_SIGNING_KEY` secret: an ES256 private JWK with a `kid`.
 * Verification uses only this local key set (plus `AUTH_PREVIOUS_PUBLIC_KEYS`,
 * a JSON array of public JWKs, during a rotation), never keys named by a token.
 */
async function loadKeys(env: Pick<Env, "AUTH_SIGNING_KEY"> & { AUTH_PREVIOUS_PUBLIC_KEYS?: string }): Promise<Keys> {
  const secret = env.AUTH_SIGNING_KEY;
  if (!secret) throw new Error("AUTH_SIGNING_KEY is not configured");
  const cacheKey = `${secret}|${env.AUTH_PREVIOUS_PUBLIC_KEYS ?? ""}`;
  let keys = cache.get(cacheKey);
  if (!keys) {
    keys = await (async () => {
      const jwk = JSON.parse(secret) as JWK;
      if (!jwk.kid || jwk.kty !== "EC" || jwk.crv !== "P-256" || !jwk.d) throw new Error("AUTH_SIGNING_KEY must be an ES256 private JWK with a kid");
      const { d: _private, ...publicJwk } = jwk;
      const previous = env.AUTH_PREVIOUS_PUBLIC_KEYS ? (JSON.parse(env.AUTH_PREVIOUS_PUBLIC_KEYS) as JWK[]) : [];
      return {
        kid: jwk.kid,
        signing: (await importJWK(jwk, "ES256")) as CryptoKey,
        verify: createLocalJWKSet({ keys: [{ ...publicJwk, alg: "ES256", use: "sig" }, ...previous] }),
      };
    })();
    cache.set(cacheKey, keys);
  }
  return keys;
}

/** Signs a 15-minute access token. */
export async function signAccessToken(env: Pick<Env, "AUTH_SIGNING_KEY">, claims: Omit<AccessClaims, "ims">, now = Date.now()): Promise<string> {
  const keys = await loadKeys(env);
  return new SignJWT({ role: claims.role, sid: claims.sid, ims: now })
    .setProtectedHeader({ alg: "ES256", kid: keys.kid, typ: TYP })
    .setSubject(claims.sub)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt(Math.floor(now / 1000))
    .setExpirationTime(Math.floor(now / 1000) + ACCESS_TOKEN_TTL_SECONDS)
    .setJti(crypto.randomUUID())
    .sign(keys.signing);
}

/**
 * Verifies an access token with algorithm, issuer, audience, type and
 * required claims pinned; null for anything not valid (expired, forged,
 * `alg: none`, another audience...).
 */
export async function verifyAccessToken(env: Pick<Env, "AUTH_SIGNING_KEY">, token: string): Promise<AccessClaims | null> {
  const keys = await loadKeys(env);
  try {
    const { payload } = await jwtVerify<JWTPayload & Partial<AccessClaims>>(token, keys.verify, {
      algorithms: ["ES256"],
      issuer: ISSUER,
      audience: AUDIENCE,
      typ: TYP,
      requiredClaims: ["sub", "exp", "iat", "role", "sid", "ims"],
    });
    if (typeof payload.sub !== "string" || typeof payload.sid !== "string" || typeof payload.ims !== "number" || typeof payload.role !== "string") return null;
    return { sub: payload.sub, role: payload.role as Role, sid: payload.sid, ims: payload.ims };
  } catch {
    return null;
  }
}

/** A random opaque token (refresh, reset, verification) and the SHA-256 hash that is stored instead. */
export async function newOpaqueToken(): Promise<{ token: string; hash: string }> {
  const token = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url");
  return { token, hash: await hashOpaqueToken(token) };
}

export async function hashOpaqueToken(token: string): Promise<string> {
  return Buffer.from(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token))).toString("base64url");
}
