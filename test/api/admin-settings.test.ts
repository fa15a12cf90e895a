import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { purgeCatalogCache } from "../../worker/catalog";
import { insertCategory, insertProduct, insertUser } from "../support/factories";
import { call, cookiesFrom, freshIp, json } from "../support/http";
import { passwordSignIn } from "../support/staff";

type Role = "admin" | "support" | "customer" | "vendor";
const sessions = {} as Record<Role, string>;

async function signIn(role: Role): Promise<string> {
  const user = await insertUser(env.DB, { role });
  const res = await passwordSignIn(user, { "CF-Connecting-IP": freshIp() });
  expect(res.status).toBe(200);
  return cookiesFrom(res);
}

const send = (method: string, path: string, body?: unknown, cookie?: string) =>
  call(path, {
    method,
    headers: { "Content-Type": "application/json", Origin: "http://store.test", ...(cookie ? { Cookie: cookie } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
const asAdmin = (method: string, path: string, body?: unknown) => send(method, path, body, sessions.admin);
const audits = async (action: string) =>
  (await env.DB.prepare("select action, entity_id, before, after, actor_email from audit_log where action = ? order by at").bind(action).all()).results;

beforeAll(async () => {
  for (const role of ["admin", "support", "customer", "vendor"] as Role[]) sessions[role] = await signIn(role);
  const category = await insertCategory(env.DB, { slug: "c-set" });
  await insertProduct(env.DB, {
    slug: "set-1",
    name: "Settings item",
    category,
    variants: [{ sku: "SET-1", title: "Default", options: {}, price: 4000, stockAvailable: 50 }],
  });
  purgeCatalogCache();
});

/** Every settings route with a valid body; each is tried by every role. */
const ROUTES: [method: string, path: string, body?: unknown][] = [
  ["GET", "/api/admin/settings"],
  ["PATCH", "/api/admin/settings/store", { storeName: "Northwind Goods" }],
  ["PUT", "/api/admin/settings/exchange-rates/SEK", { rateMicros: 10_900_000, decimals: 2 }],
  ["POST", "/api/admin/settings/zones", { id: "matrix", name: "Matrix zone" }],
  ["PATCH", "/api/admin/settings/zones/row", { position: 4 }],
  ["POST", "/api/admin/settings/countries", { code: "XM", name: "Matrixland", currency: "USD", ships: false }],
  ["PATCH", "/api/admin/settings/countries/FR", { taxRateBp: 2000 }],
  ["POST", "/api/admin/settings/rates", { zoneId: "row", method: "express", label: "Express", basePrice: 4999, minDays: 4, maxDays: 7 }],
  ["PATCH", "/api/admin/settings/rates/rate_row_exp", { label: "Express" }],
  ["DELETE", "/api/admin/settings/rates/rate_missing"],
  ["DELETE", "/api/admin/settings/exchange-rates/XXX"],
  ["DELETE", "/api/admin/settings/zones/missing"],
];

describe("admin settings: role matrix", () => {
  it("anonymous 401; customer, vendor and support 403 on every route", async () => {
    for (const [method, path, body] of ROUTES) {
      expect((await send(method, path, body)).status, `${method} ${path} anonymous`).toBe(401);
      for (const role of ["customer", "vendor", "support"] as Role[]) {
        const res = await send(method, path, body, sessions[role]);
        expect(res.status, `${method} ${path} ${role}`).toBe(403);
      }
    }
  });

  it("admins may use every route, and each successful write leaves one audit entry naming the admin", async () => {
    for (const [method, path, body] of ROUTES) {
      const res = await asAdmin(method, path, body);
      const expected = path.includes("missing") || path.endsWith("/XXX") ? 404 : method === "POST" ? 201 : 200;
      expect(res.status, `${method} ${path}`).toBe(expected);
    }
    const rows = (await env.DB.prepare("select action, actor_email from audit_log order by at").all<{ action: string; actor_email: string }>()).results;
    expect(rows.map((r) => r.action)).toEqual([
      "settings.store",
      "settings.exchange_rate.update",
      "settings.zone.create",
      "settings.zone.update",
      "settings.country.create",
      "settings.country.update",
      "settings.rate.create",
      "settings.rate.update",
    ]);
    expect(new Set(rows.map((r) => r.actor_email)).size).toBe(1);
  });
});

describe("admin settings: writes are validated, audited and seen at once", () => {
  it("renames the store but keeps the base currency read-only", async () => {
    const res = await asAdmin("PATCH", "/api/admin/settings/store", { storeName: "Northwind Outfitters" });
    expect(await json(res)).toEqual({ storeName: "Northwind Outfitters", baseCurrency: "USD" });
    const locked = await asAdmin("PATCH", "/api/admin/settings/store", { storeName: "Northwind", baseCurrency: "EUR" });
    expect(locked.status).toBe(409);
    expect((await json(locked)).errors[0].path).toBe("baseCurrency");
    expect((await json(await asAdmin("GET", "/api/admin/settings"))).store).toEqual({
      storeName: "Northwind Outfitters",
      baseCurrency: "USD",
      baseCurrencyEditable: false,
      staffOrderEmails: true,
      staffOrderEmailTo: null,
    });
    expect(await audits("settings.store")).toContainEqual(expect.objectContaining({ entity_id: "store_name", after: '"Northwind Outfitters"' }));
  });

  it("an exchange-rate change is audited with before/after and used by the next quote; the base rate is fixed", async () => {
    const res = await asAdmin("PUT", "/api/admin/settings/exchange-rates/eur", { rateMicros: 1_000_000, decimals: 2 });
    expect(res.status).toBe(200);
    const entry = (await audits("settings.exchange_rate.update")).find((e) => e.entity_id === "EUR");
    expect(JSON.parse(entry?.before as string)).toMatchObject({ code: "EUR", rateMicros: 920000 });
    expect(JSON.parse(entry?.after as string)).toMatchObject({ code: "EUR", rateMicros: 1_000_000 });
    expect((await asAdmin("DELETE", "/api/admin/settings/exchange-rates/SEK")).status).toBe(204);
    expect(await audits("settings.exchange_rate.delete")).toEqual([expect.objectContaining({ entity_id: "SEK", after: null })]);
    expect((await json(await call("/api/currencies"))).currencies.map((c: { code: string }) => c.code)).not.toContain("SEK");
    const base = await asAdmin("PUT", "/api/admin/settings/exchange-rates/USD", { rateMicros: 2_000_000 });
    expect(base.status).toBe(409);
    const bad = await asAdmin("PUT", "/api/admin/settings/exchange-rates/EUR", { rateMicros: 0, decimals: 9 });
    expect((await json(bad)).errors.map((e: { path: string }) => e.path).sort()).toEqual(["decimals", "rateMicros"]);

    const add = await call("/api/cart/items", {
      method: "POST",
      headers: { "Content-Type": "application/json", Origin: "http://store.test" },
      body: JSON.stringify({ sku: "SET-1", quantity: 1 }),
    });
    const q = await json(await call("/api/shipping/quote?country=DE&currency=EUR", { headers: { Cookie: cookiesFrom(add) } }));
    expect(q.display.rateMicros).toBe(1_000_000);
    expect(q.options[0].totals.displayTotal).toEqual({ amount: 5499, currency: "EUR" });
  });

  it("moves a country between zones, changes its tax rate and stops shipping there; each write audited", async () => {
    const moved = await asAdmin("PATCH", "/api/admin/settings/countries/CH", { zoneId: "eu", taxRateBp: 810 });
    expect(await json(moved)).toMatchObject({ code: "CH", zoneId: "eu", taxRateBp: 810, ships: true });
    const add = await call("/api/cart/items", {
      method: "POST",
      headers: { "Content-Type": "application/json", Origin: "http://store.test" },
      body: JSON.stringify({ sku: "SET-1", quantity: 1 }),
    });
    const cookie = cookiesFrom(add);
    expect((await json(await call("/api/shipping/quote?country=CH", { headers: { Cookie: cookie } }))).country.zone.id).toBe("eu");
    await asAdmin("PATCH", "/api/admin/settings/countries/CH", { ships: false });
    expect((await call("/api/shipping/quote?country=CH", { headers: { Cookie: cookie } })).status).toBe(422);
    expect(await audits("settings.country.update")).toHaveLength(3); // FR in the matrix, then CH twice

    const invalid = await asAdmin("PATCH", "/api/admin/settings/countries/DE", { zoneId: "nowhere", postalPattern: "([", currency: "XYZ" });
    expect(invalid.status).toBe(400);
    expect((await json(invalid)).errors[0].path).toBe("zoneId");
    const pattern = await asAdmin("PATCH", "/api/admin/settings/countries/DE", { postalPattern: "([" });
    expect((await json(pattern)).errors[0].path).toBe("postalPattern");
    const unknownField = await asAdmin("PATCH", "/api/admin/settings/countries/DE", { vat: 19 });
    expect((await json(unknownField)).errors[0].path).toBe("vat");
  });

  it("creates, changes and deletes a shipping rate; zones in use cannot be deleted", async () => {
    const created = await json(
      await asAdmin("POST", "/api/admin/settings/rates", {
        zoneId: "uk",
        method: "standard",
        label: "Standard (big orders)",
        basePrice: 999,
        minSubtotal: 10_000,
        minDays: 5,
        maxDays: 8,
      }),
    );
    expect(created).toMatchObject({ zoneId: "uk", basePrice: 999, active: true });
    const wrongDays = await asAdmin("PATCH", `/api/admin/settings/rates/${created.id}`, { minDays: 9 });
    expect((await json(wrongDays)).errors[0].path).toBe("maxDays");
    expect((await asAdmin("PATCH", `/api/admin/settings/rates/${created.id}`, { basePrice: 899 })).status).toBe(200);
    expect((await asAdmin("DELETE", `/api/admin/settings/rates/${created.id}`)).status).toBe(204);
    expect((await audits("settings.rate.create")).length).toBeGreaterThanOrEqual(2);
    expect(await audits("settings.rate.delete")).toHaveLength(1);
    const inUse = await asAdmin("DELETE", "/api/admin/settings/zones/uk");
    expect(inUse.status).toBe(409);
    expect((await json(inUse)).code).toBe("settings.zone_in_use");
    expect((await asAdmin("DELETE", "/api/admin/settings/zones/matrix")).status).toBe(204);
    expect(await audits("settings.zone.delete")).toHaveLength(1);
  });
});
