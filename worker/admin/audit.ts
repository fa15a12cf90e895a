import type { Context } from "hono";
import { getDb } from "../db/client";
import type { AppEnv } from "../lib/context";
import { newId } from "../lib/ids";
import { auditLog } from "./tables";

export interface AuditEntry {
  /** Dotted verb: "product.create", "order.ship", "user.role", "settings.exchange_rate"... */
  action: string;
  entityType: string;
  entityId: string;
  before?: unknown;
  after?: unknown;
}

export interface AuditActor {
  actorId: string;
  actorEmail: string;
  requestId?: string | null;
}

const json = (v: unknown) => (v === undefined ? null : JSON.stringify(v));

/**
 * The INSERT that records one admin write, for the caller's `db.batch()` so
 * the change and its audit row commit together (or not at all).
 */
export function auditStatement(d1: D1Database, actor: AuditActor, entry: AuditEntry) {
  return getDb(d1)
    .insert(auditLog)
    .values({
      id: newId("aud"),
      actorId: actor.actorId,
      actorEmail: actor.actorEmail,
      action: entry.action,
      entityType: entry.entityType,
      entityId: entry.entityId,
      before: json(entry.before),
      after: json(entry.after),
      requestId: actor.requestId ?? null,
    });
}

/** Records one admin write on its own (when the write itself is not a D1 batch, e.g. a Durable Object call). */
export async function recordAudit(d1: D1Database, actor: AuditActor, entry: AuditEntry): Promise<void> {
  await auditStatement(d1, actor, entry).run();
}

/** The signed-in staff member behind a request, as an audit actor. */
export function auditActor(c: Context<AppEnv>): AuditActor {
  const auth = c.get("auth");
  if (!auth) throw new Error("auditActor needs an authenticated request");
  return { actorId: auth.user.id, actorEmail: auth.user.email, requestId: c.get("requestId") };
}
