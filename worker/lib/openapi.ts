import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "./context";
import { fieldErrorsFromZod, problem } from "./errors";

/**
 * A Hono sub-app whose validation failures answer 400 problem+json listing
 * every invalid field. Every domain's routes are built on it, so the OpenAPI
 * document and the validation come from the same zod schemas.
 */
export function createApiApp() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (!result.success) {
        const target = result.target === "json" ? undefined : result.target;
        return problem(
          c,
          400,
          "request.invalid",
          "The request has invalid fields.",
          fieldErrorsFromZod(result.error, target === "query" || target === "param" ? undefined : target),
        );
      }
    },
  });
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

/** `?page=&perPage=` as API.md fixes them: perPage at most 100. */
export const PaginationQuery = {
  page: z.coerce.number().int().min(1).max(10_000).default(1).openapi({ example: 1 }),
  perPage: z.coerce.number().int().min(1).max(100).default(24).openapi({ example: 24 }),
};

export function pageSchema<T extends z.ZodTypeAny>(item: T, name: string) {
  return z.object({ items: z.array(item), total: z.number().int(), page: z.number().int(), perPage: z.number().int() }).openapi(name);
}
