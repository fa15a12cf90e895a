/**
 * A small in-isolate cache for hot reads (catalog answers, settings, rates).
 *
 * Only settled, plain values are shared between requests; a promise never is. In workerd a load
 * belongs to the request that started it: if that request ends or is cancelled first, the load
 * never settles, and any other request awaiting it would hang until the runtime kills it (and,
 * with a shared in-flight entry, so would every later request for that key). So:
 * - a fresh entry (younger than `ttlMs`) is served as is;
 * - a stale entry (up to `staleMs` past that) is served as is while another request is refreshing
 *   it; otherwise the caller refreshes it itself and waits for its own load;
 * - with no usable entry, the caller loads it itself (concurrent cold misses each load once).
 * "Another request is refreshing" is a plain timestamp, not a promise: a refresh lost with its
 * request stops counting after `REFRESH_CLAIM_MS`, and the next caller loads.
 */
export class MemoCache {
  private readonly entries = new Map<string, { value: unknown; fresh: number; stale: number }>();
  /** Key → when a refresh of its stale entry started (only a hint for other requests). */
  private readonly refreshing = new Map<string, number>();
  /** Bumped by `purge()`: a load that started before a purge must not store what it read. */
  private generation = 0;

  private readonly maxEntries: number;

  // A plain field, not a parameter property: Node's type stripping (benchmark scripts import this) has none.
  constructor(maxEntries = 2_000) {
    this.maxEntries = maxEntries;
  }

  /**
   * The cached value for `key`, loading it in the caller's own request when there is none usable.
   * Load failures are not cached.
   */
  async get<T>(key: string, ttlMs: number, load: () => Promise<T>, options: { staleMs?: number } = {}): Promise<T> {
    const staleMs = options.staleMs ?? Math.max(ttlMs, 5_000);
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit && hit.fresh > now) return hit.value as T;
    if (hit && hit.stale > now) {
      const claimed = this.refreshing.get(key);
      if (claimed !== undefined && now - claimed < REFRESH_CLAIM_MS) return hit.value as T;
      this.refreshing.set(key, now);
    }
    const generation = this.generation;
    try {
      const value = await load();
      if (generation === this.generation) this.store(key, value, ttlMs, staleMs);
      return value;
    } finally {
      if (this.refreshing.get(key) === now) this.refreshing.delete(key);
    }
  }

  /** Drops every entry whose key starts with `prefix` (all entries without one). */
  purge(prefix = ""): void {
    if (!prefix) {
      this.entries.clear();
      this.refreshing.clear();
      this.generation++;
      return;
    }
    for (const key of this.entries.keys()) if (key.startsWith(prefix)) this.entries.delete(key);
    this.generation++;
  }

  private store(key: string, value: unknown, ttlMs: number, staleMs: number): void {
    if (!this.entries.has(key) && this.entries.size >= this.maxEntries) {
      // Map keeps insertion order: drop the oldest tenth.
      let drop = Math.ceil(this.maxEntries / 10);
      for (const k of this.entries.keys()) {
        this.entries.delete(k);
        if (--drop === 0) break;
      }
    }
    const now = Date.now();
    this.entries.delete(key);
    this.entries.set(key, { value, fresh: now + ttlMs, stale: now + ttlMs + staleMs });
  }
}

/** How long one request's refresh keeps others on the stale value before they refresh themselves. */
const REFRESH_CLAIM_MS = 10_000;
