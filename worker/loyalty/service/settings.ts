import { eq } from "drizzle-orm";
import { getDb } from "../../db/client";
import type { AuditActor } from "../../lib/audit";
import { AppError } from "../../lib/errors";
import { commitSettingsChange } from "../../lib/settings-write";
import type { LoyaltySettingsBody, LoyaltySettingsSchema, LoyaltyTier } from "../schema";
import { loyaltySettings as settingsTable } from "../tables";

export const LOYALTY_DEFAULTS: LoyaltySettingsSchema = {
  enabled: true,
  pointsPerUnit: 1,
  pointValue: 1,
  minRedeemPoints: 100,
  maxRedeemPoints: 50_000,
  maxRedeemPercent: 50,
  signUpBonus: 100,
  reviewBonus: 50,
  birthdayBonus: 200,
  expiryMonths: 12,
  expiryDays: 0,
  expiryWarningDays: 30,
  tiers: [
    { name: "Member", minSpend: 0, multiplierPermille: 1000 },
    { name: "Silver", minSpend: 50_000, multiplierPermille: 1250 },
    { name: "Gold", minSpend: 150_000, multiplierPermille: 1500 },
  ],
};

const KEY = "program";
const TTL_MS = 30_000;
// A plain value shared across requests of this isolate (never a promise: see the request-isolation rule).
let cached: { at: number; value: LoyaltySettingsSchema } | null = null;

/** The program's rules (defaults for anything never set), memoised 30 s per isolate. */
export async function loyaltySettings(env: Env): Promise<LoyaltySettingsSchema> {
  if (cached && Date.now() - cached.at < TTL_MS) return cached.value;
  const row = await getDb(env.DB).select().from(settingsTable).where(eq(settingsTable.key, KEY)).get();
  const stored = row ? (JSON.parse(row.value) as Partial<LoyaltySettingsSchema>) : {};
  // Rules saved before the period could be given in months keep the days they were saved with.
  if (stored.expiryDays !== undefined && stored.expiryMonths === undefined) stored.expiryMonths = 0;
  const value = { ...LOYALTY_DEFAULTS, ...stored };
  cached = { at: Date.now(), value };
  return value;
}

/** Forgets this isolate's copy (tests and writes). */
export function forgetLoyaltySettings(): void {
  cached = null;
}

/**
 * When points whose last activity was at `last` expire, or null when they never do: `expiryMonths`
 * calendar months later (the day clamped to the month's end: 31 January + 1 month is 28 or 29
 * February), else `expiryDays` days later.
 */
export function expiryOf(s: Pick<LoyaltySettingsSchema, "expiryMonths" | "expiryDays">, last: number): number | null {
  if (s.expiryMonths > 0) {
    const d = new Date(last);
    const month = d.getUTCMonth() + s.expiryMonths;
    const lastDay = new Date(Date.UTC(d.getUTCFullYear(), month + 1, 0)).getUTCDate();
    return Date.UTC(
      d.getUTCFullYear(),
      month,
      Math.min(d.getUTCDate(), lastDay),
      d.getUTCHours(),
      d.getUTCMinutes(),
      d.getUTCSeconds(),
      d.getUTCMilliseconds(),
    );
  }
  return s.expiryDays > 0 ? last + s.expiryDays * 86_400_000 : null;
}

/** The expiry period in words, for the ledger and emails ("12 months", "90 days"). */
export function expiryPeriodText(s: Pick<LoyaltySettingsSchema, "expiryMonths" | "expiryDays">): string {
  if (s.expiryMonths > 0) return s.expiryMonths === 1 ? "1 month" : `${s.expiryMonths} months`;
  return s.expiryDays === 1 ? "1 day" : `${s.expiryDays} days`;
}

/** Tiers from the lowest threshold up; the first always starts at 0 so every member has one. */
export function sortedTiers(tiers: LoyaltyTier[]): LoyaltyTier[] {
  return [...tiers].sort((a, b) => a.minSpend - b.minSpend);
}

/**
 * Changes some of the program's rules, audited in the same batch. Refuses
 * (400, naming the field) tiers without one starting at 0 or with two at the
 * same threshold, a minimum above the maximum, an expiry period in both months
 * and days, and a warning as long as the expiry period. A period given in
 * months replaces one in days and the other way round.
 */
export async function updateLoyaltySettings(env: Env, actor: AuditActor, body: LoyaltySettingsBody): Promise<LoyaltySettingsSchema> {
  const before = await loyaltySettings(env);
  const next = { ...before, ...body };
  // One unit at a time: a period set in months replaces one in days, and the other way round.
  if (body.expiryMonths && body.expiryDays === undefined) next.expiryDays = 0;
  if (body.expiryDays && body.expiryMonths === undefined) next.expiryMonths = 0;
  const issues: { path: string; message: string }[] = [];
  const tiers = sortedTiers(next.tiers);
  if (tiers[0]?.minSpend !== 0) issues.push({ path: "tiers", message: "One tier must start at a spend of 0" });
  if (new Set(tiers.map((t) => t.minSpend)).size !== tiers.length) issues.push({ path: "tiers", message: "Two tiers start at the same spend" });
  if (next.minRedeemPoints > next.maxRedeemPoints) issues.push({ path: "minRedeemPoints", message: "Above maxRedeemPoints" });
  if (next.expiryMonths > 0 && next.expiryDays > 0) issues.push({ path: "expiryDays", message: "Give the period in months or in days, not both" });
  const shortest = next.expiryMonths > 0 ? next.expiryMonths * 28 : next.expiryDays;
  if (shortest > 0 && next.expiryWarningDays >= shortest)
    issues.push({ path: "expiryWarningDays", message: `Must be shorter than the expiry period (${shortest} days at the shortest)` });
  if (issues.length) throw new AppError("loyalty.invalid_settings", 400, "The loyalty settings are not consistent.", issues);
  next.tiers = tiers;
  const db = getDb(env.DB);
  const value = JSON.stringify(next);
  await commitSettingsChange(
    env,
    actor,
    { action: "loyalty.settings", entityType: "loyalty_settings", entityId: KEY, before, after: next },
    [
      db
        .insert(settingsTable)
        .values({ key: KEY, value })
        .onConflictDoUpdate({ target: settingsTable.key, set: { value, updatedAt: new Date().toISOString() } }),
    ],
    { forget: forgetLoyaltySettings, pagesChange: false },
  );
  return next;
}
