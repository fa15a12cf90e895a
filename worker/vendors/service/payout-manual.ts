import type { AuditActor } from "../../lib/audit";
import { changesOf, runBatch } from "../../lib/d1-batch";
import { AppError } from "../../lib/errors";
import { newId } from "../../lib/ids";
import type { PayoutView } from "../schema";
import { failStatements, payoutById, payoutRow } from "./payouts";

// Manual payouts (bank transfers staff make by hand): staff record each as paid or failed.

function auditGuarded(env: Env, actor: AuditActor, action: string, id: string, after: unknown) {
  return env.DB.prepare(
    `insert into audit_log (id, actor_id, actor_email, action, entity_type, entity_id, before, after, request_id)
     select ?, ?, ?, ?, 'payout', ?, '{"status":"pending"}', ?, ? where changes() = 1`,
  ).bind(newId("aud"), actor.actorId, actor.actorEmail, action, id, JSON.stringify(after), actor.requestId);
}

/**
 * Staff record that a manual payout was sent (a bank transfer) with its reference. Only a pending manual payout
 * moves, and its audit row commits only with the change: of two clicks at once one wins, the other gets 409.
 */
export async function markPayoutPaid(env: Env, actor: AuditActor, id: string, reference: string): Promise<PayoutView> {
  const row = await payoutRow(env, id);
  if (!row) throw new AppError("vendors.payout_not_found", 404, "No such payout.");
  if (row.provider !== "manual") throw new AppError("vendors.payout_not_manual", 409, "Stripe Connect payouts are settled by their transfer.");
  const at = new Date().toISOString();
  const [update] = await runBatch(env.DB, [
    env.DB.prepare(
      "update payouts set status = 'paid', provider_reference = ?1, paid_at = ?2, updated_at = ?2 where id = ?3 and status = 'pending' and provider = 'manual'",
    ).bind(reference, at, id),
    auditGuarded(env, actor, "payout.paid", id, { status: "paid", reference }),
  ]);
  if (changesOf(update) !== 1) throw new AppError("vendors.payout_not_pending", 409, `This payout is ${row.status} already.`);
  return payoutById(env, id);
}

/**
 * Staff cancel a pending manual payout (the bank transfer was never made or bounced): it becomes `failed` and
 * the amount goes back to the vendor's balance, for the next run.
 */
export async function markPayoutFailed(env: Env, actor: AuditActor, id: string, reason: string): Promise<PayoutView> {
  const row = await payoutRow(env, id);
  if (!row) throw new AppError("vendors.payout_not_found", 404, "No such payout.");
  if (row.provider !== "manual") throw new AppError("vendors.payout_not_manual", 409, "Stripe Connect payouts are settled by their transfer.");
  const [update] = await runBatch(env.DB, [
    ...failStatements(env, row, reason, new Date().toISOString()),
    auditGuarded(env, actor, "payout.failed", id, { status: "failed", reason }),
  ]);
  if (changesOf(update) !== 1) throw new AppError("vendors.payout_not_pending", 409, `This payout is ${row.status} already.`);
  return payoutById(env, id);
}
