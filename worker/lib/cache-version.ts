import { MemoCache } from "./memo-cache";

/**
 * The catalog version: one number in D1 (`cache_versions`) that every cached copy of a catalog
 * answer or page carries in its key (see response-cache.ts and docs/caching.md). A catalog or
 * settings write bumps it; each isolate re-reads it every few seconds, so every isolate and every
 * edge location stops serving the old copies within that time.
 */
const NAME = "catalog";
/** Each isolate reads the version at most this often... */
export const VERSION_TTL_MS = 2_000;
/** ...and, while another request of the isolate re-reads it, goes on using the last value this long. */
const VERSION_STALE_MS = 2_000;

const versions = new MemoCache(4);
const listeners: Array<() => void> = [];
/** The last version this isolate saw (a plain number shared by its requests). */
let seen: number | undefined;
/** Set by `requestCacheVersionBump`: the next request that reads the version bumps it first. */
let bumpPending = false;

/**
 * Registers `forget` to run when this isolate sees the version change (another isolate wrote):
 * in-isolate copies of what the version covers must go with it.
 */
export function onCacheVersionChange(forget: () => void): void {
  listeners.push(forget);
}

function observe(version: number, changed = seen !== undefined && version !== seen): number {
  if (changed) for (const forget of listeners) forget();
  seen = version;
  return version;
}

/** The current catalog version, from this isolate's memory (re-read from D1 every couple of seconds). */
export function cacheVersion(d1: D1Database): Promise<number> {
  if (bumpPending) return bumpCacheVersion(d1);
  return versions.get(
    NAME,
    VERSION_TTL_MS,
    async () => {
      const row = await d1.prepare("SELECT version FROM cache_versions WHERE name = ?").bind(NAME).first<{ version: number }>();
      return observe(row?.version ?? 0);
    },
    { staleMs: VERSION_STALE_MS },
  );
}

/**
 * Moves the catalog version on (call after a catalog or settings write has committed) and answers
 * the new one. This isolate uses it at once; the others within `VERSION_TTL_MS` + a request.
 */
export async function bumpCacheVersion(d1: D1Database): Promise<number> {
  bumpPending = false;
  const row = await d1
    .prepare("INSERT INTO cache_versions (name, version) VALUES (?, 1) ON CONFLICT (name) DO UPDATE SET version = version + 1 RETURNING version")
    .bind(NAME)
    .first<{ version: number }>();
  versions.purge();
  // This isolate's own bump: its copies go even when it had not read the version yet (nothing to compare with).
  return observe(row?.version ?? 0, true);
}

/**
 * For writes that cannot await (and tests that write D1 directly): forgets the version held in
 * this isolate, and the next request here that needs it bumps it first.
 */
export function requestCacheVersionBump(): void {
  bumpPending = true;
  versions.purge();
}
