import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

// Tables of the shared base (worker/lib): written through lib/audit.ts and lib/idempotency.ts only.

/**
 * Every admin write: who, when, what, and the values before and after. The
 * migration adds triggers that refuse UPDATE and DELETE, so nobody (not even
 * an admin with D1 access through the Worker) can edit or remove an entry.
 */
export const auditLog = sqliteTable(
  "audit_log",
  {
    id: text("id").primaryKey(),
    actorId: text("actor_id").notNull(),
    actorEmail: text("actor_email").notNull(),
    /** Dotted verb, e.g. "product.update", "order.refund", "user.role". */
    action: text("action").notNull(),
    entityType: text("entity_type").notNull(),
    entityId: text("entity_id").notNull(),
    before: text("before"),
    after: text("after"),
    requestId: text("request_id"),
    at: text("at").notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
  },
  (t) => [
    index("audit_log_at_idx").on(t.at),
    index("audit_log_entity_idx").on(t.entityType, t.entityId, t.at),
    index("audit_log_actor_idx").on(t.actorId, t.at),
  ],
);

/**
 * Answers of retried writes, by `Idempotency-Key` and the caller's scope (cart):
 * the same key with the same body gets the stored answer; with another body, 409.
 */
export const idempotencyKeys = sqliteTable("idempotency_keys", {
  key: text("key").primaryKey(),
  requestHash: text("request_hash").notNull(),
  status: integer("status"),
  response: text("response"),
  createdAt: text("created_at").notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
});
