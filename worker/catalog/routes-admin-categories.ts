import { createRoute, z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { auditActor } from "../lib/audit";
import { getDb } from "../db/client";
import { requireRole } from "../lib/auth";
import type { AppEnv } from "../lib/context";
import { createApiApp, problemResponse, SIGNED_IN } from "../lib/openapi";
import { AdminCategory, CategoryIdParam, CreateCategoryBody, MoveCategoryBody, ReorderCategoriesBody, UpdateCategoryBody } from "./admin-schema";
import { createCategory, deleteCategory, listAdminCategories, moveCategory, reorderCategories, updateCategory } from "./service/admin-categories";

/** `requireRole(c, "admin")` as middleware: it runs before the route's validators. */
export const adminOnly: MiddlewareHandler<AppEnv> = async (c, next) => {
  requireRole(c, "admin");
  await next();
};

const TAGS = ["Admin: categories"];
const security = SIGNED_IN;
const denied = { 401: problemResponse("Not signed in."), 403: problemResponse("Not an admin.") };
const list = { description: "Every category in tree order.", content: { "application/json": { schema: z.object({ items: z.array(AdminCategory) }) } } };
const one = { description: "The category.", content: { "application/json": { schema: AdminCategory } } };
const json = <T extends z.ZodType>(schema: T) => ({ required: true, content: { "application/json": { schema } } });

const app = createApiApp();
app.use("/admin/categories", adminOnly);
app.use("/admin/categories/*", adminOnly);

export const adminCategoryRoutes = app
  .openapi(
    createRoute({
      method: "get",
      path: "/admin/categories",
      tags: TAGS,
      security,
      summary: "The whole category tree, flat in tree order",
      responses: { 200: list, ...denied },
    }),
    async (c) => {
      c.header("Cache-Control", "private, no-store");
      return c.json({ items: await listAdminCategories(getDb(c.env.DB)) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/admin/categories",
      tags: TAGS,
      security,
      summary: "Create a category (last among its siblings)",
      request: { body: json(CreateCategoryBody) },
      responses: { 201: one, 400: problemResponse("Invalid fields."), 409: problemResponse("Slug taken."), ...denied },
    }),
    async (c) => c.json(await createCategory(c.env, auditActor(c), c.req.valid("json")), 201),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/admin/categories/reorder",
      tags: TAGS,
      security,
      summary: "Set the order of one parent's children",
      request: { body: json(ReorderCategoriesBody) },
      responses: { 200: list, 400: problemResponse("Not exactly the parent's children."), ...denied },
    }),
    async (c) => c.json({ items: await reorderCategories(c.env, auditActor(c), c.req.valid("json")) }, 200),
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/admin/categories/{id}",
      tags: TAGS,
      security,
      summary: "Rename a category (name, slug, description)",
      request: { params: CategoryIdParam, body: json(UpdateCategoryBody) },
      responses: {
        200: one,
        400: problemResponse("Invalid fields."),
        404: problemResponse("No such category."),
        409: problemResponse("Slug taken."),
        ...denied,
      },
    }),
    async (c) => c.json(await updateCategory(c.env, auditActor(c), c.req.valid("param").id, c.req.valid("json")), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/admin/categories/{id}/move",
      tags: TAGS,
      security,
      summary: "Move a category and its subtree under another parent (or to the root); cycles are refused",
      request: { params: CategoryIdParam, body: json(MoveCategoryBody) },
      responses: {
        200: list,
        400: problemResponse("Unknown parent."),
        404: problemResponse("No such category."),
        409: problemResponse("Would make a cycle."),
        ...denied,
      },
    }),
    async (c) => c.json({ items: await moveCategory(c.env, auditActor(c), c.req.valid("param").id, c.req.valid("json")) }, 200),
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/admin/categories/{id}",
      tags: TAGS,
      security,
      summary: "Delete an empty category (no subcategories, no products)",
      request: { params: CategoryIdParam },
      responses: { 204: { description: "Deleted." }, 404: problemResponse("No such category."), 409: problemResponse("Not empty."), ...denied },
    }),
    async (c) => {
      await deleteCategory(c.env, auditActor(c), c.req.valid("param").id);
      return c.body(null, 204);
    },
  );
