import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./context";

const REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;

/** The header on the request the front door hands to pages: its own request id (see `pageActor`). */
export const PAGE_REQUEST_ID_HEADER = "x-request-id";

/**
 * Gives every request an id (a sane incoming `X-Request-Id` is kept so a
 * trace spans services), echoes it in the response and writes one JSON log
 * line per request with id, method, route, status and duration.
 */
export function requestLog(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    const incoming = c.req.header("x-request-id");
    const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
    c.set("requestId", requestId);
    await next();
    c.res.headers.set("X-Request-Id", requestId);
    // Under load, a log line per request costs more than the request itself;
    // LOG_REQUESTS=off silences them for benchmarks, and =timings (profiling) sends the time instead.
    if (c.env?.LOG_REQUESTS === "timings") c.res.headers.append("Server-Timing", `app;dur=${(performance.now() - started).toFixed(1)}`);
    if (c.env?.LOG_REQUESTS === "off" || c.env?.LOG_REQUESTS === "timings") return;
    console.log(
      JSON.stringify({
        level: c.res.status >= 500 ? "error" : "info",
        msg: "request",
        requestId,
        method: c.req.method,
        path: c.req.path,
        route: c.req.routePath,
        status: c.res.status,
        durationMs: Math.round((performance.now() - started) * 10) / 10,
      }),
    );
  };
}
