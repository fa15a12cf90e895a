import { createRoute, type RouteConfig, z } from "@hono/zod-openapi";
import { problemResponse, SIGNED_IN } from "./openapi";

// The staff settings routes of several domains (store, regions, currency, shipping) share one look in the
// OpenAPI document: one tag, the same guard answers, paths under /settings on the admin sub-app.

const TAGS = ["Admin: settings"];
const guarded = {
  400: problemResponse("Invalid field (each named)."),
  401: problemResponse("Not signed in."),
  403: problemResponse("Not an admin."),
  404: problemResponse("No such entry."),
  409: problemResponse("Duplicate, in use, or the base currency."),
};

const pathString = (name: string) =>
  z
    .string()
    .max(40)
    .openapi({ param: { name, in: "path" } });
export const CodeParam = z.object({ code: pathString("code") });
export const IdParam = z.object({ id: pathString("id") });

/** A required JSON request body. */
export const jsonBody = <T extends z.ZodTypeAny>(schema: T) => ({ body: { required: true, content: { "application/json": { schema } } } });
/** A JSON answer with its schema. */
export const jsonAnswer = <T extends z.ZodTypeAny>(description: string, schema: T) => ({ description, content: { "application/json": { schema } } });
export const deleted = { 204: { description: "Deleted." } } as const;

/** A settings route at `/settings<path>` of the admin sub-app (mounted at /api/admin). */
export function settingsRoute<
  const M extends "get" | "post" | "put" | "patch" | "delete",
  const P extends string,
  const Q extends RouteConfig["request"],
  const R extends object,
>(method: M, path: P, summary: string, request: Q, responses: R) {
  return createRoute({
    method,
    path: `/settings${path}` as `/settings${P}`,
    tags: TAGS,
    security: SIGNED_IN,
    summary,
    request,
    responses: { ...responses, ...guarded },
  });
}
