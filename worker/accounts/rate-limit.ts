import { AppError } from "../lib/errors";

export interface Limit {
  limit: number;
  windowSeconds: number;
}

/** The limits of the account endpoints, per key kind. */
export const LIMITS = {
  loginPerIp: { limit: 30, windowSeconds: 15 * 60 },
  loginFailuresPerAccount: { limit: 5, windowSeconds: 15 * 60 },
  registerPerIp: { limit: 10, windowSeconds: 60 * 60 },
  resetPerIp: { limit: 10, windowSeconds: 60 * 60 },
  resetPerAccount: { limit: 3, windowSeconds: 60 * 60 },
} satisfies Record<string, Limit>;

function limiter(env: Env, key: string) {
  return env.RATE_LIMITER.getByName(key);
}

function tooMany(retryAfterSeconds: number): AppError {
  return new AppError("auth.rate_limited", 429, "Too many attempts. Wait a little and try again.", [], { "Retry-After": String(retryAfterSeconds) });
}

/** Counts one attempt under `key`; throws 429 with Retry-After once over the limit. */
export async function countAttempt(env: Env, key: string, { limit, windowSeconds }: Limit): Promise<void> {
  const result = await limiter(env, key).hit(limit, windowSeconds);
  if (!result.allowed) throw tooMany(result.retryAfterSeconds);
}

/** Throws 429 when one more attempt under `key` would be over the limit, without counting one. */
export async function ensureUnderLimit(env: Env, key: string, { limit, windowSeconds }: Limit): Promise<void> {
  const result = await limiter(env, key).check(limit, windowSeconds);
  if (!result.allowed) throw tooMany(result.retryAfterSeconds);
}

export async function clearAttempts(env: Env, key: string): Promise<void> {
  await limiter(env, key).clear();
}
