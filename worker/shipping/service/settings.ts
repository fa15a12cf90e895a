// Staff: shipping zones and rates, each write audited and purging the quotes' copies.
import { eq } from "drizzle-orm";
import { getDb } from "../../db/client";
import type { AuditActor } from "../../lib/audit";
import { AppError } from "../../lib/errors";
import { newId } from "../../lib/ids";
import { commitSettingsChange } from "../../lib/settings-write";
import { countriesInZone, registerCountryCheck } from "../../regions";
import type { RateRow, ZoneRow } from "../pricing";
import type { RateBody, RatePatch, ShippingRate, ZoneBody, ZonePatch } from "../schema";
import { shippingRates, shippingZones } from "../tables";

import { purgeShippingCache } from "./quotes";

const field = (path: string, message: string, status: 400 | 409 = 400, code = "settings.invalid") => new AppError(code, status, message, [{ path, message }]);
const changed = { forget: purgeShippingCache, pagesChange: true };
const rateView = (r: RateRow): ShippingRate => ({ ...r, active: r.active === 1 });

async function zoneProblem(env: Env, zoneId: string | null | undefined, path = "zoneId"): Promise<{ path: string; message: string } | null> {
  if (!zoneId) return null;
  const [zone] = await getDb(env.DB).select({ id: shippingZones.id }).from(shippingZones).where(eq(shippingZones.id, zoneId));
  return zone ? null : { path, message: `No zone "${zoneId}"` };
}
async function assertZone(env: Env, zoneId: string | null | undefined): Promise<void> {
  const problem = await zoneProblem(env, zoneId);
  if (problem) throw field(problem.path, problem.message);
}

// A country can only join a zone that exists.
registerCountryCheck(async (env, fields) => {
  const problem = await zoneProblem(env, fields.zoneId);
  return problem ? [problem] : [];
});

/** The zones and rates as staff see them. */
export async function shippingSettings(env: Env): Promise<{ zones: ZoneRow[]; rates: ShippingRate[] }> {
  const db = getDb(env.DB);
  const [zones, rates] = await db.batch([
    db.select().from(shippingZones).orderBy(shippingZones.position, shippingZones.name),
    db.select().from(shippingRates).orderBy(shippingRates.zoneId, shippingRates.method, shippingRates.minSubtotal),
  ]);
  return { zones, rates: rates.map(rateView) };
}

/** Creates a shipping zone (audited); 409 `settings.duplicate` when its id exists. */
export async function createZone(env: Env, actor: AuditActor, body: ZoneBody): Promise<ZoneRow> {
  const db = getDb(env.DB);
  const [existing] = await db.select().from(shippingZones).where(eq(shippingZones.id, body.id));
  if (existing) throw field("id", `A zone "${body.id}" exists already`, 409, "settings.duplicate");
  await commitSettingsChange(
    env,
    actor,
    { action: "settings.zone.create", entityType: "shipping_zone", entityId: body.id, after: body },
    [db.insert(shippingZones).values(body)],
    changed,
  );
  return body;
}

/** Renames or reorders a zone (audited). */
export async function updateZone(env: Env, actor: AuditActor, id: string, patch: ZonePatch): Promise<ZoneRow> {
  const db = getDb(env.DB);
  const [before] = await db.select().from(shippingZones).where(eq(shippingZones.id, id));
  if (!before) throw new AppError("settings.not_found", 404, `No zone "${id}".`);
  const after = { ...before, ...patch };
  await commitSettingsChange(
    env,
    actor,
    { action: "settings.zone.update", entityType: "shipping_zone", entityId: id, before, after },
    [db.update(shippingZones).set(patch).where(eq(shippingZones.id, id))],
    changed,
  );
  return after;
}

/** Deletes a zone no country belongs to, with its rates (audited); 409 `settings.zone_in_use` otherwise. */
export async function deleteZone(env: Env, actor: AuditActor, id: string): Promise<void> {
  const db = getDb(env.DB);
  const [before] = await db.select().from(shippingZones).where(eq(shippingZones.id, id));
  if (!before) throw new AppError("settings.not_found", 404, `No zone "${id}".`);
  const members = await countriesInZone(env, id);
  if (members.length)
    throw field("id", `Move its ${members.length} countries to another zone first (${members.map((m) => m.code).join(", ")})`, 409, "settings.zone_in_use");
  // Its rates go with it (ON DELETE CASCADE).
  await commitSettingsChange(
    env,
    actor,
    { action: "settings.zone.delete", entityType: "shipping_zone", entityId: id, before },
    [db.delete(shippingZones).where(eq(shippingZones.id, id))],
    changed,
  );
}

function checkRate(r: { minDays?: number; maxDays?: number; minSubtotal?: number; maxSubtotal?: number | null }) {
  if (r.minDays !== undefined && r.maxDays !== undefined && r.minDays > r.maxDays) throw field("maxDays", "At least the minimum days");
  if (r.maxSubtotal !== undefined && r.maxSubtotal !== null && r.maxSubtotal < (r.minSubtotal ?? 0)) throw field("maxSubtotal", "At least the lower bound");
}

/** Adds a shipping rate to a zone (audited). */
export async function createRate(env: Env, actor: AuditActor, body: RateBody): Promise<ShippingRate> {
  await assertZone(env, body.zoneId);
  checkRate(body);
  const { active, ...rest } = body;
  const row = { id: newId("srate"), ...rest, active: active === false ? 0 : 1 };
  const db = getDb(env.DB);
  await commitSettingsChange(
    env,
    actor,
    { action: "settings.rate.create", entityType: "shipping_rate", entityId: row.id, after: row },
    [db.insert(shippingRates).values(row)],
    changed,
  );
  const [saved] = await db.select().from(shippingRates).where(eq(shippingRates.id, row.id));
  return rateView(saved as RateRow);
}

/** Changes a shipping rate (audited); the result must still have a sane day range and band. */
export async function updateRate(env: Env, actor: AuditActor, id: string, patch: RatePatch): Promise<ShippingRate> {
  const db = getDb(env.DB);
  const [before] = await db.select().from(shippingRates).where(eq(shippingRates.id, id));
  if (!before) throw new AppError("settings.not_found", 404, `No shipping rate ${id}.`);
  await assertZone(env, patch.zoneId);
  const { active, ...rest } = patch;
  const set = { ...rest, ...(active === undefined ? {} : { active: active ? 1 : 0 }) };
  const after = { ...before, ...set };
  checkRate(after);
  await commitSettingsChange(
    env,
    actor,
    { action: "settings.rate.update", entityType: "shipping_rate", entityId: id, before, after },
    [db.update(shippingRates).set(set).where(eq(shippingRates.id, id))],
    changed,
  );
  return rateView(after);
}

/** Deletes a shipping rate (audited). */
export async function deleteRate(env: Env, actor: AuditActor, id: string): Promise<void> {
  const db = getDb(env.DB);
  const [before] = await db.select().from(shippingRates).where(eq(shippingRates.id, id));
  if (!before) throw new AppError("settings.not_found", 404, `No shipping rate ${id}.`);
  await commitSettingsChange(
    env,
    actor,
    { action: "settings.rate.delete", entityType: "shipping_rate", entityId: id, before },
    [db.delete(shippingRates).where(eq(shippingRates.id, id))],
    changed,
  );
}
