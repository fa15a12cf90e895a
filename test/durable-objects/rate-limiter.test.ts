import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { RateLimiter } from "../../durable-objects/rate-limiter";

let keys = 0;
const limiter = (name = `rl-test-${++keys}`) => env.RATE_LIMITER.getByName(name);

/** Moves the key's current window back by `ms`, as if that much time had passed since it opened. */
async function age(stub: DurableObjectStub<RateLimiter>, ms: number) {
  await runInDurableObject(stub, (_instance: RateLimiter, state) => {
    const window = state.storage.kv.get<{ start: number; count: number }>("window");
    if (window) state.storage.kv.put("window", { ...window, start: window.start - ms });
  });
}

describe("RateLimiter.hit", () => {
  it("allows exactly `limit` hits per window, then refuses with the seconds left in the window", async () => {
    const rl = limiter();
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await rl.hit(3, 60));
    expect(results.map((r) => r.allowed)).toEqual([true, true, true, false]);
    expect(results.map((r) => r.remaining)).toEqual([2, 1, 0, 0]);
    expect(results.slice(0, 3).every((r) => r.retryAfterSeconds === 0)).toBe(true);
    expect(results[3]?.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(results[3]?.retryAfterSeconds).toBeLessThanOrEqual(60);
    // Refused hits still count: hammering a locked key does not shorten the lockout.
    expect((await rl.hit(3, 60)).allowed).toBe(false);
  });

  it("counts keys apart: one key's lockout does not touch another", async () => {
    const a = limiter();
    const b = limiter();
    await a.hit(1, 60);
    expect((await a.hit(1, 60)).allowed).toBe(false);
    expect(await b.hit(1, 60)).toEqual({ allowed: true, remaining: 0, retryAfterSeconds: 0 });
  });

  it("starts a fresh window once the old one has run out, not before", async () => {
    const rl = limiter();
    await rl.hit(2, 60);
    await rl.hit(2, 60);
    expect((await rl.hit(2, 60)).allowed).toBe(false);
    await age(rl, 59_000);
    const almost = await rl.hit(2, 60);
    expect(almost.allowed).toBe(false);
    expect(almost.retryAfterSeconds).toBeLessThanOrEqual(1);
    await age(rl, 1_000);
    expect(await rl.hit(2, 60)).toEqual({ allowed: true, remaining: 1, retryAfterSeconds: 0 });
  });

  it("keeps its count across eviction (the window is in storage, not memory)", async () => {
    const name = `rl-evict-${++keys}`;
    await limiter(name).hit(2, 60);
    await limiter(name).hit(2, 60);
    await runInDurableObject(limiter(name), (_instance: RateLimiter, state) => {
      expect(state.storage.kv.get("window")).toMatchObject({ count: 2 });
    });
    expect((await limiter(name).hit(2, 60)).allowed).toBe(false);
  });

  it("clear() forgets the count, so a right password gives the attempts back", async () => {
    const rl = limiter();
    await rl.hit(1, 60);
    expect((await rl.hit(1, 60)).allowed).toBe(false);
    await rl.clear();
    expect((await rl.hit(1, 60)).allowed).toBe(true);
  });

  it("counts concurrent hits exactly: of 50 at once with a limit of 20, exactly 20 pass", async () => {
    const name = `rl-race-${++keys}`;
    // Separate stubs, as separate requests would have, all hitting the same key at the same time.
    const results = await Promise.all(Array.from({ length: 50 }, () => limiter(name).hit(20, 60)));
    expect(results.filter((r) => r.allowed)).toHaveLength(20);
    expect(
      results
        .filter((r) => r.allowed)
        .map((r) => r.remaining)
        .sort((x, y) => x - y),
    ).toEqual(Array.from({ length: 20 }, (_, i) => i));
    await runInDurableObject(limiter(name), (_instance: RateLimiter, state) => {
      expect(state.storage.kv.get("window")).toMatchObject({ count: 50 });
    });
  });
});

describe("RateLimiter slots", () => {
  it("holds at most `limit` slots at once; a holder acquiring again is not counted twice", async () => {
    const rl = limiter();
    const until = Date.now() + 60_000;
    expect(await rl.acquireSlot("a", 2, until)).toEqual({ acquired: true, held: 1, retryAfterSeconds: 0 });
    expect(await rl.acquireSlot("a", 2, until)).toEqual({ acquired: true, held: 1, retryAfterSeconds: 0 });
    expect((await rl.acquireSlot("b", 2, until)).acquired).toBe(true);
    const refused = await rl.acquireSlot("c", 2, until);
    expect(refused).toMatchObject({ acquired: false, held: 2 });
    expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(await rl.releaseSlot("a")).toEqual({ released: true });
    expect(await rl.releaseSlot("a")).toEqual({ released: false });
    expect((await rl.acquireSlot("c", 2, until)).acquired).toBe(true);
    expect(await rl.slotsHeld()).toBe(2);
  });

  it("frees a slot by itself once its deadline has passed", async () => {
    const rl = limiter();
    expect((await rl.acquireSlot("old", 1, Date.now() - 1)).acquired).toBe(true);
    expect(await rl.slotsHeld()).toBe(0);
    expect((await rl.acquireSlot("new", 1, Date.now() + 60_000)).acquired).toBe(true);
  });

  it("grants exactly `limit` of many concurrent acquisitions", async () => {
    const name = `rl-slots-race-${++keys}`;
    const until = Date.now() + 60_000;
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => limiter(name).acquireSlot(`s${i}`, 5, until)));
    expect(results.filter((r) => r.acquired)).toHaveLength(5);
    expect(await limiter(name).slotsHeld()).toBe(5);
  });
});
