import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { purgeCatalogCache } from "../../worker/catalog";
import { insertCategory, insertProduct, insertUser } from "../support/factories";
import { call, cookiesFrom, freshIp, json } from "../support/http";
import { passwordSignIn } from "../support/staff";

type Headers = Record<string, string>;
async function session(role: "customer" | "vendor" | "support" | "admin"): Promise<Headers> {
  const user = await insertUser(env.DB, { role });
  const res = await passwordSignIn(user, { "CF-Connecting-IP": freshIp() });
  return { Cookie: cookiesFrom(res), Origin: "http://store.test" };
}
const send = (method: string, path: string, body: unknown, headers: Headers) =>
  call(path, { method, headers: { "Content-Type": "application/json", ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
const actions = async (entityId: string) =>
  (await env.DB.prepare("select action from audit_log where entity_id = ? order by at").bind(entityId).all<{ action: string }>()).results.map((r) => r.action);
const row = async (id: string) => env.DB.prepare("select parent_id, path, depth, position, name from categories where id = ?").bind(id).first();

let admin: Headers;
beforeAll(async () => {
  admin = await session("admin");
}, 20_000);

describe("who may use /api/admin/categories", () => {
  it("lets admins in; support, customers and vendors get 403, anonymous 401 — on every route", async () => {
    const cat = await insertCategory(env.DB, { slug: "matrix-cat" });
    const routes: [string, string, unknown][] = [
      ["GET", "/api/admin/categories", undefined],
      ["POST", "/api/admin/categories", { name: "Matrix New" }],
      ["PATCH", `/api/admin/categories/${cat.id}`, { name: "Matrix Renamed" }],
      ["POST", `/api/admin/categories/${cat.id}/move`, { parentId: null }],
      ["POST", "/api/admin/categories/reorder", { parentId: cat.id, ids: ["x"] }],
      ["DELETE", `/api/admin/categories/${cat.id}`, undefined],
    ];
    const others = { support: await session("support"), customer: await session("customer"), vendor: await session("vendor") };
    for (const [method, path, body] of routes) {
      expect((await send(method, path, body, {})).status, `${method} ${path} anonymous`).toBe(401);
      for (const [role, headers] of Object.entries(others)) expect((await send(method, path, body, headers)).status, `${method} ${path} ${role}`).toBe(403);
    }
    const expected = [200, 201, 200, 200, 400, 204];
    for (const [i, [method, path, body]] of routes.entries())
      expect((await send(method, path, body, admin)).status, `${method} ${path} admin`).toBe(expected[i]);
  }, 60_000);
});

describe("category tree editing", () => {
  it("creates, renames, moves (rewriting the subtree's paths and the products' copies), reorders and deletes, auditing each", async () => {
    const create = async (name: string, parentId: string | null = null) => json(await send("POST", "/api/admin/categories", { name, parentId }, admin));
    const home = await create("Home");
    const kitchen = await create("Kitchen", home.id);
    const knives = await create("Knives", kitchen.id);
    const garden = await create("Garden");
    expect(knives).toMatchObject({ slug: "knives", depth: 2, path: `/${home.id}/${kitchen.id}/${knives.id}/`, position: 0 });
    const product = await insertProduct(env.DB, { category: knives, slug: "chef-knife", name: "Chef Knife" });
    purgeCatalogCache();
    expect((await json(await call("/api/products?category=home"))).items.map((p: { slug: string }) => p.slug)).toContain("chef-knife");

    const renamed = await send("PATCH", `/api/admin/categories/${kitchen.id}`, { name: "Kitchen & Dining", slug: "kitchen-dining" }, admin);
    expect(await json(renamed)).toMatchObject({ name: "Kitchen & Dining", slug: "kitchen-dining" });
    // Search reads category names: the renamed one finds the product.
    expect((await json(await call("/api/products?q=dining"))).items.map((p: { slug: string }) => p.slug)).toContain("chef-knife");

    const moved = await send("POST", `/api/admin/categories/${kitchen.id}/move`, { parentId: garden.id }, admin);
    expect(moved.status).toBe(200);
    expect(await row(kitchen.id)).toMatchObject({ parent_id: garden.id, path: `/${garden.id}/${kitchen.id}/`, depth: 1 });
    expect(await row(knives.id)).toMatchObject({ path: `/${garden.id}/${kitchen.id}/${knives.id}/`, depth: 2 });
    const productRow = await env.DB.prepare("select category_path from products where id = ?").bind(product.product.id).first();
    expect(productRow).toEqual({ category_path: `/${garden.id}/${kitchen.id}/${knives.id}/` });
    expect((await json(await call("/api/products?category=home"))).items.map((p: { slug: string }) => p.slug)).not.toContain("chef-knife");
    expect((await json(await call("/api/products?category=garden"))).items.map((p: { slug: string }) => p.slug)).toContain("chef-knife");
    const tree = await json(await call("/api/categories"));
    const gardenNode = tree.items.find((c: { slug: string }) => c.slug === "garden");
    expect(gardenNode.children[0]).toMatchObject({ slug: "kitchen-dining", productCount: 1, children: [{ slug: "knives" }] });

    const tools = await create("Tools", garden.id);
    const reordered = await send("POST", "/api/admin/categories/reorder", { parentId: garden.id, ids: [tools.id, kitchen.id] }, admin);
    expect(reordered.status).toBe(200);
    expect((await row(tools.id))?.position).toBe(0);
    expect((await row(kitchen.id))?.position).toBe(1);
    const partial = await send("POST", "/api/admin/categories/reorder", { parentId: garden.id, ids: [tools.id] }, admin);
    expect(partial.status).toBe(400);

    // Move to the root at the front.
    await send("POST", `/api/admin/categories/${tools.id}/move`, { parentId: null, position: 0 }, admin);
    expect(await row(tools.id)).toMatchObject({ parent_id: null, depth: 0, position: 0, path: `/${tools.id}/` });

    const notEmpty = await send("DELETE", `/api/admin/categories/${knives.id}`, undefined, admin);
    expect(notEmpty.status).toBe(409);
    expect((await json(notEmpty)).code).toBe("catalog.category_not_empty");
    expect((await send("DELETE", `/api/admin/categories/${garden.id}`, undefined, admin)).status).toBe(409);
    expect((await send("DELETE", `/api/admin/categories/${tools.id}`, undefined, admin)).status).toBe(204);
    expect(await row(tools.id)).toBeNull();

    expect(await actions(kitchen.id)).toEqual(["category.create", "category.update", "category.move"]);
    expect(await actions(tools.id)).toEqual(["category.create", "category.move", "category.delete"]);
    expect(await actions(garden.id)).toEqual(["category.create", "category.reorder"]);
  });

  it("refuses to move a category into itself or its own subtree", async () => {
    const a = await json(await send("POST", "/api/admin/categories", { name: "Cycle A" }, admin));
    const b = await json(await send("POST", "/api/admin/categories", { name: "Cycle B", parentId: a.id }, admin));
    const c = await json(await send("POST", "/api/admin/categories", { name: "Cycle C", parentId: b.id }, admin));
    for (const target of [a.id, b.id, c.id]) {
      const res = await send("POST", `/api/admin/categories/${a.id}/move`, { parentId: target }, admin);
      expect(res.status).toBe(409);
      expect(await json(res)).toMatchObject({ code: "catalog.category_cycle", errors: [{ path: "parentId" }] });
    }
    expect(await row(a.id)).toMatchObject({ parent_id: null, path: `/${a.id}/` });
    expect(await actions(a.id)).toEqual(["category.create"]);
  });

  it("names invalid fields, refuses duplicate slugs and unknown parents, and answers 404", async () => {
    const bad = await send("POST", "/api/admin/categories", { name: "", slug: "Bad Slug", colour: "red" }, admin);
    expect(bad.status).toBe(400);
    expect((await json(bad)).errors.map((e: { path: string }) => e.path).sort()).toEqual(["colour", "name", "slug"]);
    await send("POST", "/api/admin/categories", { name: "Lamps" }, admin);
    const dup = await send("POST", "/api/admin/categories", { name: "Lamps" }, admin);
    expect(dup.status).toBe(409);
    expect((await json(dup)).errors).toEqual([{ path: "slug", message: "Already used" }]);
    const orphan = await send("POST", "/api/admin/categories", { name: "Orphan", parentId: "cat_nope" }, admin);
    expect(orphan.status).toBe(400);
    expect((await json(orphan)).errors[0].path).toBe("parentId");
    expect((await send("PATCH", "/api/admin/categories/cat_nope", { name: "X" }, admin)).status).toBe(404);
    expect((await send("DELETE", "/api/admin/categories/cat_nope", undefined, admin)).status).toBe(404);
  });
});
