import type { BatchItem } from "drizzle-orm/batch";
import { getDb } from "../db/client";
import { type AuditActor, type AuditEntry, auditStatement } from "./audit";
import { bumpCacheVersion, cacheVersion } from "./cache-version";
import { purgeResponseCache } from "./response-cache";

/**
 * Commits a staff settings change with its audit row in one D1 batch, then forgets what this isolate
 * cached of it (`forget`). When shoppers' pages show what changed, it also moves the cache version, so
 * every isolate runs the purges domains registered with `onCacheVersionChange` and no cached page or
 * answer outlives the change. The version is read before the write, so the bump is a change in this
 * isolate too.
 */
export async function commitSettingsChange(
  env: Env,
  actor: AuditActor,
  entry: AuditEntry,
  writes: BatchItem<"sqlite">[],
  opts: { forget: () => void; pagesChange: boolean },
): Promise<void> {
  if (opts.pagesChange) await cacheVersion(env.DB);
  const statements: [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]] = [auditStatement(env.DB, actor, entry), ...writes];
  await getDb(env.DB).batch(statements);
  opts.forget();
  if (opts.pagesChange) {
    purgeResponseCache();
    await bumpCacheVersion(env.DB);
  }
}
