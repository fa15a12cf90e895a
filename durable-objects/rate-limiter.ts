import { DurableObject } from "cloudflare:workers";

export interface RateLimitResult {
  allowed: boolean;
  /** Hits left in the current window after this one. */
  remaining: number;
  /** Seconds until the window resets; 0 when allowed. */
  retryAfterSeconds: number;
}

export interface SlotResult {
  acquired: boolean;
  /** Slots in use after this call. */
  held: number;
  /** When refused: seconds until the soonest slot frees up by itself. 0 when acquired. */
  retryAfterSeconds: number;
}

/**
 * An exact counter for one key (`login-fail:acct:<email>`, `login:ip:<ip>`...):
 * one object per key, so counts are consistent worldwide, unlike KV or the
 * per-location Rate Limiting binding. Fixed windows; state is tiny and kept in
 * the object's storage so it survives eviction.
 *
 * The same object also counts concurrent things (`holds:cart:<id>`): slots
 * taken by id until a deadline and given back by id, so a limit on what is
 * open at once frees up when the thing ends, or by itself at its deadline if
 * nobody says so. Every method is synchronous storage work with no await, so
 * concurrent calls never interleave and a limit is never overshot.
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

  /** Forgets the count (after a successful sign-in). */
  clear(): void {
    this.ctx.storage.kv.delete("window");
  }

  /**
   * Gives one hit back in the current window (a right password after an attempt counted before its
   * hash). Unlike `clear`, one success cannot wipe out many failures counted under a shared key.
   */
  giveBack(): void {
    const state = this.ctx.storage.kv.get<{ start: number; count: number }>("window");
    if (state && state.count > 0) this.ctx.storage.kv.put("window", { ...state, count: state.count - 1 });
  }

  private liveSlots(now: number): Record<string, number> {
    const slots = this.ctx.storage.kv.get<Record<string, number>>("slots") ?? {};
    for (const [id, until] of Object.entries(slots)) if (until <= now) delete slots[id];
    return slots;
  }

  /**
   * Takes one of `limit` slots for `slotId` until `expiresAt` (epoch ms).
   * Idempotent: a slot already held by `slotId` is acquired again without
   * counting twice.
   */
  acquireSlot(slotId: string, limit: number, expiresAt: number): SlotResult {
    const now = Date.now();
    const slots = this.liveSlots(now);
    const held = Object.keys(slots).length;
    if (!(slotId in slots) && held >= limit) {
      const soonest = Math.min(...Object.values(slots));
      this.ctx.storage.kv.put("slots", slots);
      return { acquired: false, held, retryAfterSeconds: Math.max(1, Math.ceil((soonest - now) / 1000)) };
    }
    slots[slotId] = Math.max(slots[slotId] ?? 0, expiresAt);
    this.ctx.storage.kv.put("slots", slots);
    return { acquired: true, held: Object.keys(slots).length, retryAfterSeconds: 0 };
  }

  /** Gives `slotId`'s slot back. Idempotent. */
  releaseSlot(slotId: string): { released: boolean } {
    const slots = this.liveSlots(Date.now());
    const released = slotId in slots;
    delete slots[slotId];
    if (Object.keys(slots).length) this.ctx.storage.kv.put("slots", slots);
    else this.ctx.storage.kv.delete("slots");
    return { released };
  }

  /** Slots in use now. */
  slotsHeld(): number {
    return Object.keys(this.liveSlots(Date.now())).length;
  }
}
