import { AppError } from "../lib/errors";
import { ipLimitKey, UNKNOWN_IP } from "../lib/client-ip";

/**
 * How many tickets and chats one sender may open: per account (or, for a guest, per email address) and per
 * network address, each counted in its own RateLimiter object. The address limit is looser, since shoppers
 * behind one office or mobile network share it.
 */
export const SUPPORT_LIMITS = {
  ticket: { sender: { limit: 10, windowSeconds: 60 * 60 }, address: { limit: 30, windowSeconds: 60 * 60 } },
  chat: { sender: { limit: 20, windowSeconds: 60 * 60 }, address: { limit: 60, windowSeconds: 60 * 60 } },
} as const;

/** A whole number of at least 1 from a Worker variable, else the default. */
function perHour(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value?.trim() && Number.isInteger(n) && n >= 1 ? n : fallback;
}

/** The limits in force: `SUPPORT_LIMITS`, with the per-sender chat limit taken from `SUPPORT_CHATS_PER_SENDER` when set. */
export function supportLimits(env: Pick<Env, "SUPPORT_CHATS_PER_SENDER">) {
  const chat = SUPPORT_LIMITS.chat;
  return {
    ticket: SUPPORT_LIMITS.ticket,
    chat: { sender: { ...chat.sender, limit: perHour(env.SUPPORT_CHATS_PER_SENDER, chat.sender.limit) }, address: chat.address },
  };
}

/**
 * Counts one new ticket or chat for the sender (their account, else their email address) and for the client's
 * network address, in the rate-limit Durable Object (atomic, so parallel requests cannot all pass), and throws
 * 429 `support.rate_limited` with Retry-After once either is over. Called after the request is valid and before
 * anything is written. Requests with no client address (local tools) are counted by sender only.
 */
export async function countSupportStart(
  env: Env,
  kind: keyof typeof SUPPORT_LIMITS,
  sender: { userId: string | null; email: string },
  ip: string | null,
): Promise<void> {
  const limits = supportLimits(env)[kind];
  const senderKey = sender.userId ? `user:${sender.userId}` : `email:${sender.email.trim().toLowerCase()}`;
  const hits = [env.RATE_LIMITER.getByName(`support:${kind}:${senderKey}`).hit(limits.sender.limit, limits.sender.windowSeconds)];
  if (ip && ip !== UNKNOWN_IP)
    hits.push(env.RATE_LIMITER.getByName(`support:${kind}:ip:${ipLimitKey(ip)}`).hit(limits.address.limit, limits.address.windowSeconds));
  const results = await Promise.all(hits);
  const refused = results.filter((r) => !r.allowed);
  if (refused.length) {
    const wait = Math.max(...refused.map((r) => r.retryAfterSeconds));
    throw new AppError(
      "support.rate_limited",
      429,
      kind === "ticket"
        ? "You have opened many requests in a short time. Wait a little and try again."
        : "Too many chats in a short time. Wait a little and try again.",
      [],
      { "Retry-After": String(wait) },
    );
  }
}
