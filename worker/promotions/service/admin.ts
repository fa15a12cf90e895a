import { desc, eq, sql } from "drizzle-orm";
import { getDb } from "../../db/client";
import { type AuditActor, auditStatement } from "../../lib/audit";
import { runBatch } from "../../lib/d1-batch";
import { AppError, type FieldError } from "../../lib/errors";
import { newId } from "../../lib/ids";
import type { PromotionBody, PromotionPatch, PromotionView } from "../schema";
import { promotionRedemptions, promotions } from "../tables";
import type { PromotionRow } from "./evaluate";

const ms = (iso: string | null | undefined) => (iso ? Date.parse(iso) : null);
const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

function stateOf(row: PromotionRow, now: number): PromotionView["state"] {
  if (row.status === "paused") return "paused";
  if (row.endsAt !== null && now >= row.endsAt) return "ended";
  if (row.startsAt !== null && now < row.startsAt) return "scheduled";
  return "active";
}

type Usage = { reserved: number; committed: number; discounted: number; revenue: number };

function view(row: PromotionRow, usage: Usage, currency: string, now = Date.now()): PromotionView {
  const m = (amount: number) => ({ amount, currency });
  return {
    id: row.id,
    name: row.name,
    code: row.code,
    automatic: row.code === null,
    kind: row.kind,
    value: row.value,
    buyQuantity: row.buyQuantity,
    getQuantity: row.getQuantity,
    conditions: JSON.parse(row.conditions),
    combinable: row.combinable === 1,
    status: row.status,
    state: stateOf(row, now),
    startsAt: iso(row.startsAt),
    endsAt: iso(row.endsAt),
    usageLimit: row.usageLimit,
    perCustomerLimit: row.perCustomerLimit,
    usage: { reserved: usage.reserved, committed: usage.committed, discounted: m(usage.discounted), revenue: m(usage.revenue) },
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/** Usage and revenue per promotion, from the record of uses (reserved = waiting for payment; committed = paid). */
async function usageOf(env: Env, ids: string[]): Promise<Map<string, Usage>> {
  const out = new Map<string, Usage>(ids.map((id) => [id, { reserved: 0, committed: 0, discounted: 0, revenue: 0 }]));
  if (!ids.length) return out;
  const rows = await getDb(env.DB)
    .select({
      promotionId: promotionRedemptions.promotionId,
      reserved: sql<number>`sum(case when ${promotionRedemptions.status} = 'reserved' then 1 else 0 end)`,
      committed: sql<number>`sum(case when ${promotionRedemptions.status} = 'committed' then 1 else 0 end)`,
      discounted: sql<number>`sum(case when ${promotionRedemptions.status} = 'committed' then ${promotionRedemptions.amount} + ${promotionRedemptions.shippingAmount} else 0 end)`,
      revenue: sql<number>`sum(case when ${promotionRedemptions.status} = 'committed' then ${promotionRedemptions.orderTotal} else 0 end)`,
    })
    .from(promotionRedemptions)
    .groupBy(promotionRedemptions.promotionId);
  for (const r of rows)
    if (out.has(r.promotionId))
      out.set(r.promotionId, { reserved: r.reserved ?? 0, committed: r.committed ?? 0, discounted: r.discounted ?? 0, revenue: r.revenue ?? 0 });
  return out;
}

/** Every promotion, newest first, with its usage and revenue. */
export async function listPromotions(env: Env): Promise<{ items: PromotionView[]; total: number }> {
  const rows = await getDb(env.DB).select().from(promotions).orderBy(desc(promotions.createdAt));
  const usage = await usageOf(
    env,
    rows.map((r) => r.id),
  );
  return { items: rows.map((r) => view(r, usage.get(r.id) as Usage, env.BASE_CURRENCY)), total: rows.length };
}

async function rowOf(env: Env, id: string): Promise<PromotionRow> {
  const row = await getDb(env.DB).select().from(promotions).where(eq(promotions.id, id)).get();
  if (!row) throw new AppError("promotions.not_found", 404, "No such promotion.");
  return row;
}

/** One promotion with its usage and revenue, or 404. */
export async function getPromotion(env: Env, id: string): Promise<PromotionView> {
  const row = await rowOf(env, id);
  return view(row, (await usageOf(env, [id])).get(id) as Usage, env.BASE_CURRENCY);
}

type Fields = Omit<typeof promotions.$inferInsert, "id" | "createdAt" | "updatedAt">;

/** Rules a promotion must keep that one field alone cannot say (each problem names its field). */
function check(f: Fields): void {
  const errors: FieldError[] = [];
  if (f.kind === "percentage" && !(f.value && f.value > 0 && f.value <= 10000)) errors.push({ path: "value", message: "Between 1 and 10000 basis points" });
  if (f.kind === "fixed" && !(f.value && f.value > 0)) errors.push({ path: "value", message: "More than 0" });
  if (f.kind === "buy_x_get_y") {
    if (!f.buyQuantity || f.buyQuantity < 1) errors.push({ path: "buyQuantity", message: "At least 1" });
    if (!f.getQuantity || f.getQuantity < 1) errors.push({ path: "getQuantity", message: "At least 1" });
    if (!(f.value && f.value > 0 && f.value <= 10000)) errors.push({ path: "value", message: "Between 1 and 10000 basis points (10000 = free)" });
  }
  if (f.startsAt != null && f.endsAt != null && f.endsAt <= f.startsAt) errors.push({ path: "endsAt", message: "Must be after startsAt" });
  if (errors.length) throw new AppError("promotions.invalid", 400, errors[0]?.message ?? "Invalid promotion", errors);
}

function fieldsOf(body: PromotionBody): Fields {
  return {
    name: body.name,
    code: body.code ?? null,
    kind: body.kind,
    value: body.value,
    buyQuantity: body.buyQuantity,
    getQuantity: body.getQuantity,
    conditions: JSON.stringify(body.conditions),
    combinable: body.combinable ? 1 : 0,
    status: body.status,
    startsAt: ms(body.startsAt),
    endsAt: ms(body.endsAt),
    usageLimit: body.usageLimit ?? null,
    perCustomerLimit: body.perCustomerLimit ?? null,
  };
}

async function assertCodeFree(env: Env, code: string | null | undefined, exceptId?: string): Promise<void> {
  if (!code) return;
  const other = await getDb(env.DB).select({ id: promotions.id }).from(promotions).where(eq(promotions.code, code)).get();
  if (other && other.id !== exceptId)
    throw new AppError("promotions.code_taken", 409, "Another promotion already uses this code.", [{ path: "code", message: "Taken" }]);
}

/** Creates a promotion (audited). 409 when its code is taken. */
export async function createPromotion(env: Env, actor: AuditActor, body: PromotionBody): Promise<PromotionView> {
  const fields = fieldsOf(body);
  check(fields);
  await assertCodeFree(env, fields.code);
  const id = newId("prm");
  await runBatch(env.DB, [
    getDb(env.DB)
      .insert(promotions)
      .values({ id, ...fields }),
    auditStatement(env.DB, actor, { action: "promotion.create", entityType: "promotion", entityId: id, after: fields }),
  ]);
  return getPromotion(env, id);
}

/** Changes a promotion (edit, pause/resume, reschedule); audited with before and after. */
export async function updatePromotion(env: Env, actor: AuditActor, id: string, patch: PromotionPatch): Promise<PromotionView> {
  const row = await rowOf(env, id);
  const { id: _id, createdAt: _c, updatedAt: _u, ...before } = row;
  const next: Fields = { ...before };
  if (patch.name !== undefined) next.name = patch.name;
  if (patch.code !== undefined) next.code = patch.code;
  if (patch.kind !== undefined) next.kind = patch.kind;
  if (patch.value !== undefined) next.value = patch.value;
  if (patch.buyQuantity !== undefined) next.buyQuantity = patch.buyQuantity;
  if (patch.getQuantity !== undefined) next.getQuantity = patch.getQuantity;
  if (patch.conditions !== undefined) next.conditions = JSON.stringify(patch.conditions);
  if (patch.combinable !== undefined) next.combinable = patch.combinable ? 1 : 0;
  if (patch.status !== undefined) next.status = patch.status;
  if (patch.startsAt !== undefined) next.startsAt = ms(patch.startsAt);
  if (patch.endsAt !== undefined) next.endsAt = ms(patch.endsAt);
  if (patch.usageLimit !== undefined) next.usageLimit = patch.usageLimit;
  if (patch.perCustomerLimit !== undefined) next.perCustomerLimit = patch.perCustomerLimit;
  check(next);
  await assertCodeFree(env, next.code, id);
  await runBatch(env.DB, [
    getDb(env.DB)
      .update(promotions)
      .set({ ...next, updatedAt: new Date().toISOString() })
      .where(eq(promotions.id, id)),
    auditStatement(env.DB, actor, { action: "promotion.update", entityType: "promotion", entityId: id, before, after: next }),
  ]);
  return getPromotion(env, id);
}

/**
 * Copies a promotion as a new, paused one (its code gets a "-COPY" suffix,
 * and a number when that is taken), so staff can adjust it before it runs.
 */
export async function duplicatePromotion(env: Env, actor: AuditActor, id: string): Promise<PromotionView> {
  const row = await rowOf(env, id);
  const { id: _id, createdAt: _c, updatedAt: _u, ...fields } = row;
  let code: string | null = null;
  if (row.code) {
    for (let n = 1; n < 100 && !code; n++) {
      const candidate = `${row.code.slice(0, 24)}-COPY${n > 1 ? n : ""}`;
      const taken = await getDb(env.DB).select({ id: promotions.id }).from(promotions).where(eq(promotions.code, candidate)).get();
      if (!taken) code = candidate;
    }
  }
  const copy: Fields = { ...fields, name: `${row.name} (copy)`.slice(0, 120), code, status: "paused" };
  const newIdValue = newId("prm");
  await runBatch(env.DB, [
    getDb(env.DB)
      .insert(promotions)
      .values({ id: newIdValue, ...copy }),
    auditStatement(env.DB, actor, { action: "promotion.duplicate", entityType: "promotion", entityId: newIdValue, before: { from: id }, after: copy }),
  ]);
  return getPromotion(env, newIdValue);
}
