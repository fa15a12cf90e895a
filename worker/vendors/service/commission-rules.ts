import type { AuditActor } from "../../lib/audit";
import { changesOf, runBatch } from "../../lib/d1-batch";
import { AppError } from "../../lib/errors";
import { newId } from "../../lib/ids";
import type { CommissionRuleBody, CommissionRuleList, CommissionRuleView, UpdateCommissionRuleBody } from "../schema";
import type { CommissionScope } from "../tables";

/** Names a catalog target (a product's or category's name) or null when it does not exist; catalog registers it. */
export type CommissionTargetLookup = (env: Env, scope: "product" | "category", ids: string[]) => Promise<Map<string, string>>;

let lookupTargets: CommissionTargetLookup | null = null;

/** Registers how catalog products and categories are named (the vendors domain comes before catalog). */
export function registerCommissionTargets(lookup: CommissionTargetLookup): void {
  lookupTargets = lookup;
}

interface RuleRow {
  id: string;
  scope: CommissionScope;
  target: string;
  kind: "percent" | "fixed";
  rateBps: number;
  fixedAmount: number;
  includeTax: number;
  includeShipping: number;
  updatedAt: string;
}

const SELECT_RULE = `select id, scope, target, kind, rate_bps as rateBps, fixed_amount as fixedAmount, include_tax as includeTax,
  include_shipping as includeShipping, updated_at as updatedAt from commission_rules`;
const RANK: Record<CommissionScope, number> = { store: 0, vendor: 1, category: 2, product: 3 };

async function namesOf(env: Env, rows: readonly RuleRow[]): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  const of = (scope: CommissionScope) => [...new Set(rows.filter((r) => r.scope === scope).map((r) => r.target))];
  const vendorIds = of("vendor");
  if (vendorIds.length) {
    const res = await env.DB.prepare(`select id, name from vendors where id in (${vendorIds.map(() => "?").join(",")})`)
      .bind(...vendorIds)
      .all<{ id: string; name: string }>();
    for (const r of res.results) names.set(`vendor:${r.id}`, r.name);
  }
  for (const scope of ["product", "category"] as const) {
    const ids = of(scope);
    if (ids.length && lookupTargets) for (const [id, name] of await lookupTargets(env, scope, ids)) names.set(`${scope}:${id}`, name);
  }
  return names;
}

const toView = (r: RuleRow, names: Map<string, string>): CommissionRuleView => ({
  id: r.id,
  scope: r.scope,
  target: r.target,
  targetName: r.scope === "store" ? "Every vendor" : (names.get(`${r.scope}:${r.target}`) ?? null),
  kind: r.kind,
  rateBps: r.rateBps,
  fixedAmount: r.fixedAmount,
  includeTax: Boolean(r.includeTax),
  includeShipping: Boolean(r.includeShipping),
  updatedAt: r.updatedAt,
});

/** Every commission rule, the store default first, then by scope (vendor, category, product). */
export async function listCommissionRules(env: Env): Promise<CommissionRuleList> {
  const rows = (await env.DB.prepare(SELECT_RULE).all<RuleRow>()).results.sort((a, b) => RANK[a.scope] - RANK[b.scope] || a.target.localeCompare(b.target));
  const names = await namesOf(env, rows);
  return { items: rows.map((r) => toView(r, names)) };
}

async function ruleRow(env: Env, id: string): Promise<RuleRow> {
  const row = await env.DB.prepare(`${SELECT_RULE} where id = ?`).bind(id).first<RuleRow>();
  if (!row) throw new AppError("vendors.commission_rule_not_found", 404, "No such commission rule.");
  return row;
}

async function ruleView(env: Env, id: string): Promise<CommissionRuleView> {
  const row = await ruleRow(env, id);
  return toView(row, await namesOf(env, [row]));
}

/** Refuses a target that does not exist (a vendor, category or product), naming the field. */
async function assertTarget(env: Env, scope: CommissionScope, target: string): Promise<void> {
  if (scope === "store") return;
  let found: boolean;
  if (scope === "vendor") found = Boolean(await env.DB.prepare("select 1 as x from vendors where id = ?").bind(target).first());
  else found = lookupTargets ? (await lookupTargets(env, scope, [target])).has(target) : true;
  if (!found) throw new AppError("vendors.commission_target_not_found", 400, `No such ${scope}.`, [{ path: "target", message: `No ${scope} has this id` }]);
}

function audit(env: Env, actor: AuditActor, action: string, id: string, before: unknown, after: unknown, guarded: boolean) {
  return env.DB.prepare(
    `insert into audit_log (id, actor_id, actor_email, action, entity_type, entity_id, before, after, request_id)
     select ?, ?, ?, ?, 'commission_rule', ?, ?, ?, ?${guarded ? " where changes() = 1" : ""}`,
  ).bind(newId("aud"), actor.actorId, actor.actorEmail, action, id, JSON.stringify(before ?? null), JSON.stringify(after ?? null), actor.requestId);
}

/**
 * Adds a rule (one per scope and target: a second one for the same target is a 409). Rules are read at
 * checkout and frozen on each order line, so a new rule changes new orders only.
 */
export async function createCommissionRule(env: Env, actor: AuditActor, body: CommissionRuleBody): Promise<CommissionRuleView> {
  await assertTarget(env, body.scope, body.target);
  const id = newId("cr");
  const now = new Date().toISOString();
  const values = { ...body, rateBps: body.kind === "percent" ? body.rateBps : 0, fixedAmount: body.kind === "fixed" ? body.fixedAmount : 0 };
  const [insert] = await runBatch(env.DB, [
    env.DB.prepare(
      `insert into commission_rules (id, scope, target, kind, rate_bps, fixed_amount, include_tax, include_shipping, created_at, updated_at)
       values (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9) on conflict(scope, target) do nothing`,
    ).bind(id, values.scope, values.target, values.kind, values.rateBps, values.fixedAmount, values.includeTax ? 1 : 0, values.includeShipping ? 1 : 0, now),
    audit(env, actor, "commission_rule.create", id, null, values, true),
  ]);
  if (changesOf(insert) !== 1) {
    throw new AppError("vendors.commission_rule_exists", 409, "This target has a rule already; edit that one.", [
      { path: "target", message: "Already has a rule" },
    ]);
  }
  return ruleView(env, id);
}

/** Changes a rule's rate or fee and what it includes (its scope and target stay). New orders only. */
export async function updateCommissionRule(env: Env, actor: AuditActor, id: string, body: UpdateCommissionRuleBody): Promise<CommissionRuleView> {
  const before = await ruleRow(env, id);
  const values = { ...body, rateBps: body.kind === "percent" ? body.rateBps : 0, fixedAmount: body.kind === "fixed" ? body.fixedAmount : 0 };
  const [update] = await runBatch(env.DB, [
    env.DB.prepare(
      "update commission_rules set kind = ?1, rate_bps = ?2, fixed_amount = ?3, include_tax = ?4, include_shipping = ?5, updated_at = ?6 where id = ?7",
    ).bind(values.kind, values.rateBps, values.fixedAmount, values.includeTax ? 1 : 0, values.includeShipping ? 1 : 0, new Date().toISOString(), id),
    audit(env, actor, "commission_rule.update", id, before, values, true),
  ]);
  if (changesOf(update) !== 1) throw new AppError("vendors.commission_rule_not_found", 404, "No such commission rule.");
  return ruleView(env, id);
}

/** Removes a rule; lines placed under it keep their frozen commission. */
export async function deleteCommissionRule(env: Env, actor: AuditActor, id: string): Promise<{ deleted: true }> {
  const before = await ruleRow(env, id);
  const [del] = await runBatch(env.DB, [
    env.DB.prepare("delete from commission_rules where id = ?").bind(id),
    audit(env, actor, "commission_rule.delete", id, before, null, true),
  ]);
  if (changesOf(del) !== 1) throw new AppError("vendors.commission_rule_not_found", 404, "No such commission rule.");
  return { deleted: true };
}
