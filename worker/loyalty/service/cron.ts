import { enqueueEmail } from "../../notifications";
import { runBatch } from "../../lib/d1-batch";
import { newId } from "../../lib/ids";
import { DAY_MS } from "./ledger";
import { awardBonus } from "./earn";
import { type MaturityCheck, maturePendingPoints } from "./earn";
import { releaseLapsedHolds } from "./redeem";
import { expiryOf, expiryPeriodText, loyaltySettings } from "./settings";

/**
 * Expires available points after the configured period without activity
 * (months, or days where a store set it so), and warns the member by email
 * the configured number of days before. Both
 * are keyed by the member's last activity, so a rerun sends and expires
 * nothing twice, and new activity starts a fresh period.
 */
export async function expireInactivePoints(env: Env, origin: string, now = Date.now()): Promise<{ warned: number; expired: number }> {
  const s = await loyaltySettings(env);
  if (expiryOf(s, 0) === null) return { warned: 0, expired: 0 };
  // The shortest the period can be (28-day months), less the warning: every member due a warning or an expiry is in here.
  const shortest = s.expiryMonths > 0 ? s.expiryMonths * 28 : s.expiryDays;
  const warnBefore = now - (shortest - s.expiryWarningDays) * DAY_MS;
  const rows = await env.DB.prepare(
    `select e.user_id as userId, u.email as email,
            coalesce(sum(case when e.bucket = 'available' then e.points end), 0) as available,
            max(case when e.kind != 'expire' then e.created_at end) as last
       from loyalty_entries e join users u on u.id = e.user_id
      group by e.user_id
     having available > 0 and last <= ?1
        and (last <= ?2 or not exists (select 1 from loyalty_warnings w where w.key = 'warn:' || e.user_id || ':' || last))
      order by last limit 500`,
  )
    // Members already warned wait out of the list until they may expire, so a long list cannot starve the rest.
    .bind(warnBefore, now - shortest * DAY_MS)
    .all<{ userId: string; email: string; available: number; last: number }>();
  let warned = 0;
  let expired = 0;
  for (const r of rows.results) {
    const expiresAt = expiryOf(s, r.last) ?? Number.POSITIVE_INFINITY;
    if (expiresAt <= now) {
      // Amount and inactivity are checked again when the statement runs: a redemption or an earning that landed
      // since the list was read keeps the points (new activity), and the row takes exactly what is there.
      const [res] = await runBatch(env.DB, [
        env.DB.prepare(
          "insert into loyalty_entries (id, user_id, kind, bucket, points, key, spend, reason, created_at) " +
            "select ?1, ?2, 'expire', 'available', -a, ?3, 0, ?4, ?5 from (select coalesce(sum(case when bucket = 'available' then points end), 0) as a, " +
            "max(case when kind != 'expire' then created_at end) as last from loyalty_entries where user_id = ?2) where a > 0 and last = ?6 " +
            "on conflict(key) do nothing",
        ).bind(newId("lpe"), r.userId, `expire:${r.userId}:${r.last}`, `No activity for ${expiryPeriodText(s)}`, now, r.last),
      ]);
      expired += res?.meta.changes ?? 0;
      continue;
    }
    if (s.expiryWarningDays <= 0 || expiresAt - s.expiryWarningDays * DAY_MS > now) continue;
    const key = `warn:${r.userId}:${r.last}`;
    if (await env.DB.prepare("select 1 from loyalty_warnings where key = ?").bind(key).first()) continue;
    // The email first, then the record of it: a run that dies between the two sends again next time, and the
    // outbox sends one email per message id, so a warning is never lost and never doubled.
    await enqueueEmail(env.EMAIL_QUEUE, {
      id: `loyalty-expiry:${r.userId}:${r.last}`,
      template: "loyalty_expiry_warning",
      to: r.email,
      data: { points: r.available, expiresAt: new Date(expiresAt).toISOString(), url: `${env.PUBLIC_ORIGIN || origin}/account/loyalty` },
    });
    const [res] = await runBatch(env.DB, [
      env.DB.prepare("insert into loyalty_warnings (key, user_id, created_at) values (?, ?, ?) on conflict(key) do nothing").bind(key, r.userId, now),
    ]);
    warned += res?.meta.changes ?? 0;
  }
  return { warned, expired };
}

/** Welcome bonuses for customers who signed up since the program started and have none yet (bounded per run). */
export async function awardSignUpBonuses(env: Env, now = Date.now()): Promise<number> {
  const s = await loyaltySettings(env);
  if (!s.enabled || s.signUpBonus <= 0) return 0;
  const rows = await env.DB.prepare(
    "select u.id from users u where u.role = 'customer' and not exists (select 1 from loyalty_entries e where e.key = 'bonus:sign_up:' || u.id) " +
      "and u.created_at >= ? limit 200",
  )
    .bind(new Date(now - 7 * DAY_MS).toISOString())
    .all<{ id: string }>();
  let given = 0;
  for (const r of rows.results) given += (await awardBonus(env, r.id, "sign_up", r.id, now)) > 0 ? 1 : 0;
  return given;
}

const pad2 = (n: number) => String(n).padStart(2, "0");
const isLeapYear = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

/**
 * Birthday bonuses for the customers whose birthday (month and day, UTC) is
 * today: once per customer and year, keyed by both, so the cron may run every
 * quarter of an hour and a rerun gives nothing twice. A 29 February birthday
 * is celebrated on 28 February in other years. Bounded per run; the next
 * runs of the day pick up the rest.
 */
export async function awardBirthdayBonuses(env: Env, now = Date.now()): Promise<number> {
  const s = await loyaltySettings(env);
  if (!s.enabled || s.birthdayBonus <= 0) return 0;
  const d = new Date(now);
  const year = d.getUTCFullYear();
  const today = `${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;
  const leapDay = today === "02-28" && !isLeapYear(year) ? "02-29" : today;
  const rows = await env.DB.prepare(
    "select u.id from users u where u.birthday in (?, ?) and u.role = 'customer' and u.status = 'active' " +
      "and not exists (select 1 from loyalty_entries e where e.key = 'bonus:birthday:' || u.id || ':' || ?) limit 200",
  )
    .bind(today, leapDay, String(year))
    .all<{ id: string }>();
  let given = 0;
  for (const r of rows.results) given += (await awardBonus(env, r.id, "birthday", `${r.id}:${year}`, now)) > 0 ? 1 : 0;
  return given;
}

/** Every loyalty sweep the cron runs: lapsed holds, maturity, sign-up and birthday bonuses, expiry. */
export async function runLoyaltySweeps(env: Env, origin: string, maturityCheck: MaturityCheck, now = Date.now()) {
  const lapsedHolds = await releaseLapsedHolds(env, now);
  const matured = await maturePendingPoints(env, maturityCheck, now);
  const signUpBonuses = await awardSignUpBonuses(env, now);
  const birthdayBonuses = await awardBirthdayBonuses(env, now);
  const expiry = await expireInactivePoints(env, origin, now);
  return { lapsedHolds, matured, signUpBonuses, birthdayBonuses, ...expiry };
}
