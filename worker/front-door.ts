import { Hono } from "hono";
import { secureHeaders } from "hono/secure-headers";
import { api } from "./api";
import type { AppEnv } from "./lib/context";
import { pageCache } from "./lib/page-cache";
import { requestLog } from "./lib/request-log";
import { mediaRoutes } from "./media/routes";

export type PagesHandler = (request: Request, env: Env, ctx: ExecutionContext) => Promise<Response>;

/**
 * The Worker's fetch handler: request ids and logs, security headers, the
 * API under /api, generated media under /media, and every other path
 * rendered by the pages handler (Astro in production, absent in API tests).
 */
export function createFrontDoor(pages: PagesHandler) {
  const app = new Hono<AppEnv>();
  app.use("*", requestLog());
  app.use(
    "*",
    secureHeaders({
      strictTransportSecurity: "max-age=31536000; includeSubDomains",
      xFrameOptions: "DENY",
      referrerPolicy: "strict-origin-when-cross-origin",
      crossOriginEmbedderPolicy: false,
      crossOriginResourcePolicy: "same-origin",
    }),
  );
  app.route("/", api);
  app.route("/media", mediaRoutes);
  app.use("*", pageCache());
  app.all("*", (c) => pages(c.req.raw, c.env, c.executionCtx as ExecutionContext));
  return app;
}
