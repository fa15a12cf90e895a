import { createRoute, z } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { auditActor } from "../lib/audit";
import { requireRole } from "../lib/auth";
import { AppError, problem } from "../lib/errors";
import { createApiApp, problemResponse, SIGNED_IN } from "../lib/openapi";
import { ImportQuery, ImportResult } from "./admin-schema";
import { adminOnly } from "./routes-admin-categories";
import { CSV_COLUMNS, CSV_MAX_BYTES, exportProductsCsv, importProductsCsv } from "./service/admin-csv";
import { UPLOAD_TYPES } from "../media/store";
import { IMAGE_MAX_BYTES, readLegacyUploadedImage, storeUploadedImage } from "./service/admin-images";

const TAGS = ["Admin: products"];
const security = SIGNED_IN;
const denied = { 401: problemResponse("Not signed in."), 403: problemResponse("Not an admin.") };
const NO_STORE = "private, no-store";

const app = createApiApp();
app.use("/admin/products/*", adminOnly);
// These bodies are exempt from the API's JSON-only rule and 64 KiB limit (worker/api.ts) and have their own.
app.use(
  "/admin/products/images",
  bodyLimit({ maxSize: IMAGE_MAX_BYTES, onError: (c) => problem(c, 413, "request.too_large", "Images may be at most 5 MiB.") }),
);
app.use(
  "/admin/products/import",
  bodyLimit({ maxSize: CSV_MAX_BYTES, onError: (c) => problem(c, 413, "request.too_large", "The CSV file is larger than 2 MiB.") }),
);

/** CSV export/import and uploaded pictures (bodies that are not JSON, each with its own limit). Mounted before adminProductRoutes so `/admin/products/export` is not taken for an id. */
export const adminProductFileRoutes = app
  .openapi(
    createRoute({
      method: "get",
      path: "/admin/products/export",
      tags: TAGS,
      security,
      summary: "Every product and variant as CSV, one row per variant",
      description: `Columns: ${CSV_COLUMNS.join(", ")}. Money in minor units; attributes and options as \`name=value; name=value\`; images as URLs separated by \`|\`.`,
      responses: { 200: { description: "The CSV file.", content: { "text/csv": { schema: z.string() } } }, ...denied },
    }),
    async (c) => {
      requireRole(c, "admin");
      const csv = exportProductsCsv(c.env);
      const day = new Date().toISOString().slice(0, 10);
      return c.body(csv, 200, {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": `attachment; filename="products-${day}.csv"`,
        "Cache-Control": NO_STORE,
      });
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/admin/products/import",
      tags: TAGS,
      security,
      summary: "Import products from CSV (the export's columns); a dry run (default) lists every row error, a real run writes all rows or none",
      description: `Send the file as \`text/csv\` (at most ${CSV_MAX_BYTES / 1024 / 1024} MiB). Products are matched by product_slug, variants by sku.`,
      request: { query: ImportQuery, body: { required: true, content: { "text/csv": { schema: z.string() } } } },
      responses: {
        200: {
          description: "Checked (and, unless a dry run, written). A dry run lists every row error here with `ok: false`.",
          content: { "application/json": { schema: ImportResult } },
        },
        400: problemResponse("A real run found row errors (`errors[].path` is `<row>.<column>`) and wrote nothing, or the query is invalid."),
        413: problemResponse("The file is too large."),
        415: problemResponse("Not text/csv."),
        ...denied,
      },
    }),
    async (c) => {
      requireRole(c, "admin");
      if (!/^text\/csv(\s*;|$)/i.test(c.req.header("content-type") ?? ""))
        throw new AppError("request.unsupported_media_type", 415, "Send the file as text/csv.");
      const declared = Number(c.req.header("content-length") ?? 0);
      if (declared > CSV_MAX_BYTES) throw new AppError("request.too_large", 413, "The CSV file is larger than 2 MiB.");
      const bytes = await c.req.arrayBuffer();
      if (bytes.byteLength > CSV_MAX_BYTES) throw new AppError("request.too_large", 413, "The CSV file is larger than 2 MiB.");
      const text = new TextDecoder("utf-8", { fatal: false }).decode(bytes);
      const result = await importProductsCsv(c.env, auditActor(c), text, c.req.valid("query").dryRun);
      if (!result.ok && !result.dryRun)
        throw new AppError(
          "catalog.import_invalid",
          400,
          `Nothing was imported: ${result.errors.length} problem(s) in the file. Run a dry run to see them as a table.`,
          result.errors.map((e) => ({ path: `${e.row}.${e.column}`, message: e.message })),
        );
      return c.json(result, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/admin/products/images",
      tags: TAGS,
      security,
      summary:
        "Upload a product picture (PNG, JPEG, GIF, WebP or AVIF, at most 5 MiB; never SVG) to the media bucket; answers its content-addressed /media/uploads/ URL to put in a product's images",
      request: {
        body: {
          required: true,
          content: Object.fromEntries(UPLOAD_TYPES.map((type) => [type, { schema: z.string() }])),
        },
      },
      responses: {
        201: { description: "Stored.", content: { "application/json": { schema: z.object({ url: z.string(), type: z.string(), bytes: z.number().int() }) } } },
        400: problemResponse("Empty."),
        413: problemResponse("Larger than 5 MiB."),
        415: problemResponse("Not a PNG, JPEG, GIF, WebP or AVIF (checked from the bytes), or sent with another content type."),
        ...denied,
      },
    }),
    async (c) => {
      requireRole(c, "admin");
      const declared = (c.req.header("content-type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
      if (!UPLOAD_TYPES.includes(declared))
        throw new AppError("request.unsupported_media_type", 415, `Send the picture as ${UPLOAD_TYPES.join(", ")}.`, [
          { path: "content-type", message: "Not a supported picture type (SVG is never accepted)" },
        ]);
      return c.json(await storeUploadedImage(c.env, auditActor(c), await c.req.arrayBuffer()), 201);
    },
  )
  .openapi(
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
