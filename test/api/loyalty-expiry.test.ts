import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { expireInactivePoints, forgetLoyaltySettings, loyaltySettings } from "../../worker/loyalty";
import { json } from "../support/http";
import { signedIn } from "../support/orders";
import { type Caller, send, staffByRole } from "../support/staff";

// Expiry after a period of inactivity, set in months (days still accepted for stores that set it so), with one
// warning email a set number of days before, and nothing done twice when the cron runs again.
let admin: Caller;
let support: Caller;
type Member = Awaited<ReturnType<typeof signedIn>>;
const DAY = 86_400_000;

const patch = async (body: Record<string, unknown>) => {
  const res = await send("/api/admin/loyalty/settings", "PATCH", admin.headers, body);
  forgetLoyaltySettings();
  return res;
};
const give = async (userId: string, points: number) => {
  const res = await send("/api/admin/loyalty/adjustments", "POST", admin.headers, { userId, points, reason: "Test credit" });
  expect(res.status).toBe(201);
};
/** A member whose only activity (a credit of `points`) happened at `at`. */
async function memberActiveAt(at: number, points = 300): Promise<Member> {
  const m = await signedIn();
  await give(m.user.id, points);
  await env.DB.prepare("update loyalty_entries set created_at = ? where user_id = ?").bind(at, m.user.id).run();
  return m;
}
const rowsOf = (userId: string, kind: string) =>
  env.DB.prepare("select points, reason from loyalty_entries where user_id = ? and kind = ?")
    .bind(userId, kind)
    .all<{ points: number; reason: string }>()
    .then((r) => r.results);
const warningsOf = (userId: string) =>
  env.DB.prepare("select count(*) as n from loyalty_warnings where user_id = ?")
    .bind(userId)
    .first<{ n: number }>()
    .then((r) => r?.n ?? 0);
const emailsOf = (userId: string) =>
  env.DB.prepare("select count(*) as n from email_outbox where template = 'loyalty_expiry_warning' and id like ?")
    .bind(`loyalty-expiry:${userId}:%`)
    .first<{ n: number }>()
    .then((r) => r?.n ?? 0);
const run = (at: number) => expireInactivePoints(env, "http://store.test", at);

beforeAll(async () => {
  ({ admin, support } = await staffByRole());
  forgetLoyaltySettings();
}, 60_000);

describe("PATCH /api/admin/loyalty/settings: the expiry period", { timeout: 60_000 }, () => {
  it("is 12 months by default; months and days replace each other; both at once, or a warning as long as the period, is a 400 naming the field", async () => {
    const current = await json(await send("/api/admin/loyalty/settings", "GET", admin.headers));
    expect(current).toMatchObject({ expiryMonths: 12, expiryDays: 0, expiryWarningDays: 30 });

    const days = await patch({ expiryDays: 90 });
    expect(days.status).toBe(200);
    expect(await json(days)).toMatchObject({ expiryMonths: 0, expiryDays: 90 });
    const months = await patch({ expiryMonths: 6 });
    expect(await json(months)).toMatchObject({ expiryMonths: 6, expiryDays: 0 });

    const both = await patch({ expiryMonths: 3, expiryDays: 10 });
    expect(both.status).toBe(400);
    expect(await json(both)).toMatchObject({ code: "loyalty.invalid_settings", errors: [{ path: "expiryDays" }] });
    // Six months are at least 168 days: a 170-day warning would come before the period starts.
    const early = await patch({ expiryWarningDays: 170 });
    expect(early.status).toBe(400);
    expect(await json(early)).toMatchObject({ errors: [{ path: "expiryWarningDays" }] });
    const notWhole = await patch({ expiryMonths: 1.5 });
    expect(notWhole.status).toBe(400);
    expect(JSON.stringify(await json(notWhole))).toContain("expiryMonths");
    expect((await send("/api/admin/loyalty/settings", "PATCH", support.headers, { expiryMonths: 2 })).status).toBe(403);

    expect((await patch({ expiryMonths: 12 })).status).toBe(200);
  });

  it("rules saved before months existed keep the days they were saved with", async () => {
    const saved = await env.DB.prepare("select value from loyalty_settings where key = 'program'").first<{ value: string }>();
    const old = JSON.parse(saved?.value ?? "{}") as Record<string, unknown>;
    delete old.expiryMonths;
    await env.DB.prepare("update loyalty_settings set value = ? where key = 'program'")
      .bind(JSON.stringify({ ...old, expiryDays: 365 }))
      .run();
    forgetLoyaltySettings();
    try {
      expect(await loyaltySettings(env)).toMatchObject({ expiryMonths: 0, expiryDays: 365 });
    } finally {
      expect((await patch({ expiryMonths: 12 })).status).toBe(200);
    }
    expect(await loyaltySettings(env)).toMatchObject({ expiryMonths: 12, expiryDays: 0 });
  });
});

describe("the expiry cron", { timeout: 90_000 }, () => {
  it("months: 31 January + 1 month expires on 28 February; one warning 7 days before, however often the cron runs", async () => {
    expect((await patch({ expiryMonths: 1, expiryWarningDays: 7 })).status).toBe(200);
    try {
      const last = Date.UTC(2027, 0, 31, 12);
      const m = await memberActiveAt(last);
      const due = Date.UTC(2027, 1, 28, 12);
      expect((await json(await m.send("/api/loyalty"))).expiresAt).toBe(new Date(due).toISOString());

      await run(due - 8 * DAY);
      expect(await warningsOf(m.user.id)).toBe(0);
      // The quarter-hourly cron, several times over the warning day, and two runs at the same moment.
      await run(due - 7 * DAY);
      await Promise.all([run(due - 7 * DAY + 15 * 60_000), run(due - 7 * DAY + 15 * 60_000)]);
      await run(due - 2 * DAY);
      expect(await warningsOf(m.user.id)).toBe(1);
      await expect.poll(() => emailsOf(m.user.id), { timeout: 10_000 }).toBe(1);

      await run(due - 1);
      expect(await rowsOf(m.user.id, "expire")).toEqual([]);
      await Promise.all([run(due), run(due)]);
      await run(due + DAY);
      expect(await rowsOf(m.user.id, "expire")).toEqual([{ points: -300, reason: "No activity for 1 month" }]);
      const s = await json(await m.send("/api/loyalty"));
      expect(s).toMatchObject({ available: 0, expiresAt: null });
      expect(await emailsOf(m.user.id)).toBe(1);
    } finally {
      await patch({ expiryMonths: 12, expiryWarningDays: 30 });
    }
  });

  it("new activity before the date starts a new period: nothing expires, and the next warning is for the new date", async () => {
    expect((await patch({ expiryMonths: 2, expiryWarningDays: 10 })).status).toBe(200);
    try {
      const last = Date.UTC(2027, 2, 10);
      const m = await memberActiveAt(last);
      await run(Date.UTC(2027, 4, 1));
      expect(await warningsOf(m.user.id)).toBe(1);
      // Activity on 5 May: the period now ends 5 July.
      await give(m.user.id, 20);
      await env.DB.prepare("update loyalty_entries set created_at = ? where user_id = ? and points = 20")
        .bind(Date.UTC(2027, 4, 5), m.user.id)
        .run();
      await run(Date.UTC(2027, 4, 10));
      expect(await rowsOf(m.user.id, "expire")).toEqual([]);
      await run(Date.UTC(2027, 5, 26));
      expect(await warningsOf(m.user.id)).toBe(2);
      await run(Date.UTC(2027, 6, 5));
      expect(await rowsOf(m.user.id, "expire")).toEqual([{ points: -320, reason: "No activity for 2 months" }]);
    } finally {
      await patch({ expiryMonths: 12, expiryWarningDays: 30 });
    }
  });

  it("a period in days still works; 0 months and 0 days turns expiry off", async () => {
    expect((await patch({ expiryDays: 20, expiryWarningDays: 5 })).status).toBe(200);
    try {
      const last = Date.UTC(2027, 7, 1);
      const m = await memberActiveAt(last, 100);
      await run(last + 15 * DAY);
      expect(await warningsOf(m.user.id)).toBe(1);
      await run(last + 20 * DAY);
      expect(await rowsOf(m.user.id, "expire")).toEqual([{ points: -100, reason: "No activity for 20 days" }]);

      expect((await patch({ expiryDays: 0, expiryMonths: 0 })).status).toBe(200);
      const kept = await memberActiveAt(last, 100);
      await run(last + 5000 * DAY);
      expect(await rowsOf(kept.user.id, "expire")).toEqual([]);
      expect((await json(await kept.send("/api/loyalty"))).expiresAt).toBeNull();
    } finally {
      await patch({ expiryMonths: 12, expiryWarningDays: 30 });
    }
  });
});
