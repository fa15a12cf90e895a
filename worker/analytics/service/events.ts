import { lt, sql } from "drizzle-orm";
import { getDb } from "../../db/client";
import { AppError } from "../../lib/errors";
import { countryOf, deviceOf, isBot, normalizeSearch } from "../edge";
import type { AnalyticsEventInput, AnalyticsMessage, RecordEventBody } from "../schema";
import { analyticsEvents } from "../tables";

/** Event batches one client may send per minute; a page sends one or two. */
export const EVENT_RATE_LIMIT = { limit: 60, windowSeconds: 60 } as const;

/** What the front door knows about the sender; none of it is stored as such. */
export interface EventSender {
  userAgent: string | null;
  /** `Sec-GPC: 1`: the browser asks not to be tracked. */
  globalPrivacyControl: boolean;
  /** The edge's verdict that this is a known good bot (Cloudflare bot management), when present. */
  verifiedBot?: boolean;
  country?: unknown;
  /** The key the rate limit counts under (the client address); never stored. */
  clientKey: string | null;
}

/** Why a batch was not queued, for logs and tests; callers answer 202 either way. */
export type RecordOutcome = { queued: number } | { queued: 0; dropped: "bot" | "gpc" };

/**
 * Hands the events of one request to ANALYTICS_QUEUE, one message per event, stamped with the edge's time,
 * the device class and country; the request never waits on D1 for analytics. Bots and browsers sending
 * Global Privacy Control are dropped without a trace. Throws 429 once the client is over its rate limit
 * (counted atomically in the RateLimiter object, so parallel posts cannot all pass).
 */
export async function recordEvent(env: Env, body: RecordEventBody, sender?: EventSender, now = new Date()): Promise<RecordOutcome> {
  if (sender?.globalPrivacyControl) return { queued: 0, dropped: "gpc" };
  if (sender && isBot(sender.userAgent, sender.verifiedBot)) return { queued: 0, dropped: "bot" };
  if (sender?.clientKey) {
    const result = await env.RATE_LIMITER.getByName(`analytics:${sender.clientKey}`).hit(EVENT_RATE_LIMIT.limit, EVENT_RATE_LIMIT.windowSeconds);
    if (!result.allowed)
      throw new AppError("analytics.rate_limited", 429, "Too many events in a short time.", [], { "Retry-After": String(result.retryAfterSeconds) });
  }
  const events: AnalyticsEventInput[] = body.events ?? (body.type ? [{ type: body.type, subjectId: body.subjectId, resultCount: body.resultCount }] : []);
  const device = sender ? deviceOf(sender.userAgent) : null;
  const country = countryOf(sender?.country);
  const occurredAt = now.toISOString();
  const messages = events.map((e) => {
    const subject = e.subjectId === undefined ? null : e.type === "search_performed" ? normalizeSearch(e.subjectId) : e.subjectId;
    const message: AnalyticsMessage = {
      type: e.type,
      subjectId: subject,
      occurredAt,
      sessionId: body.sessionId ?? null,
      device,
      country,
      resultCount: e.type === "search_performed" ? (e.resultCount ?? null) : null,
    };
    return { body: message, contentType: "json" as const };
  });
  if (messages.length) await env.ANALYTICS_QUEUE.sendBatch(messages);
  return { queued: messages.length };
}

/**
 * Stores delivered events keyed by queue message id: a redelivered message
 * is ignored, never counted twice.
 */
export async function storeEvents(env: Env, events: { id: string; body: AnalyticsMessage }[]): Promise<void> {
  if (!events.length) return;
  const db = getDb(env.DB);
  // 9 columns per row and at most 100 bound parameters per D1 statement.
  const statements = [];
  for (let i = 0; i < events.length; i += 10) {
    const rows = events.slice(i, i + 10).map((e) => ({
      id: e.id,
      type: e.body.type,
      subjectId: e.body.subjectId,
      occurredAt: e.body.occurredAt,
      count: 1,
      sessionId: e.body.sessionId ?? null,
      device: e.body.device ?? null,
      country: e.body.country ?? null,
      resultCount: e.body.resultCount ?? null,
    }));
    statements.push(db.insert(analyticsEvents).values(rows).onConflictDoNothing());
  }
  await db.batch(statements as [(typeof statements)[number], ...typeof statements]);
}

/** Deletes events older than `days`; returns how many went. Rollups of those days stay. */
export async function pruneAnalyticsEvents(env: Env, days: number): Promise<number> {
  const cutoff = new Date(Date.now() - days * 86_400_000).toISOString();
  const result = await getDb(env.DB).delete(analyticsEvents).where(lt(analyticsEvents.occurredAt, cutoff)).run();
  return result.meta.changes ?? 0;
}

/** Views per subject for one event type, most viewed first. */
export async function countEventsBySubject(env: Env, type: AnalyticsMessage["type"], limit = 20) {
  return getDb(env.DB)
    .select({ subjectId: analyticsEvents.subjectId, count: sql<number>`sum(${analyticsEvents.count})` })
    .from(analyticsEvents)
    .where(sql`${analyticsEvents.type} = ${type}`)
    .groupBy(analyticsEvents.subjectId)
    .orderBy(sql`2 desc`)
    .limit(limit);
}
