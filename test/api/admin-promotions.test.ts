import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { json } from "../support/http";
import { type Caller, expectRoleMatrix, send, staffByRole } from "../support/staff";

let staff: { admin: Caller; support: Caller; customer: Caller; vendor: Caller };
let n = 0;
const body = (over: Record<string, unknown> = {}) => ({ name: "Ten off", code: `TEN${++n}X`, kind: "percentage", value: 1000, ...over });
const audits = (entityId: string) =>
  env.DB.prepare("select action, actor_email from audit_log where entity_id = ? order by at")
    .bind(entityId)
    .all<{ action: string; actor_email: string }>()
    .then((r) => r.results);

// Four scrypt sign-ins: slow on a busy 2-core machine.
beforeAll(async () => {
  staff = await staffByRole();
}, 60_000);

describe("GET /api/admin/promotions", () => {
  it("lists promotions with usage and revenue to staff only", async () => {
    await expectRoleMatrix(staff, { path: "/api/admin/promotions" }, ["admin", "support"]);
    await send("/api/admin/promotions", "POST", staff.admin.headers, body({ name: "Listed" }));
    const list = await json(await send("/api/admin/promotions", "GET", staff.support.headers));
    expect(list.items[0]).toMatchObject({
      name: "Listed",
      state: "active",
      usage: { committed: 0, reserved: 0, discounted: { amount: 0, currency: "USD" }, revenue: { amount: 0 } },
    });
  });
});

describe("POST /api/admin/promotions", () => {
  it("needs the promotions permission (support reads only), and is audited", async () => {
    await expectRoleMatrix(staff, { path: "/api/admin/promotions", method: "POST", body: () => body(), okStatus: 201 }, ["admin"]);
    const res = await send("/api/admin/promotions", "POST", staff.admin.headers, body({ code: "audited1", startsAt: "2030-01-01T00:00:00Z" }));
    const created = await json(res);
    expect(created).toMatchObject({ code: "AUDITED1", automatic: false, state: "scheduled", startsAt: "2030-01-01T00:00:00.000Z" });
    expect(await audits(created.id)).toEqual([{ action: "promotion.create", actor_email: staff.admin.email }]);
  });

  it("names every invalid field, refuses unknown fields and a taken code", async () => {
    const bad = await send("/api/admin/promotions", "POST", staff.admin.headers, { name: "", code: "a b", kind: "half", value: -1, amountOff: 3 });
    expect(bad.status).toBe(400);
    const paths = (await json(bad)).errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(expect.arrayContaining(["name", "code", "kind", "value", "amountOff"]));
    const pct = await send("/api/admin/promotions", "POST", staff.admin.headers, body({ value: 20_000 }));
    expect(await json(pct)).toMatchObject({ status: 400, errors: [{ path: "value" }] });
    const bxgy = await send("/api/admin/promotions", "POST", staff.admin.headers, body({ kind: "buy_x_get_y", value: 10000 }));
    expect((await json(bxgy)).errors.map((e: { path: string }) => e.path)).toEqual(["buyQuantity", "getQuantity"]);
    const window = await send("/api/admin/promotions", "POST", staff.admin.headers, body({ startsAt: "2030-01-02T00:00:00Z", endsAt: "2030-01-01T00:00:00Z" }));
    expect(await json(window)).toMatchObject({ errors: [{ path: "endsAt" }] });
    await send("/api/admin/promotions", "POST", staff.admin.headers, body({ code: "TAKEN" }));
    const taken = await send("/api/admin/promotions", "POST", staff.admin.headers, body({ code: "taken" }));
    expect(taken.status).toBe(409);
    expect(await json(taken)).toMatchObject({ code: "promotions.code_taken", errors: [{ path: "code" }] });
  });
});

describe("PATCH /api/admin/promotions/{id} and POST …/duplicate", () => {
  it("pauses and reschedules with before/after in the audit log; duplicates as a paused copy; 404 for unknown ids", async () => {
    const p = await json(await send("/api/admin/promotions", "POST", staff.admin.headers, body({ code: "SUMMER", usageLimit: 10 })));
    expect((await send(`/api/admin/promotions/${p.id}`, "PATCH", staff.support.headers, { status: "paused" })).status).toBe(403);
    const paused = await json(await send(`/api/admin/promotions/${p.id}`, "PATCH", staff.admin.headers, { status: "paused" }));
    expect(paused).toMatchObject({ status: "paused", state: "paused", code: "SUMMER", usageLimit: 10 });
    const ended = await json(await send(`/api/admin/promotions/${p.id}`, "PATCH", staff.admin.headers, { status: "active", endsAt: "2020-01-01T00:00:00Z" }));
    expect(ended.state).toBe("ended");
    const copy = await send(`/api/admin/promotions/${p.id}/duplicate`, "POST", staff.admin.headers);
    expect(copy.status).toBe(201);
    expect(await json(copy)).toMatchObject({ name: "Ten off (copy)", code: "SUMMER-COPY", status: "paused", usageLimit: 10, usage: { committed: 0 } });
    expect(await json(await send(`/api/admin/promotions/${p.id}/duplicate`, "POST", staff.admin.headers))).toMatchObject({ code: "SUMMER-COPY2" });
    expect((await audits(p.id)).map((a) => a.action)).toEqual(["promotion.create", "promotion.update", "promotion.update"]);
    expect((await send("/api/admin/promotions/prm_nope", "GET", staff.admin.headers)).status).toBe(404);
    expect((await send("/api/admin/promotions/prm_nope", "PATCH", staff.admin.headers, { status: "paused" })).status).toBe(404);
    expect((await send("/api/admin/promotions/prm_nope/duplicate", "POST", staff.admin.headers)).status).toBe(404);
  });
});
