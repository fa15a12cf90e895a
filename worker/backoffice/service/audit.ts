import { and, desc, eq, gte, lte, or, type SQL, sql } from "drizzle-orm";
import { getDb } from "../../db/client";
import { auditLog } from "../../db/tables";
import type { JsonValue } from "../../lib/openapi";
import type { AuditPage, AuditQuery } from "../schema";

/** The stored snapshot (written as JSON by lib/audit.ts); anything unreadable is shown as the text it is. */
const parse = (v: string | null): JsonValue => {
  if (v === null) return null;
  try {
    return JSON.parse(v) as JsonValue;
  } catch {
    return v;
  }
};

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (m) => `\\${m}`);

/** The bounds of `from`/`to`: a bare date `to` covers that whole day. */
function bounds(q: Pick<AuditQuery, "from" | "to">) {
  const from = q.from ? (q.from.length === 10 ? `${q.from}T00:00:00.000Z` : q.from) : undefined;
  const to = q.to ? (q.to.length === 10 ? `${q.to}T23:59:59.999Z` : q.to) : undefined;
  return { from, to };
}

/**
 * Audit entries, newest first, filtered by actor (id or email part), action
 * (exact, or a prefix ending in "."), entity and time range. Read-only: there
 * is no way to change an entry (the table refuses UPDATE and DELETE).
 */
export async function searchAudit(env: Env, q: AuditQuery): Promise<AuditPage> {
  const db = getDb(env.DB);
  const where: SQL[] = [];
  if (q.actor) {
    const actorMatch = or(eq(auditLog.actorId, q.actor), sql`${auditLog.actorEmail} like ${`%${escapeLike(q.actor.toLowerCase())}%`} escape '\\'`);
    if (actorMatch) where.push(actorMatch);
  }
  if (q.action) where.push(q.action.endsWith(".") ? sql`${auditLog.action} like ${`${escapeLike(q.action)}%`} escape '\\'` : eq(auditLog.action, q.action));
  if (q.entityType) where.push(eq(auditLog.entityType, q.entityType));
  if (q.entityId) where.push(eq(auditLog.entityId, q.entityId));
  const { from, to } = bounds(q);
  if (from) where.push(gte(auditLog.at, from));
  if (to) where.push(lte(auditLog.at, to));
  const cond = where.length ? and(...where) : undefined;
  const [rows, [count]] = await db.batch([
    db
      .select()
      .from(auditLog)
      .where(cond)
      .orderBy(desc(auditLog.at), desc(auditLog.id))
      .limit(q.perPage)
      .offset((q.page - 1) * q.perPage),
    db.select({ n: sql<number>`count(*)` }).from(auditLog).where(cond),
  ]);
  return {
    items: rows.map((r) => ({ ...r, before: parse(r.before), after: parse(r.after) })),
    total: count?.n ?? 0,
    page: q.page,
    perPage: q.perPage,
  };
}
