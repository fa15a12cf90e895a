import { minorUnitDigits } from "../../lib/money";
import { newId } from "../../lib/ids";
import type { LoyaltyEntrySchema, LoyaltySettingsSchema, LoyaltySummary, LoyaltyTier } from "../schema";
import type { LoyaltyBucket, LoyaltyEntryKind } from "../tables";
import { expiryOf, loyaltySettings, sortedTiers } from "./settings";

export const DAY_MS = 86_400_000;
const YEAR_MS = 365 * DAY_MS;

export interface NewEntry {
  userId: string;
  kind: LoyaltyEntryKind;
  bucket: LoyaltyBucket;
  points: number;
  key: string;
  orderId?: string | null;
  rule?: unknown;
  spend?: number;
  currency?: string | null;
  reason?: string | null;
  actorId?: string | null;
  at?: number;
}

const COLUMNS = "id, user_id, kind, bucket, points, order_id, key, rule, spend, currency, reason, actor_id, created_at";

function values(e: NewEntry): unknown[] {
  return [
    newId("lpe"),
    e.userId,
    e.kind,
    e.bucket,
    e.points,
    e.orderId ?? null,
    e.key,
    e.rule === undefined ? null : JSON.stringify(e.rule),
    e.spend ?? 0,
    e.currency ?? null,
    e.reason ?? null,
    e.actorId ?? null,
    e.at ?? Date.now(),
  ];
}

/** One ledger row; its key makes a replay a no-op. */
export function entryStatement(d1: D1Database, e: NewEntry): D1PreparedStatement {
  return d1.prepare(`insert into loyalty_entries (${COLUMNS}) values (?,?,?,?,?,?,?,?,?,?,?,?,?) on conflict(key) do nothing`).bind(...values(e));
}

/** One ledger row written only if the statement before it in the batch changed exactly one row. */
export function guardedEntryStatement(d1: D1Database, e: NewEntry): D1PreparedStatement {
  return d1
    .prepare(`insert into loyalty_entries (${COLUMNS}) select ?,?,?,?,?,?,?,?,?,?,?,?,? where changes() = 1 on conflict(key) do nothing`)
    .bind(...values(e));
}

/**
 * A debit of available points that is written only when the user's available
 * balance covers it, decided inside one statement: D1 runs statements one at a
 * time, so two debits racing for the same points cannot both see them.
 */
export function guardedDebitStatement(d1: D1Database, e: NewEntry): D1PreparedStatement {
  return d1
    .prepare(
      `insert into loyalty_entries (${COLUMNS}) select ?,?,?,?,?,?,?,?,?,?,?,?,? ` +
        "where (select coalesce(sum(points), 0) from loyalty_entries where user_id = ? and bucket = 'available') >= ? on conflict(key) do nothing",
    )
    .bind(...values(e), e.userId, -e.points);
}

export interface Balance {
  available: number;
  pending: number;
}

/** A user's balances: sums over the ledger. */
export async function balanceOf(env: Env, userId: string): Promise<Balance> {
  const rows = await env.DB.prepare("select bucket, coalesce(sum(points), 0) as points from loyalty_entries where user_id = ? group by bucket")
    .bind(userId)
    .all<{ bucket: LoyaltyBucket; points: number }>();
  const of = (b: LoyaltyBucket) => rows.results.find((r) => r.bucket === b)?.points ?? 0;
  return { available: of("available"), pending: of("pending") };
}

/** What the user paid over the last twelve months, net of reversals (minor units). */
export async function spendOf(env: Env, userId: string, now = Date.now()): Promise<number> {
  const row = await env.DB.prepare("select coalesce(sum(spend), 0) as spend from loyalty_entries where user_id = ? and created_at >= ?")
    .bind(userId, now - YEAR_MS)
    .first<{ spend: number }>();
  return row?.spend ?? 0;
}

/** The tier a twelve-month spend reaches, and the next one up. */
export function tierFor(settings: LoyaltySettingsSchema, spend: number): { tier: LoyaltyTier; next: LoyaltyTier | null } {
  const tiers = sortedTiers(settings.tiers);
  let at = 0;
  tiers.forEach((t, i) => {
    if (spend >= t.minSpend) at = i;
  });
  return { tier: tiers[at] as LoyaltyTier, next: tiers[at + 1] ?? null };
}

/**
 * Points for an amount paid: whole currency units × points per unit × the
 * tier's multiplier, rounded down, computed in integers so the same inputs
 * always give the same points.
 */
export function pointsForSpend(net: number, currency: string, pointsPerUnit: number, multiplierPermille: number): number {
  if (net <= 0) return 0;
  const unit = 10 ** minorUnitDigits(currency);
  return Math.floor((net * pointsPerUnit * multiplierPermille) / (1000 * unit));
}

/** The most recent movement of a user, which restarts the inactivity clock. */
export async function lastActivityOf(env: Env, userId: string): Promise<number | null> {
  const row = await env.DB.prepare("select max(created_at) as at from loyalty_entries where user_id = ? and kind != 'expire'")
    .bind(userId)
    .first<{ at: number | null }>();
  return row?.at ?? null;
}

/**
 * Balance, tier and the latest movements of a user: what `GET /api/loyalty`
 * and the account page show.
 */
export async function loyaltySummary(env: Env, userId: string, now = Date.now()): Promise<LoyaltySummary> {
  const settings = await loyaltySettings(env);
  const currency = env.BASE_CURRENCY;
  const [balance, spend, last, rows] = await Promise.all([
    balanceOf(env, userId),
    spendOf(env, userId, now),
    lastActivityOf(env, userId),
    env.DB.prepare(
      "select id, kind, bucket, points, order_id, reason, created_at from loyalty_entries where user_id = ? and not (kind = 'mature' and bucket = 'pending') and points != 0 order by created_at desc, rowid desc limit 50",
    )
      .bind(userId)
      .all<{
        id: string;
        kind: LoyaltyEntrySchema["kind"];
        bucket: LoyaltyBucket;
        points: number;
        order_id: string | null;
        reason: string | null;
        created_at: number;
      }>(),
  ]);
  const { tier, next } = tierFor(settings, spend);
  return {
    enabled: settings.enabled,
    available: balance.available,
    owed: Math.max(0, -balance.available),
    pending: balance.pending,
    availableValue: { amount: Math.max(0, balance.available) * settings.pointValue, currency },
    tier: { name: tier.name, multiplierPermille: tier.multiplierPermille },
    nextTier: next ? { name: next.name, spendToGo: { amount: next.minSpend - spend, currency } } : null,
    spend12Months: { amount: spend, currency },
    redeem: {
      pointValue: settings.pointValue,
      minPoints: settings.minRedeemPoints,
      maxPoints: settings.maxRedeemPoints,
      maxPercent: settings.maxRedeemPercent,
    },
    expiresAt: (() => {
      const at = last !== null && balance.available > 0 ? expiryOf(settings, last) : null;
      return at === null ? null : new Date(at).toISOString();
    })(),
    statement: rows.results.map((r) => ({
      id: r.id,
      kind: r.kind,
      bucket: r.bucket,
      points: r.points,
      orderId: r.order_id,
      reason: r.reason,
      at: new Date(r.created_at).toISOString(),
    })),
  };
}
