import { lt, sql } from "drizzle-orm";
import { getDb } from "../db/client";
import type { AnalyticsMessage, RecordEventBody } from "./schema";
import { analyticsEvents } from "./tables";

/** Hands an event to ANALYTICS_QUEUE; the request never waits on D1 for analytics. */
export async function recordEvent(env: Env, event: RecordEventBody, now = new Date()): Promise<void> {
  const message: AnalyticsMessage = { type: event.type, subjectId: event.subjectId ?? null, occurredAt: now.toISOString() };
  await env.ANALYTICS_QUEUE.send(message, { contentType: "json" });
}

/**
 * Stores delivered events keyed by queue message id: a redelivered message
 * is ignored, never counted twice.
 */
export async function storeEvents(env: Env, events: { id: string; body: AnalyticsMessage }[]): Promise<void> {
  if (!events.length) return;
  const db = getDb(env.DB);
  // 5 columns per row and at most 100 bound parameters per D1 statement.
  const statements = [];
  for (let i = 0; i < events.length; i += 20) {
    const rows = events.slice(i, i + 20).map((e) => ({ id: e.id, type: e.body.type, subjectId: e.body.subjectId, occurredAt: e.body.occurredAt, count: 1 }));
    statements.push(db.insert(analyticsEvents).values(rows).onConflictDoNothing());
  }
  await db.batch(statements as [(typeof statements)[number], ...typeof statements]);
}

/** Deletes events older than `days`; returns how many went. */
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
