import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { ZodError } from "zod";
import type { AppEnv } from "./context";
import { fieldErrorsFromZod, problem } from "./errors";

/**
 * A Hono sub-app whose validation failures answer 400 problem+json listing
 * every invalid field. Every domain's routes are built on it, so the OpenAPI
 * document and the validation come from the same zod schemas.
 */
export function createApiApp() {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook() });
}

/**
 * The validation hook. zod skips object-level checks once a field failed, so
 * `unknownQueryKeys` lets a route still name its unknown query parameters in
 * the same answer as the other invalid fields.
 */
export function validationHook(unknownQueryKeys?: (keys: string[]) => string[]) {
  return (result: { success: boolean; target: string; error?: ZodError }, c: Context<AppEnv>) => {
    if (result.success || !result.error) return;
    const prefix = result.target === "json" || result.target === "query" || result.target === "param" ? undefined : result.target;
    const errors = fieldErrorsFromZod(result.error, prefix);
    if (result.target === "query" && unknownQueryKeys) {
      for (const key of unknownQueryKeys(Object.keys(c.req.queries()))) {
        if (!errors.some((e) => e.path === key)) errors.push({ path: key, message: "Unknown query parameter" });
      }
    }
    // Typed as `never` so one hook fits every route's declared response union.
    return problem(c, 400, "request.invalid", "The request has invalid fields.", errors) as never;
  };
}

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    code: z.string().openapi({ example: "catalog.product_not_found" }),
    detail: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })),
    requestId: z.string().optional(),
  })
  .openapi("Problem");

export function problemResponse(description: string) {
  return { description, content: { "application/problem+json": { schema: ProblemSchema } } } as const;
}

export const MoneySchema = z
  .object({
    amount: z.number().int().openapi({ description: "Integer amount in minor units (cents).", example: 1999 }),
    currency: z.string().length(3).openapi({ example: "USD" }),
  })
  .openapi("Money");

/** `?page=&perPage=`: perPage at most 100 (docs/api.md). */
export const PaginationQuery = {
  page: z.coerce.number().int().min(1).max(10_000).default(1).openapi({ example: 1 }),
  perPage: z.coerce.number().int().min(1).max(100).default(24).openapi({ example: 24 }),
};

export function pageSchema<T extends z.ZodTypeAny>(item: T, name: string) {
  return z.object({ items: z.array(item), total: z.number().int(), page: z.number().int(), perPage: z.number().int() }).openapi(name);
}

/** Routes for signed-in callers: a Bearer token or the session cookie. */
/** The `{id}` path parameter of a route on one object (every generated id fits in 64 characters). */
export const IdParam = z.object({
  id: z
    .string()
    .max(64)
    .openapi({ param: { name: "id", in: "path" } }),
});

export const SIGNED_IN: Record<string, string[]>[] = [{ bearerAuth: [] }, { cookieAuth: [] }];

/** A JSON value (a stored snapshot whose shape is the stored entity's): typed as JSON, not `unknown`. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export const JsonValueSchema: z.ZodType<JsonValue> = z
  .lazy(() => z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(JsonValueSchema), z.record(z.string(), JsonValueSchema)]))
  .openapi("JsonValue");
