// The SLA timer the cron runs over every ticket.
import { changesOf, runBatch } from "../../lib/d1-batch";

/**
 * The SLA timer, run by the cron: stamps the breach time on every ticket whose first response or resolution is
 * past due and records it in the ticket's history once. Running it again changes nothing.
 */
export async function markSlaBreaches(env: Env, now = new Date()): Promise<number> {
  const iso = now.toISOString();
  const stamp = (kind: "first_response" | "resolution") => {
    const [due, done, breached] =
      kind === "first_response"
        ? ["first_response_due_at", "first_responded_at", "first_response_breached_at"]
        : ["resolution_due_at", "resolved_at", "resolution_breached_at"];
    return [
      env.DB.prepare(
        `INSERT INTO support_events (id, ticket_id, kind, actor_type, actor_id, actor_label, data, created_at)
         SELECT 'sev_' || lower(hex(randomblob(16))), id, 'sla_breached', 'system', NULL, 'SLA timer', json_object('target', ?1, 'dueAt', ${due}), ?2
         FROM support_tickets WHERE ${breached} IS NULL AND ${done} IS NULL AND ${due} < ?2 AND merged_into_id IS NULL`,
      ).bind(kind, iso),
      env.DB.prepare(
        `UPDATE support_tickets SET ${breached} = ?1 WHERE ${breached} IS NULL AND ${done} IS NULL AND ${due} < ?1 AND merged_into_id IS NULL`,
      ).bind(iso),
    ];
  };
  const results = await runBatch(env.DB, [...stamp("first_response"), ...stamp("resolution")]);
  return changesOf(results[1]) + changesOf(results[3]);
}
