import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import worker from "../../worker/test-entry";
import { json } from "../support/http";
import { send, staffByRole } from "../support/staff";

// How long raw behaviour events stay is a store setting (default 90 days): one audited write path, and the
// 15-minute cron deletes by it.

// Four sign-ins with password hashing (and staff second factors) take longer than the 10 s default on a busy machine.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

let callers: Awaited<ReturnType<typeof staffByRole>>;
beforeAll(async () => {
  callers = await staffByRole();
});

const DAY = 86_400_000;
async function insertEvent(id: string, ageDays: number) {
  await env.DB.prepare("INSERT INTO analytics_events (id, type, occurred_at, received_at) VALUES (?, 'page_viewed', ?, ?)")
    .bind(id, new Date(Date.now() - ageDays * DAY).toISOString(), new Date(Date.now() - ageDays * DAY).toISOString())
    .run();
}
const remaining = async () =>
  (await env.DB.prepare("SELECT id FROM analytics_events WHERE id LIKE 'ret-%' ORDER BY id").all<{ id: string }>()).results.map((r) => r.id);

async function runCron() {
  const ctx = createExecutionContext();
  await worker.scheduled?.(createScheduledController({ cron: "*/15 * * * *", scheduledTime: Date.now() }), env, ctx);
  await waitOnExecutionContext(ctx);
}

describe("PUT /api/admin/analytics/settings {retentionDays}", () => {
  it("defaults to 90 days; takes 30–730 whole days from the settings permission only, audited; bad values name the field", async () => {
    const before = await json(await send("/api/admin/analytics/settings", "GET", callers.admin.headers));
    expect(before.retentionDays).toBe(90);
    for (const retentionDays of [29, 731, 45.5, "60"]) {
      const bad = await send("/api/admin/analytics/settings", "PUT", callers.admin.headers, { retentionDays });
      expect(bad.status, String(retentionDays)).toBe(400);
      expect((await json(bad)).errors.map((e: { path: string }) => e.path)).toEqual(["retentionDays"]);
    }
    expect((await send("/api/admin/analytics/settings", "PUT", callers.support.headers, { retentionDays: 30 })).status).toBe(403);
    expect((await send("/api/admin/analytics/settings", "PUT", callers.customer.headers, { retentionDays: 30 })).status).toBe(403);

    const audits = async () => (await env.DB.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'settings.analytics'").first<{ n: number }>())?.n ?? 0;
    const auditedBefore = await audits();
    const ok = await send("/api/admin/analytics/settings", "PUT", callers.admin.headers, { retentionDays: 30 });
    expect(ok.status).toBe(200);
    expect(await json(ok)).toMatchObject({ retentionDays: 30, consentRequired: before.consentRequired, timeZone: before.timeZone });
    expect(await audits()).toBe(auditedBefore + 1);
    const row = await env.DB.prepare("SELECT before AS b, after AS a FROM audit_log WHERE action = 'settings.analytics' ORDER BY rowid DESC LIMIT 1").first<{
      b: string;
      a: string;
    }>();
    expect(JSON.parse(row?.b ?? "{}").retentionDays).toBe(90);
    expect(JSON.parse(row?.a ?? "{}").retentionDays).toBe(30);
  });
});

describe("the cron deletes raw events by the retention setting", () => {
  it("keeps events younger than the setting and deletes older ones; a longer setting keeps more", async () => {
    await send("/api/admin/analytics/settings", "PUT", callers.admin.headers, { retentionDays: 60 });
    await insertEvent("ret-10d", 10);
    await insertEvent("ret-45d", 45);
    await insertEvent("ret-75d", 75);
    await insertEvent("ret-120d", 120);
    await runCron();
    expect(await remaining()).toEqual(["ret-10d", "ret-45d"]);

    await send("/api/admin/analytics/settings", "PUT", callers.admin.headers, { retentionDays: 30 });
    await runCron();
    // Re-running changes nothing more.
    await runCron();
    expect(await remaining()).toEqual(["ret-10d"]);
  });
});
