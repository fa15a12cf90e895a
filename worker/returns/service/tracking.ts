import { eq } from "drizzle-orm";
import { getDb } from "../../db/client";
import { runBatch } from "../../lib/d1-batch";
import { actors, carrierName, getOrder, registerUnmatchedTracking, type TrackingUpdate } from "../../orders";
import { returns } from "../tables";
import { carrierAuditActor, linesOfReturns, moveStatements, returnPath, sendReturnEmail } from "./shared";

/** "Royal Mail", "royal-mail" → "royal_mail": how a return stores its carrier, to match webhook events. */
export function carrierKey(input: string): string {
  return (
    input
      .trim()
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "_")
      .replace(/^_+|_+$/g, "") || "other"
  );
}

/**
 * A carrier event for a tracking number that is on no parcel: if it is a return's, the return moves
 * the way a parcel does (in transit, then received when delivered back to the store), never
 * backwards. The status change is guarded by the status read, so a duplicate or concurrent delivery
 * of the same event changes nothing the second time and emails once.
 */
export async function applyReturnTracking(env: Env, update: TrackingUpdate, origin: string) {
  const candidates = await getDb(env.DB).select().from(returns).where(eq(returns.trackingNumber, update.trackingNumber)).limit(5);
  const named = update.carrier ? carrierKey(update.carrier) : update.source !== "generic" && update.source !== "easypost" ? update.source : null;
  const ret = candidates.find((r) => !named || carrierKey(r.carrier ?? "") === named) ?? (candidates.length === 1 ? candidates[0] : undefined);
  if (!ret) return null;
  const to = update.status === "delivered" ? "received" : update.status === "in_transit" || update.status === "out_for_delivery" ? "in_transit" : null;
  if (!to) return "ignored" as const;
  if (ret.status === to || !returnPath(ret.status, to)) return "stale" as const;
  const order = await getOrder(env, ret.orderId);
  const who = actors.carrier(ret.carrier ?? update.source);
  const name = carrierName(ret.carrier ?? update.source);
  const note = to === "received" ? `Return ${ret.number} delivered back to the store (${name}).` : `Return ${ret.number} is on its way back (${name}).`;
  const [moved] = await runBatch(
    env.DB,
    moveStatements(
      env,
      ret,
      order,
      to,
      { actor: who, audit: carrierAuditActor(ret.carrier ?? update.source) },
      note,
      to === "received" ? { receivedAt: update.occurredAt } : {},
    ),
  );
  if (!moved?.meta.changes) return "duplicate" as const;
  const lines = await linesOfReturns(env, [ret.id]);
  await sendReturnEmail(env, origin, order, { ...ret, status: to }, lines, to, { trackingNumber: ret.trackingNumber });
  return "applied" as const;
}

registerUnmatchedTracking(applyReturnTracking);
