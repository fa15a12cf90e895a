import { getDb } from "../../db/client";
import type { AuditActor } from "../../lib/audit";
import { onCacheVersionChange } from "../../lib/cache-version";
import { commitSettingsChange } from "../../lib/settings-write";
import type { AnalyticsSettings, AnalyticsSettingsBody } from "../schema";
import { analyticsSettings as settingsTable } from "../tables";

const DEFAULTS: AnalyticsSettings = { timeZone: "UTC", consentRequired: false, retentionDays: 90 };
const TTL_MS = 60_000;
/** A plain value, never a promise: every storefront page reads the consent switch, and no request awaits another's load. */
let cached: { value: AnalyticsSettings; expires: number } | null = null;

export function purgeAnalyticsSettingsCache(): void {
  cached = null;
}
onCacheVersionChange(purgeAnalyticsSettingsCache);

/** The analytics settings (time zone of reports, cookie consent, how long raw events stay), memoised 60 s per isolate. */
export async function analyticsSettings(env: Env): Promise<AnalyticsSettings> {
  const now = Date.now();
  if (cached && cached.expires > now) return cached.value;
  const rows = await getDb(env.DB).select().from(settingsTable);
  const read = <T>(key: string): T | undefined => {
    const row = rows.find((r) => r.key === key);
    return row ? (JSON.parse(row.value) as T) : undefined;
  };
  const value: AnalyticsSettings = {
    timeZone: read<string>("time_zone") ?? DEFAULTS.timeZone,
    consentRequired: read<boolean>("consent_required") ?? DEFAULTS.consentRequired,
    retentionDays: read<number>("retention_days") ?? DEFAULTS.retentionDays,
  };
  cached = { value, expires: now + TTL_MS };
  return value;
}

/**
 * Changes the analytics settings with an audit row in one batch. A new time zone applies to rollups from
 * the next run (each run re-reads it), and reports recompute the days they show in the new zone.
 * The consent switch changes what storefront pages render, so cached pages are purged too.
 */
export async function updateAnalyticsSettings(env: Env, actor: AuditActor, body: AnalyticsSettingsBody): Promise<AnalyticsSettings> {
  cached = null;
  const before = await analyticsSettings(env);
  const after: AnalyticsSettings = {
    timeZone: body.timeZone ?? before.timeZone,
    consentRequired: body.consentRequired ?? before.consentRequired,
    retentionDays: body.retentionDays ?? before.retentionDays,
  };
  const put = (key: string, v: unknown) => {
    const value = JSON.stringify(v);
    return getDb(env.DB)
      .insert(settingsTable)
      .values({ key, value, updatedBy: actor.actorId })
      .onConflictDoUpdate({ target: settingsTable.key, set: { value, updatedBy: actor.actorId, updatedAt: new Date().toISOString() } });
  };
  await commitSettingsChange(
    env,
    actor,
    { action: "settings.analytics", entityType: "analytics_settings", entityId: "analytics", before, after },
    [put("time_zone", after.timeZone), put("consent_required", after.consentRequired), put("retention_days", after.retentionDays)],
    { forget: purgeAnalyticsSettingsCache, pagesChange: before.consentRequired !== after.consentRequired },
  );
  return after;
}
