import { createRoute, z } from "@hono/zod-openapi";
import { problem } from "../lib/errors";
import { createApiApp, problemResponse } from "../lib/openapi";

export const BUILD_VERSION = "0.1.0";

const HealthSchema = z.object({ status: z.literal("ok"), version: z.string(), checks: z.record(z.string(), z.literal("ok")) }).openapi("Health");

const healthRoute = createRoute({
  method: "get",
  path: "/health",
  tags: ["Operations"],
  summary: "Answers 200 once every binding answers",
  responses: {
    200: { description: "Every binding answered.", content: { "application/json": { schema: HealthSchema } } },
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
    return c.json({ status: "ok" as const, version: BUILD_VERSION, checks }, 200);
  });
