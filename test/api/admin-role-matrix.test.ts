import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { api } from "../../worker/api";
import { insertUser } from "../support/factories";
import { call, cookiesFrom, freshIp } from "../support/http";
import { passwordSignIn } from "../support/staff";

type Role = "customer" | "vendor" | "support" | "admin";

/**
 * What support staff may do in /api/admin: read orders, returns, customers, emails and promotions (to answer
 * "why did my code not work"), and work the support inbox (its "support" permission); every other admin route
 * is admins only.
 */
/** Writes whose full bodies are long: they may be refused by their schema (400) before the role check. */
const SCHEMA_FIRST = [/^POST \/api\/admin\/settings\/(countries|rates)$/];
const refusedBySchema = (key: string, status: number) => status === 400 && SCHEMA_FIRST.some((re) => re.test(key));

const SUPPORT_ALLOWED = [
  /^GET \/api\/admin\/orders/,
  /^GET \/api\/admin\/returns/,
  /^GET \/api\/admin\/users/,
  /^GET \/api\/admin\/emails/,
  /^GET \/api\/admin\/promotions/,
  /^[A-Z]+ \/api\/admin\/support\//,
];

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

/** Bodies that pass each write's schema, so the refusal below comes from the role check, not validation. */
const BODIES: Record<string, unknown> = {
  "PUT /api/admin/users/:id/role": { role: "admin" },
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
};

async function session(role: Role): Promise<string> {
  const user = await insertUser(env.DB, { role });
  const res = await passwordSignIn(user, { "CF-Connecting-IP": freshIp() });
  expect(res.status).toBe(200);
  return cookiesFrom(res);
}

function request(method: string, url: string, cookie?: string, key = "") {
  const headers: Record<string, string> = { Origin: "http://store.test", ...(cookie ? { Cookie: cookie } : {}) };
  if (method === "GET") return call(url, { headers });
  return call(url, { method, headers: { ...headers, "Content-Type": "application/json" }, body: JSON.stringify(BODIES[key] ?? {}) });
}

describe("admin API role matrix (from the route table)", () => {
  const cookies = {} as Record<Role, string>;
  // Three sign-ins, staff with a second factor: password hashing dominates, so they run side by side.
  beforeAll(async () => {
    const roles = ["customer", "vendor", "support"] as const;
    const signedIn = await Promise.all(roles.map((role) => session(role)));
    roles.forEach((role, i) => {
      cookies[role] = signedIn[i] as string;
    });
  }, 60_000);

  it("covers every admin route", () => {
    expect(adminRoutes.length).toBeGreaterThan(30);
  });

  // Anything else than 401/403 (a 404, 409 or 2xx) would mean the handler did work for someone it should have refused.
  it("refuses anonymous callers (401), customers and vendors (403) on every admin route", async () => {
    const wrong: string[] = [];
    for (const r of adminRoutes) {
      const anon = await request(r.method, r.url, undefined, r.key);
      if (anon.status !== 401 && !refusedBySchema(r.key, anon.status)) wrong.push(`${r.key} anonymous → ${anon.status}`);
      for (const role of ["customer", "vendor"] as const) {
        const res = await request(r.method, r.url, cookies[role], r.key);
        if (res.status !== 403 && !refusedBySchema(r.key, res.status)) wrong.push(`${r.key} ${role} → ${res.status}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it("lets support read orders, returns, users, emails and promotions, work the support inbox, and change nothing else", async () => {
    const wrong: string[] = [];
    for (const r of adminRoutes) {
      const res = await request(r.method, r.url, cookies.support, r.key);
      const allowed = SUPPORT_ALLOWED.some((re) => re.test(r.key));
      if (allowed && (res.status === 401 || res.status === 403)) wrong.push(`${r.key} support refused (${res.status})`);
      if (!allowed && res.status !== 403 && !refusedBySchema(r.key, res.status)) wrong.push(`${r.key} support → ${res.status}`);
    }
    expect(wrong).toEqual([]);
  });
});
