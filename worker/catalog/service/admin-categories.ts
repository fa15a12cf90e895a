import { and, asc, eq, isNull, sql } from "drizzle-orm";
import { type AuditActor, auditStatement } from "../../lib/audit";
import { type Db, getDb } from "../../db/client";
import { AppError } from "../../lib/errors";
import { newId } from "../../lib/ids";
import type { AdminCategory, CreateCategoryBody, MoveCategoryBody, ReorderCategoriesBody, UpdateCategoryBody } from "../schema";
import { catalogChanged } from "../cache";
import { categories, products } from "../tables";
import { slugify } from "./admin-products";

type CategoryRow = typeof categories.$inferSelect;
const parentIs = (parentId: string | null) => (parentId ? eq(categories.parentId, parentId) : isNull(categories.parentId));

/**
 * Every category in tree order (each parent before its children, siblings by
 * position), with its direct product count over all statuses.
 */
export function listAdminCategories(env: Env): Promise<AdminCategory[]> {
  return categoriesInTreeOrder(getDb(env.DB));
}

async function categoriesInTreeOrder(db: Db): Promise<AdminCategory[]> {
  const [rows, counts] = await db.batch([
    db.select().from(categories).orderBy(asc(categories.depth), asc(categories.position), asc(categories.name)),
    db.select({ id: products.categoryId, n: sql<number>`count(*)` }).from(products).groupBy(products.categoryId),
  ]);
  const productCount = new Map(counts.map((c) => [c.id, c.n]));
  const children = new Map<string | null, CategoryRow[]>();
  for (const r of rows) children.set(r.parentId, [...(children.get(r.parentId) ?? []), r]);
  const out: AdminCategory[] = [];
  const walk = (parentId: string | null) => {
    for (const r of children.get(parentId) ?? []) {
      out.push({ ...r, productCount: productCount.get(r.id) ?? 0, childCount: children.get(r.id)?.length ?? 0 });
      walk(r.id);
    }
  };
  walk(null);
  return out;
}

async function load(db: Db, id: string, path = "id"): Promise<CategoryRow> {
  const row = await db.select().from(categories).where(eq(categories.id, id)).get();
  if (!row) {
    if (path === "id") throw new AppError("catalog.category_not_found", 404, "No category has this id.");
    throw new AppError("request.invalid", 400, "The category has invalid fields.", [{ path, message: "Unknown category" }]);
  }
  return row;
}

async function assertSlugFree(db: Db, slug: string, exceptId?: string): Promise<void> {
  const clash = await db.select({ id: categories.id }).from(categories).where(eq(categories.slug, slug)).get();
  if (clash && clash.id !== exceptId)
    throw new AppError("catalog.slug_taken", 409, "Another category has this slug.", [{ path: "slug", message: "Already used" }]);
}

async function nextPosition(db: Db, parentId: string | null): Promise<number> {
  const row = await db
    .select({ max: sql<number | null>`max(${categories.position})` })
    .from(categories)
    .where(parentIs(parentId))
    .get();
  return (row?.max ?? -1) + 1;
}

/** Creates a category at the end of its parent's children (or of the roots). */
export async function createCategory(env: Env, actor: AuditActor, body: CreateCategoryBody): Promise<AdminCategory> {
  const db = getDb(env.DB);
  const parent = body.parentId ? await load(db, body.parentId, "parentId") : null;
  const slug = body.slug ?? slugify(body.name);
  await assertSlugFree(db, slug);
  const id = newId("cat");
  const row = {
    id,
    parentId: parent?.id ?? null,
    slug,
    name: body.name,
    description: body.description,
    path: `${parent?.path ?? "/"}${id}/`,
    depth: parent ? parent.depth + 1 : 0,
    position: await nextPosition(db, parent?.id ?? null),
  };
  await db.batch([
    db.insert(categories).values(row),
    auditStatement(env.DB, actor, { action: "category.create", entityType: "category", entityId: id, after: row }),
  ]);
  await catalogChanged(env.DB);
  return { ...row, productCount: 0, childCount: 0 };
}

/** Renames a category (name, slug, description). Search text follows by trigger. */
export async function updateCategory(env: Env, actor: AuditActor, id: string, body: UpdateCategoryBody): Promise<AdminCategory> {
  const db = getDb(env.DB);
  const before = await load(db, id);
  if (body.slug) await assertSlugFree(db, body.slug, id);
  const after = { ...before, ...body };
  await db.batch([
    db.update(categories).set(body).where(eq(categories.id, id)),
    auditStatement(env.DB, actor, { action: "category.update", entityType: "category", entityId: id, before, after }),
  ]);
  await catalogChanged(env.DB);
  return (await categoriesInTreeOrder(db)).find((c) => c.id === id) as AdminCategory;
}

/**
 * Moves a category (with its subtree) under another parent or to the root, at
 * `position` among its new siblings. Refuses moving it into itself or its own
 * subtree. Rewrites the materialized `path`/`depth` of the subtree and every
 * product's `category_path` copy in one batch (search follows by trigger).
 */
export async function moveCategory(env: Env, actor: AuditActor, id: string, body: MoveCategoryBody): Promise<AdminCategory[]> {
  const db = getDb(env.DB);
  const node = await load(db, id);
  const parent = body.parentId ? await load(db, body.parentId, "parentId") : null;
  if (parent?.path.startsWith(node.path))
    throw new AppError("catalog.category_cycle", 409, "A category cannot move into itself or one of its subcategories.", [
      { path: "parentId", message: "This is the category itself or one of its subcategories" },
    ]);
  const oldPrefix = node.path;
  const newPrefix = `${parent?.path ?? "/"}${id}/`;
  const depthDelta = (parent ? parent.depth + 1 : 0) - node.depth;
  const siblings = (
    await db
      .select({ id: categories.id })
      .from(categories)
      .where(parentIs(parent?.id ?? null))
      .orderBy(asc(categories.position), asc(categories.name))
      .all()
  )
    .map((s) => s.id)
    .filter((s) => s !== id);
  const at = Math.min(body.position ?? siblings.length, siblings.length);
  siblings.splice(at, 0, id);
  const stmts = [
    // Subtree rows (the node included) get the new prefix; substr avoids LIKE wildcards in ids.
    db
      .update(categories)
      .set({ path: sql`${newPrefix} || substr(path, ${oldPrefix.length + 1})`, depth: sql`depth + ${depthDelta}` })
      .where(sql`substr(path, 1, ${oldPrefix.length}) = ${oldPrefix}`),
    db
      .update(products)
      .set({ categoryPath: sql`${newPrefix} || substr(category_path, ${oldPrefix.length + 1})` })
      .where(sql`substr(category_path, 1, ${oldPrefix.length}) = ${oldPrefix}`),
    db
      .update(categories)
      .set({ parentId: parent?.id ?? null })
      .where(eq(categories.id, id)),
    ...siblings.map((s, position) => db.update(categories).set({ position }).where(eq(categories.id, s))),
    auditStatement(env.DB, actor, {
      action: "category.move",
      entityType: "category",
      entityId: id,
      before: { parentId: node.parentId, path: node.path, position: node.position },
      after: { parentId: parent?.id ?? null, path: newPrefix, position: at },
    }),
  ];
  await db.batch(stmts as unknown as Parameters<typeof db.batch>[0]);
  await catalogChanged(env.DB);
  return categoriesInTreeOrder(db);
}

/** Sets the order of one parent's children; `ids` must be exactly those children. */
export async function reorderCategories(env: Env, actor: AuditActor, body: ReorderCategoriesBody): Promise<AdminCategory[]> {
  const db = getDb(env.DB);
  const current = await db
    .select({ id: categories.id, position: categories.position })
    .from(categories)
    .where(parentIs(body.parentId))
    .orderBy(asc(categories.position))
    .all();
  const same = current.length === body.ids.length && new Set(body.ids).size === body.ids.length && current.every((c) => body.ids.includes(c.id));
  if (!same)
    throw new AppError("request.invalid", 400, "List every child of the parent exactly once.", [
      { path: "ids", message: "Must be exactly the children of parentId" },
    ]);
  await db.batch([
    ...body.ids.map((id, position) => db.update(categories).set({ position }).where(eq(categories.id, id))),
    auditStatement(env.DB, actor, {
      action: "category.reorder",
      entityType: "category",
      entityId: body.parentId ?? "(root)",
      before: current.map((c) => c.id),
      after: body.ids,
    }),
  ] as unknown as Parameters<typeof db.batch>[0]);
  await catalogChanged(env.DB);
  return categoriesInTreeOrder(db);
}

/** Deletes an empty category (no subcategories, no products in any status); 409 otherwise. */
export async function deleteCategory(env: Env, actor: AuditActor, id: string): Promise<void> {
  const db = getDb(env.DB);
  const before = await load(db, id);
  const [child, product] = await db.batch([
    db.select({ id: categories.id }).from(categories).where(eq(categories.parentId, id)).limit(1),
    db.select({ id: products.id }).from(products).where(eq(products.categoryId, id)).limit(1),
  ]);
  if (child.length || product.length)
    throw new AppError("catalog.category_not_empty", 409, "Only an empty category can be deleted: move its subcategories and products first.");
  // The guard repeats inside the DELETE so a product added meanwhile keeps the category.
  await db.batch([
    db
      .delete(categories)
      .where(
        and(
          eq(categories.id, id),
          sql`NOT EXISTS (SELECT 1 FROM products WHERE category_id = ${id})`,
          sql`NOT EXISTS (SELECT 1 FROM categories c WHERE c.parent_id = ${id})`,
        ),
      ),
    auditStatement(env.DB, actor, { action: "category.delete", entityType: "category", entityId: id, before }),
  ]);
  await catalogChanged(env.DB);
}
