import { DurableObject } from "cloudflare:workers";

export interface RateLimitResult {
  allowed: boolean;
  /** Hits left in the current window after this one. */
  remaining: number;
  /** Seconds until the window resets; 0 when allowed. */
  retryAfterSeconds: number;
}

/**
 * An exact counter for one key (`login-fail:acct:<email>`, `login:ip:<ip>`...):
 * one object per key, so counts are consistent worldwide, unlike KV or the
 * per-location Rate Limiting binding. Fixed windows; state is tiny and kept in
 * the object's storage so it survives eviction.
 */
export class RateLimiter extends DurableObject<Env> {
  private read(windowSeconds: number, now: number): { start: number; count: number } {
    const state = this.ctx.storage.kv.get<{ start: number; count: number }>("window");
    if (!state || now - state.start >= windowSeconds * 1000) return { start: now, count: 0 };
    return state;
  }

  private result(state: { start: number; count: number }, limit: number, windowSeconds: number, now: number): RateLimitResult {
    const allowed = state.count <= limit;
    return {
      allowed,
      remaining: Math.max(0, limit - state.count),
      retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil((state.start + windowSeconds * 1000 - now) / 1000)),
    };
  }

  /** Counts one hit and says whether it is within `limit` per `windowSeconds`. */
  hit(limit: number, windowSeconds: number): RateLimitResult {
    const now = Date.now();
    const state = this.read(windowSeconds, now);
    state.count += 1;
    this.ctx.storage.kv.put("window", state);
    return this.result(state, limit, windowSeconds, now);
  }

  /** Whether one more hit would still be allowed, without counting one. */
  check(limit: number, windowSeconds: number): RateLimitResult {
    const now = Date.now();
    const state = this.read(windowSeconds, now);
    return this.result({ ...state, count: state.count + 1 }, limit, windowSeconds, now);
  }

  /** Forgets the count (after a successful sign-in). */
  clear(): void {
    this.ctx.storage.kv.delete("window");
  }
}
