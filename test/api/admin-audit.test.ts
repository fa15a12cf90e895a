import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { recordAudit } from "../../worker/lib/audit";
import { json } from "../support/http";
import { expectRoleMatrix, send, staffByRole } from "../support/staff";

let callers: Awaited<ReturnType<typeof staffByRole>>;
const actor = { actorId: "usr_auditor", actorEmail: "auditor@example.test", requestId: "req-1" };

beforeAll(async () => {
  callers = await staffByRole();
  await recordAudit(env.DB, actor, { action: "user.role", entityType: "user", entityId: "usr_a", before: { role: "customer" }, after: { role: "vendor" } });
  await recordAudit(
    env.DB,
    { ...actor, actorId: "usr_other", actorEmail: "other@example.test" },
    {
      action: "inventory.adjust",
      entityType: "sku",
      entityId: "SKU-1",
      before: { onHand: 1 },
      after: { onHand: 5 },
    },
  );
  await recordAudit(env.DB, actor, {
    action: "user.disable",
    entityType: "user",
    entityId: "usr_b",
    before: { status: "active" },
    after: { status: "disabled" },
  });
}, 30_000);

describe("GET /api/admin/audit", () => {
  it("is for admins only", async () => {
    await expectRoleMatrix(callers, { path: "/api/admin/audit" }, ["admin"]);
  }, 20_000);

  it("lists entries newest first with parsed before/after, and filters by actor, action, entity and dates", async () => {
    const all = await json(await send("/api/admin/audit", "GET", callers.admin.headers));
    expect(all.total).toBe(3);
    expect(all.items.map((e: { action: string }) => e.action)).toEqual(["user.disable", "inventory.adjust", "user.role"]);
    expect(all.items[2]).toMatchObject({
      actorId: "usr_auditor",
      actorEmail: "auditor@example.test",
      entityType: "user",
      entityId: "usr_a",
      before: { role: "customer" },
      after: { role: "vendor" },
      requestId: "req-1",
    });
    const q = async (query: string) =>
      (await json(await send(`/api/admin/audit?${query}`, "GET", callers.admin.headers))).items.map((e: { action: string }) => e.action);
    expect(await q("actor=OTHER@")).toEqual(["inventory.adjust"]);
    expect(await q("actor=usr_auditor")).toEqual(["user.disable", "user.role"]);
    expect(await q("action=user.")).toEqual(["user.disable", "user.role"]);
    expect(await q("action=user.role")).toEqual(["user.role"]);
    expect(await q("entityType=sku&entityId=SKU-1")).toEqual(["inventory.adjust"]);
    const today = new Date().toISOString().slice(0, 10);
    expect(await q(`from=${today}&to=${today}`)).toHaveLength(3);
    expect(await q("to=2000-01-01")).toEqual([]);
    const paged = await json(await send("/api/admin/audit?perPage=1&page=2", "GET", callers.admin.headers));
    expect(paged).toMatchObject({ total: 3, page: 2, perPage: 1, items: [{ action: "inventory.adjust" }] });
    const bad = await send("/api/admin/audit?from=yesterday&sort=asc", "GET", callers.admin.headers);
    expect(bad.status).toBe(400);
    expect((await json(bad)).errors.map((e: { path: string }) => e.path).sort()).toEqual(["from", "sort"]);
  });
});

describe("the audit log cannot be changed", () => {
  it("refuses a direct UPDATE or DELETE in D1 (triggers), leaving the entry as it was", async () => {
    await expect(env.DB.prepare("update audit_log set actor_email = 'someone@else.test'").run()).rejects.toThrow(/append-only/);
    await expect(env.DB.prepare("delete from audit_log where entity_id = 'usr_a'").run()).rejects.toThrow(/append-only/);
    const row = await env.DB.prepare("select actor_email as e, count(*) over () as n from audit_log where entity_id = 'usr_a'").first<{
      e: string;
      n: number;
    }>();
    expect(row).toEqual({ e: "auditor@example.test", n: 1 });
  });

  it("has no API route that edits or deletes an entry", async () => {
    const id = (await json(await send("/api/admin/audit?perPage=1", "GET", callers.admin.headers))).items[0].id;
    for (const method of ["PUT", "PATCH", "DELETE", "POST"]) {
      for (const path of ["/api/admin/audit", `/api/admin/audit/${id}`]) {
        const res = await send(path, method, callers.admin.headers, method === "DELETE" ? undefined : { actorEmail: "x@y.test" });
        expect(res.status, `${method} ${path}`).toBe(404);
      }
    }
    const spec = await json(await send("/api/openapi.json", "GET", {}));
    const auditPaths = Object.entries(spec.paths as Record<string, Record<string, unknown>>).filter(([p]) => p.startsWith("/api/admin/audit"));
    expect(auditPaths.map(([p, ops]) => [p, Object.keys(ops)])).toEqual([["/api/admin/audit", ["get"]]]);
    expect((await send("/api/admin/audit", "GET", callers.admin.headers)).status).toBe(200);
  });
});
