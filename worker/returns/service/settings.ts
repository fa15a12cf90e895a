import { getDb } from "../../db/client";
import type { AuditActor } from "../../lib/audit";
import { onCacheVersionChange } from "../../lib/cache-version";
import { AppError } from "../../lib/errors";
import { MemoCache } from "../../lib/memo-cache";
import { commitSettingsChange } from "../../lib/settings-write";
import { registerPayoutHold, registerSaleBlock } from "../../vendors";
import type { ReturnSettings, ReturnSettingsBody } from "../schema";
import { returnSettings as settingsTable } from "../tables";

export const DEFAULT_RETURN_SETTINGS: ReturnSettings = {
  windowDays: 30,
  reasons: ["Too small", "Too large", "Not as described", "Arrived damaged", "Changed my mind", "Other"],
  shippingPaidBy: "store",
  restockingFeePercent: 0,
  nonReturnableProductIds: [],
  nonReturnableCategoryIds: [],
};

const KEYS = Object.keys(DEFAULT_RETURN_SETTINGS) as (keyof ReturnSettings)[];
const cache = new MemoCache(2);

/** Forgets this isolate's copy of the return settings. */
export function purgeReturnSettingsCache(): void {
  cache.purge();
}
onCacheVersionChange(purgeReturnSettingsCache);
// Vendors are paid for a sale only once the return window has run, so a return rarely claws back paid money.
registerPayoutHold(async (env) => (await returnSettings(env)).windowDays);
// A seller is not paid for a sale while a return of one of its lines is still open: the refund may follow.
registerSaleBlock(
  () => `exists (select 1 from order_lines ol join return_lines rl on rl.order_line_id = ol.id join returns r on r.id = rl.return_id
     where ol.vendor_order_id = l.vendor_order_id and r.status in ('requested', 'approved', 'in_transit', 'received'))`,
);

/** The store's return rules (defaults for anything never set), memoised 60 s per isolate: product pages read the window. */
export function returnSettings(env: Env): Promise<ReturnSettings> {
  return cache.get("returns", 60_000, async () => {
    const rows = await getDb(env.DB).select().from(settingsTable);
    const out = { ...DEFAULT_RETURN_SETTINGS } as Record<string, unknown>;
    for (const row of rows) if ((KEYS as string[]).includes(row.key)) out[row.key] = JSON.parse(row.value);
    return out as ReturnSettings;
  });
}

/**
 * Changes some return rules (audited, one batch). Product ids and category ids must exist. The window
 * shows on product pages, so cached pages are purged everywhere.
 */
export async function updateReturnSettings(env: Env, actor: AuditActor, body: ReturnSettingsBody): Promise<ReturnSettings> {
  const before = await returnSettings(env);
  const after: ReturnSettings = { ...before, ...body };
  after.restockingFeePercent = Math.round(after.restockingFeePercent * 100) / 100;
  after.reasons = [...new Set(after.reasons.map((r) => r.trim()))];
  const check = async (table: "products" | "categories", ids: string[], path: string) => {
    if (!ids.length) return;
    const found = await env.DB.prepare(`select id from ${table} where id in (${ids.map(() => "?").join(",")})`)
      .bind(...ids)
      .all<{ id: string }>();
    const known = new Set(found.results.map((r) => r.id));
    const missing = ids.findIndex((id) => !known.has(id));
    if (missing >= 0)
      throw new AppError("returns.invalid_settings", 400, `No such ${table === "products" ? "product" : "category"}: ${ids[missing]}.`, [
        { path: `${path}.${missing}`, message: "Not found" },
      ]);
  };
  await check("products", body.nonReturnableProductIds ?? [], "nonReturnableProductIds");
  await check("categories", body.nonReturnableCategoryIds ?? [], "nonReturnableCategoryIds");
  const changed = KEYS.filter((k) => k in body);
  const db = getDb(env.DB);
  await commitSettingsChange(
    env,
    actor,
    {
      action: "settings.returns",
      entityType: "return_settings",
      entityId: "returns",
      before: Object.fromEntries(changed.map((k) => [k, before[k]])),
      after: Object.fromEntries(changed.map((k) => [k, after[k]])),
    },
    changed.map((key) => {
      const value = JSON.stringify(after[key]);
      return db
        .insert(settingsTable)
        .values({ key, value, updatedBy: actor.actorId })
        .onConflictDoUpdate({ target: settingsTable.key, set: { value, updatedBy: actor.actorId, updatedAt: new Date().toISOString() } });
    }),
    { forget: purgeReturnSettingsCache, pagesChange: true },
  );
  return after;
}
