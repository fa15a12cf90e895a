import { ipLimitKey } from "../lib/client-ip";
import { AppError } from "../lib/errors";

export interface Limit {
  limit: number;
  windowSeconds: number;
}

/** The limits of the account endpoints, per key kind. */
export const LIMITS = {
  loginPerIp: { limit: 30, windowSeconds: 15 * 60 },
  loginFailuresPerAccount: { limit: 5, windowSeconds: 15 * 60 },
  /** Wrong passwords from one address for one account: below the account's lock, so one address never locks it. */
  loginFailuresPerIpAndAccount: { limit: 3, windowSeconds: 15 * 60 },
  /** Wrong passwords from one address for any accounts (password spraying, credential stuffing). */
  loginFailuresPerIp: { limit: 10, windowSeconds: 15 * 60 },
  registerPerIp: { limit: 10, windowSeconds: 60 * 60 },
  /** Sign-up emails (the link, or "you already have an account") per address; over it, silently none. */
  registerPerEmail: { limit: 3, windowSeconds: 60 * 60 },
  resetPerIp: { limit: 10, windowSeconds: 60 * 60 },
  resetPerAccount: { limit: 3, windowSeconds: 60 * 60 },
} satisfies Record<string, Limit>;

/** The limiter key of a per-address limit: IPv4 as is, IPv6 per /64 (see `ipLimitKey`). */
export function ipKey(kind: "login" | "login-fail" | "register" | "reset", ip: string): string {
  return `${kind}:ip:${ipLimitKey(ip)}`;
}

function limiter(env: Env, key: string) {
  return env.RATE_LIMITER.getByName(key);
}

function tooMany(retryAfterSeconds: number): AppError {
  return new AppError("auth.rate_limited", 429, "Too many attempts. Wait a little and try again.", [], { "Retry-After": String(retryAfterSeconds) });
}

/**
 * Counts one attempt under `key` (atomically, in the key's Durable Object)
 * and throws 429 with Retry-After once over the limit. Call it BEFORE the
 * expensive or risky work, so parallel requests cannot all pass a check made
 * before any of them was counted.
 */
export async function countAttempt(env: Env, key: string, { limit, windowSeconds }: Limit): Promise<void> {
  const result = await limiter(env, key).hit(limit, windowSeconds);
  if (!result.allowed) throw tooMany(result.retryAfterSeconds);
}

/** Gives one attempt under `key` back (after a right password), leaving the others counted. */
export async function giveBackAttempt(env: Env, key: string): Promise<void> {
  await limiter(env, key).giveBack();
}

/** Forgets the attempts under `key` (after a right password). */
export async function clearAttempts(env: Env, key: string): Promise<void> {
  await limiter(env, key).clear();
}
