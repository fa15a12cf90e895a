/**
 * A small in-isolate cache for hot reads (catalog pages and API answers).
 *
 * Entries live `ttlMs` at most, so another isolate's write is seen within
 * that time; writes in this isolate call `purge()` and are seen at once.
 * Concurrent misses for one key share a single load (no stampede on D1).
 */
export class MemoCache {
  private readonly entries = new Map<string, { value: unknown; expires: number }>();
  private readonly inflight = new Map<string, Promise<unknown>>();

  constructor(private readonly maxEntries = 2_000) {}

  async get<T>(key: string, ttlMs: number, load: () => Promise<T>): Promise<T> {
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit && hit.expires > now) return hit.value as T;
    const pending = this.inflight.get(key);
    if (pending) return pending as Promise<T>;
    const promise = load()
      .then((value) => {
        if (this.entries.size >= this.maxEntries) {
          // Map keeps insertion order: drop the oldest tenth.
          let drop = Math.ceil(this.maxEntries / 10);
          for (const k of this.entries.keys()) {
            this.entries.delete(k);
            if (--drop === 0) break;
          }
        }
        this.entries.set(key, { value, expires: Date.now() + ttlMs });
        return value;
      })
      .finally(() => this.inflight.delete(key));
    this.inflight.set(key, promise);
    return promise;
  }

  /** Drops every entry whose key starts with `prefix` (all entries without one). */
  purge(prefix = ""): void {
    for (const key of this.entries.keys()) if (key.startsWith(prefix)) this.entries.delete(key);
  }
}
