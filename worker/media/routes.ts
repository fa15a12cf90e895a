import { Hono } from "hono";
import type { AppEnv } from "../lib/context";
import { renderProductSvg } from "./product-image";
import { getUpload, IMMUTABLE, UPLOAD_FILE } from "./store";

/** A picture may be shown by a page, never run as a document or framed. */
const PICTURE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; sandbox";

/** `If-None-Match` names this entity tag (or `*`). */
function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(",").some((t) => {
    const tag = t.trim().replace(/^W\//, "");
    return tag === "*" || tag === etag;
  });
}

/**
 * Generated product pictures (deterministic) and uploaded ones (content
 * addressed in R2): both are cached forever. The ETag of an upload is the
 * sha-256 in its name, so a revalidation is answered without reading R2.
 */
export const mediaRoutes = new Hono<AppEnv>()
  .get("/products/:slug/:file{[0-9]+\\.svg}", (c) => {
    const slug = c.req.param("slug");
    const index = Number.parseInt(c.req.param("file"), 10);
    if (!/^[a-z0-9-]{1,160}$/.test(slug) || index > 20) return c.notFound();
    return c.body(renderProductSvg(slug, index), 200, {
      "Content-Type": "image/svg+xml; charset=utf-8",
      "Cache-Control": IMMUTABLE,
      "Content-Security-Policy": PICTURE_POLICY,
    });
  })
  .get("/uploads/:file", async (c) => {
    const file = c.req.param("file");
    if (!UPLOAD_FILE.test(file)) return c.notFound();
    const etag = `"${file.slice(0, 64)}"`;
    const headers = { ETag: etag, "Cache-Control": IMMUTABLE, "Content-Security-Policy": PICTURE_POLICY };
    // The name is the hash of the bytes: a client holding this tag holds these exact bytes.
    if (matches(c.req.header("if-none-match"), etag)) return c.body(null, 304, headers);
    const upload = await getUpload(c.env, file);
    if (!upload) return c.body("No such picture.", 404, { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" });
    return c.body(upload.body, 200, { ...headers, "Content-Type": upload.type, "Content-Length": String(upload.size) });
  });
