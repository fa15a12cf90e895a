import type { Context } from "hono";
import { getDb } from "../db/client";
import { auditLog } from "../db/tables";
import type { AppEnv, Principal } from "./context";
import { newId } from "./ids";

export interface AuditEntry {
  /** Dotted verb: "product.create", "order.ship", "user.role", "settings.exchange_rate"... */
  action: string;
  entityType: string;
  entityId: string;
  before?: unknown;
  after?: unknown;
}

/** Who made a staff write, and in which request (the id the answer carries as `X-Request-Id`). */
export interface AuditActor {
  actorId: string;
  actorEmail: string;
  requestId: string | null;
}

/**
 * The one way to build an actor: from the principal and the request id the front door assigned.
 * API handlers use `auditActor(c)`; pages use the pages' `pageActor(Astro)`, fed the same id.
 */
export function actorFor(principal: Pick<Principal, "id" | "email">, requestId: string | null): AuditActor {
  return { actorId: principal.id, actorEmail: principal.email, requestId };
}

/** The signed-in staff member behind an API request, as an audit actor. */
export function auditActor(c: Context<AppEnv>): AuditActor {
  const auth = c.get("auth");
  if (!auth) throw new Error("auditActor needs an authenticated request");
  return actorFor(auth.principal, c.get("requestId") ?? null);
}

const json = (v: unknown) => (v === undefined ? null : JSON.stringify(v));

/**
 * The INSERT that records one staff write, for the caller's `db.batch()` so
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
      requestId: actor.requestId,
    });
}

/** Records one staff write on its own (when the write itself is not a D1 batch, e.g. a Durable Object call). */
export async function recordAudit(d1: D1Database, actor: AuditActor, entry: AuditEntry): Promise<void> {
  await auditStatement(d1, actor, entry).run();
}

/**
 * The audit INSERT of a conditional write, for a batch: written only when the statement just before it in
 * the batch changed exactly one row (`changes() = 1`), so a write that lost a race leaves no audit entry.
 * audit_log refuses updates and deletes, so the condition has to sit in the insert itself.
 */
export function auditStatementIfChanged(d1: D1Database, actor: AuditActor, entry: AuditEntry): D1PreparedStatement {
  return d1
    .prepare(
      `INSERT INTO audit_log (id, actor_id, actor_email, action, entity_type, entity_id, before, after, request_id)
       SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9 WHERE changes() = 1`,
    )
    .bind(
      newId("aud"),
      actor.actorId,
      actor.actorEmail,
      entry.action,
      entry.entityType,
      entry.entityId,
      json(entry.before),
      json(entry.after),
      actor.requestId,
    );
}
