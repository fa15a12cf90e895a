import { Hono } from "hono";
import type { AppEnv } from "../lib/context";
import { renderProductSvg } from "./product-image";

/** Generated product pictures: deterministic, so they can be cached forever. */
export const mediaRoutes = new Hono<AppEnv>().get("/products/:slug/:file{[0-9]+\\.svg}", (c) => {
  const slug = c.req.param("slug");
  const index = Number.parseInt(c.req.param("file"), 10);
  if (!/^[a-z0-9-]{1,160}$/.test(slug) || index > 20) return c.notFound();
  return c.body(renderProductSvg(slug, index), 200, {
    "Content-Type": "image/svg+xml; charset=utf-8",
    "Cache-Control": "public, max-age=31536000, immutable",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
  });
});
