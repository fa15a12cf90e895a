import { createRoute, z } from "@hono/zod-openapi";
import { Hono } from "hono";
import type { AppEnv } from "../lib/context";
import { ifNoneMatchHits } from "../lib/entity-tag";
import { AppError } from "../lib/errors";
import { createApiApp, problemResponse } from "../lib/openapi";
import { renderProductSvg } from "./product-image";
import { readLegacyUploadedImage } from "./service";
import { getUpload, IMMUTABLE, UPLOAD_FILE } from "./store";

/** A picture may be shown by a page, never run as a document or framed. */
const PICTURE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; sandbox";

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
    if (ifNoneMatchHits(c.req.header("if-none-match"), etag)) return c.body(null, 304, headers);
    const upload = await getUpload(c.env, file);
    if (!upload) return c.body("No such picture.", 404, { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" });
    return c.body(upload.body, 200, { ...headers, "Content-Type": upload.type, "Content-Length": String(upload.size) });
  });

/** Under /api: pictures uploaded before uploads moved to R2, still named by some products. */
export const mediaApiRoutes = createApiApp().openapi(
  createRoute({
    method: "get",
    path: "/media/uploads/{file}",
    tags: ["Catalog"],
    summary: "A picture uploaded before uploads moved to R2 (read from KV; new uploads are served from /media/uploads/)",
    request: {
      params: z.object({
        file: z
          .string()
          .regex(/^img_[0-9a-z]{16}\.(png|jpg|gif|webp)$/, "Expected an uploaded image name")
          .openapi({ param: { name: "file", in: "path" } }),
      }),
    },
    responses: { 200: { description: "The picture.", content: { "image/png": { schema: z.string() } } }, 404: problemResponse("No such picture.") },
  }),
  async (c) => {
    const image = await readLegacyUploadedImage(c.env, c.req.valid("param").file);
    if (!image) throw new AppError("catalog.image_not_found", 404, "No such picture.");
    // Names are never reused, so the picture can be cached for good.
    return c.body(image.body, 200, { "Content-Type": image.type, "Cache-Control": "public, max-age=31536000, immutable" });
  },
);
