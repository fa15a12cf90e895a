import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { assignStaffRole, createStaffRole } from "../../worker/accounts";
import { api } from "../../worker/api";
import { DEFAULT_ROLE_PERMISSIONS, PERMISSIONS, type Permission } from "../../worker/lib/context";
import { insertUser } from "../support/factories";
import { call, freshIp, json } from "../support/http";
import { passwordSignIn } from "../support/staff";

/**
 * The permission matrix of the staff API, built from the route table: every /api/admin route must be named
 * below with the permission it needs ("staff" = any back-office staff member may call it, which is only
 * ever a read). Then every route is called by a staff member holding each single permission, one holding
 * none, the built-in admin and support roles, a customer, a vendor and nobody.
 */
type Need = Permission | "staff";
const NEEDS: [RegExp, Need][] = [
  // Reads open to every staff member.
  [/^GET \/api\/admin\/(orders|returns|users|emails)(\/|$)/, "staff"],
  [/^GET \/api\/admin\/staff-roles$/, "staff"],
  [/^GET \/api\/admin\/promotions/, "staff"],
  [/^GET \/api\/admin\/settings\/policies/, "staff"],
  [/^GET \/api\/admin\/support\//, "staff"],
  [/^GET \/api\/admin\/vendors(\/|$)/, "staff"],
  [/^GET \/api\/admin\/loyalty\//, "staff"],
  // Each area's writes, and the reads that were admins' only.
  [/^[A-Z]+ \/api\/admin\/(products|categories)(\/|$)/, "catalog"],
  [/^[A-Z]+ \/api\/admin\/reviews/, "catalog"],
  [/^[A-Z]+ \/api\/admin\/inventory(\/|$)/, "inventory"],
  [/^POST \/api\/admin\/orders\/:id\/refunds$/, "refunds"],
  [/^[A-Z]+ \/api\/admin\/orders\//, "orders"],
  [/^POST \/api\/admin\/returns\/:id\/refund$/, "refunds"],
  [/^[A-Z]+ \/api\/admin\/returns\//, "orders"],
  [/^[A-Z]+ \/api\/admin\/(users|staff-roles)(\/|$)/, "customers"],
  [/^[A-Z]+ \/api\/admin\/emails\//, "settings"],
  [/^[A-Z]+ \/api\/admin\/settings(\/|$)/, "settings"],
  [/^[A-Z]+ \/api\/admin\/support\//, "support"],
  [/^[A-Z]+ \/api\/admin\/(overview|audit)$/, "reports"],
  [/^[A-Z]+ \/api\/admin\/promotions/, "promotions"],
  [/^[A-Z]+ \/api\/admin\/loyalty\//, "promotions"],
  [/^[A-Z]+ \/api\/admin\/vendors(\/|$)/, "vendors"],
  [/^[A-Z]+ \/api\/admin\/(payouts|commissions)(\/|$)/, "vendors"],
  [/^PUT \/api\/admin\/analytics\/settings$/, "settings"],
  [/^[A-Z]+ \/api\/admin\/analytics\//, "reports"],
  [/^[A-Z]+ \/api\/admin\/recommendations\//, "catalog"],
];
const needOf = (key: string): Need | undefined => NEEDS.find(([re]) => re.test(key))?.[1];

/** Writes whose full bodies are long: they may be refused by their schema (400) before the permission check. */
const SCHEMA_FIRST = [/^POST \/api\/admin\/settings\/(countries|rates)$/];
const refusedBySchema = (key: string, status: number) => status === 400 && SCHEMA_FIRST.some((re) => re.test(key));

/** Every /api/admin route in the route table, with its path params filled in. */
const adminRoutes = [
  ...new Set(api.routes.filter((r) => r.method !== "ALL" && r.path.startsWith("/api/admin/") && !r.path.endsWith("*")).map((r) => `${r.method} ${r.path}`)),
].map((key) => {
  const [method, path] = key.split(" ") as [string, string];
  const url = path
    .replace(/:sku(\{[^}]*\})?/g, "MATRIX-NO-SKU")
    .replace(/:code(\{[^}]*\})?/g, "EUR")
    .replace(/:(\w+)(\{[^}]*\})?/g, "matrix_missing_1");
  return { key, method, url };
});

/** Bodies that pass each write's schema, so the refusal below comes from the permission check, not validation. */
const BODIES: Record<string, unknown> = {
  "PUT /api/admin/users/:id/role": { role: "admin" },
  "PUT /api/admin/users/:id/staff-role": { roleId: null },
  "POST /api/admin/staff-roles": { name: "Matrix role", permissions: [] },
  "PUT /api/admin/staff-roles/:id": { name: "Matrix role", permissions: [] },
  "POST /api/admin/inventory/:sku/adjustments": { delta: 5, reason: "matrix test" },
  "PUT /api/admin/inventory/:sku/threshold": { lowStockThreshold: 3 },
  "POST /api/admin/orders/:id/shipments": { carrier: "ups", trackingNumber: "1ZMATRIX" },
  "POST /api/admin/orders/:id/cancel": { reason: "matrix test" },
  "POST /api/admin/orders/:id/notes": { note: "matrix test" },
  "POST /api/admin/orders/:id/refunds": { reason: "matrix test" },
  "PATCH /api/admin/settings/store": { storeName: "Matrix store" },
  "PUT /api/admin/settings/image-origins": { origins: [] },
  "PUT /api/admin/settings/exchange-rates/:code": { rateMicros: 1 },
  "POST /api/admin/settings/zones": { id: "matrix-zone", name: "Matrix zone" },
  "POST /api/admin/returns/:id/approve": { instructions: "matrix test" },
  "POST /api/admin/returns/:id/reject": { reason: "matrix test" },
  "POST /api/admin/returns/:id/lines/:lineId/inspect": { outcome: "restocked" },
  "PUT /api/admin/settings/policies/:slug": { title: "Matrix", body: "matrix test" },
  "POST /api/admin/promotions": { name: "Matrix", kind: "percentage", value: 1000 },
  "POST /api/admin/vendors/:id/reject": { reason: "matrix test" },
  "POST /api/admin/vendors/:id/suspend": { reason: "matrix test" },
  "POST /api/admin/payouts/:id/paid": { reference: "MATRIX-1" },
  "PUT /api/admin/vendors/:id/payout-settings": { method: "manual" },
  "POST /api/admin/payouts/:id/failed": { reason: "matrix test" },
  "POST /api/admin/commissions": { scope: "vendor", target: "ven_matrix_missing", kind: "percent", rateBps: 1000 },
  "PUT /api/admin/commissions/:id": { kind: "percent", rateBps: 1000 },
  "POST /api/admin/loyalty/adjustments": { userId: "usr_matrix_missing", points: 5, reason: "matrix test" },
  "PUT /api/admin/analytics/settings": { timeZone: "UTC", consentRequired: false },
};

interface Caller {
  name: string;
  headers: Record<string, string>;
  /** null: not back-office staff (refused everywhere with 403). */
  permissions: readonly Permission[] | null;
}

const actor = { actorId: "usr_matrix_setup", actorEmail: "setup@matrix.test", requestId: null };

async function signedIn(role: "customer" | "vendor" | "support" | "admin", staffRole?: string): Promise<Record<string, string>> {
  const user = await insertUser(env.DB, { role });
  if (staffRole) await assignStaffRole(env, actor, user.id, staffRole);
  const res = await passwordSignIn(user, { "CF-Connecting-IP": freshIp() });
  expect(res.status).toBe(200);
  return { Authorization: `Bearer ${(await json(res)).accessToken}` };
}

function request(method: string, url: string, headers: Record<string, string>, key: string) {
  if (method === "GET") return call(url, { headers });
  return call(url, { method, headers: { ...headers, "Content-Type": "application/json" }, body: JSON.stringify(BODIES[key] ?? {}) });
}

describe("admin API permission matrix (from the route table)", () => {
  const callers: Caller[] = [];
  beforeAll(async () => {
    const none = await createStaffRole(env, actor, { name: "Read only", permissions: [] });
    callers.push({ name: "staff holding no permission", headers: await signedIn("support", none.id), permissions: [] });
    for (const permission of PERMISSIONS) {
      const role = await createStaffRole(env, actor, { name: `Only ${permission}`, permissions: [permission] });
      // Half on each account role: the staff role, not the account role, decides what they may change.
      const account = PERMISSIONS.indexOf(permission) % 2 ? "admin" : "support";
      callers.push({ name: `${account} holding only "${permission}"`, headers: await signedIn(account, role.id), permissions: [permission] });
    }
    callers.push({ name: "built-in admin", headers: await signedIn("admin"), permissions: DEFAULT_ROLE_PERMISSIONS.admin });
    callers.push({ name: "built-in support", headers: await signedIn("support"), permissions: DEFAULT_ROLE_PERMISSIONS.support });
    callers.push({ name: "customer", headers: await signedIn("customer"), permissions: null });
    callers.push({ name: "vendor", headers: await signedIn("vendor"), permissions: null });
  }, 120_000);

  it("names the permission of every admin route", () => {
    expect(adminRoutes.length).toBeGreaterThan(60);
    expect(adminRoutes.filter((r) => !needOf(r.key)).map((r) => r.key)).toEqual([]);
  });

  it("refuses anonymous callers with 401 on every admin route", async () => {
    const wrong: string[] = [];
    for (const r of adminRoutes) {
      const res = await request(r.method, r.url, {}, r.key);
      if (res.status !== 401 && !refusedBySchema(r.key, res.status)) wrong.push(`${r.key} anonymous → ${res.status}`);
    }
    expect(wrong).toEqual([]);
  });

  // Anything but 403 for a refused caller (a 404, 409 or 2xx) would mean the handler did work it should not have.
  it("lets exactly the holders of each route's permission through, on every admin route", async () => {
    const wrong: string[] = [];
    for (const r of adminRoutes) {
      const need = needOf(r.key);
      for (const caller of callers) {
        const res = await request(r.method, r.url, caller.headers, r.key);
        const allowed = caller.permissions !== null && (need === "staff" || (need !== undefined && caller.permissions.includes(need)));
        if (allowed && (res.status === 401 || res.status === 403)) wrong.push(`${r.key} ${caller.name} refused (${res.status})`);
        if (!allowed && res.status !== 403 && !refusedBySchema(r.key, res.status)) wrong.push(`${r.key} ${caller.name} → ${res.status}`);
      }
    }
    expect(wrong).toEqual([]);
  }, 300_000);
});
