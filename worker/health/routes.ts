import { createRoute, z } from "@hono/zod-openapi";
import { problem } from "../lib/errors";
import { createApiApp, problemResponse } from "../lib/openapi";
import { readinessWarnings } from "./service";

export const BUILD_VERSION = "0.1.0";

const HealthSchema = z
  .object({
    status: z
      .enum(["ok", "degraded"])
      .openapi({ description: '"degraded": every binding answers, but the configuration is not ready for real orders (see warnings).' }),
    version: z.string(),
    checks: z.record(z.string(), z.literal("ok")),
    warnings: z
      .array(z.object({ code: z.string(), message: z.string() }))
      .optional()
      .openapi({ description: "Production only: what to fix before taking real orders (e.g. email.outbox_provider)." }),
  })
  .openapi("Health");

const healthRoute = createRoute({
  method: "get",
  path: "/health",
  tags: ["Operations"],
  summary: "Answers 200 once every binding answers; status degraded when the production configuration is not ready",
  responses: {
    200: { description: "Every binding answered (status ok, or degraded with warnings).", content: { "application/json": { schema: HealthSchema } } },
    503: problemResponse("A binding did not answer."),
  },
});

const liveRoute = createRoute({
  method: "get",
  path: "/health/live",
  tags: ["Operations"],
  summary: "Liveness: answers without touching any binding",
  responses: { 200: { description: "The Worker is running.", content: { "application/json": { schema: z.object({ status: z.literal("ok") }) } } } },
});

export const healthRoutes = createApiApp()
  .openapi(liveRoute, (c) => {
    c.header("Cache-Control", "no-store");
    return c.json({ status: "ok" as const }, 200);
  })
  .openapi(healthRoute, async (c) => {
    const checks: Record<string, "ok"> = {};
    const failed: string[] = [];
    const probe = async (name: string, fn: () => Promise<unknown>) => {
      try {
        await fn();
        checks[name] = "ok";
      } catch (err) {
        failed.push(name);
        console.error(JSON.stringify({ level: "error", msg: "health check failed", binding: name, requestId: c.get("requestId"), error: String(err) }));
      }
    };
    await Promise.all([probe("DB", () => c.env.DB.prepare("select 1").first()), probe("CACHE", () => c.env.CACHE.get("health:probe"))]);
    if (failed.length) return problem(c, 503, "health.binding_unavailable", `Not answering: ${failed.join(", ")}.`) as never;
    c.header("Cache-Control", "no-store");
    // Still 200: the store serves; a monitor alerts on "degraded" without a load balancer taking it out of rotation.
    const warnings = readinessWarnings(c.env);
    if (warnings.length) return c.json({ status: "degraded" as const, version: BUILD_VERSION, checks, warnings }, 200);
    return c.json({ status: "ok" as const, version: BUILD_VERSION, checks }, 200);
  });
