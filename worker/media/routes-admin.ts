import { createRoute, z } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { auditActor } from "../lib/audit";
import { requirePermission } from "../lib/auth";
import { AppError, problem } from "../lib/errors";
import { createApiApp, problemResponse, SIGNED_IN } from "../lib/openapi";
import { AppIcons } from "../store/schema";
import { UploadedImage } from "./schema";
import { IMAGE_MAX_BYTES, resetAppIcon, storeUploadedImage, uploadAppIcon } from "./service";
import { UPLOAD_TYPES } from "./store";

const app = createApiApp();
// Admins only, checked before the body is read (support staff, let in by the staff API, may not upload).
// The body is exempt from the API's JSON-only rule and 64 KiB limit (worker/api.ts) and has its own.
app.use("/products/images", async (c, next) => {
  requirePermission(c, "catalog");
  await next();
});
app.use("/products/images", bodyLimit({ maxSize: IMAGE_MAX_BYTES, onError: (c) => problem(c, 413, "request.too_large", "Images may be at most 5 MiB.") }));
// The app icon is a store setting: the "settings" permission, checked before the body is read.
app.use("/settings/app-icon", async (c, next) => {
  requirePermission(c, "settings");
  await next();
});
app.use("/settings/app-icon", bodyLimit({ maxSize: IMAGE_MAX_BYTES, onError: (c) => problem(c, 413, "request.too_large", "Icons may be at most 5 MiB.") }));

const AppIconAnswer = z.object({ icons: AppIcons.nullable() }).openapi("AppIconAnswer");

/** Staff uploads of product pictures (mounted on the staff API: paths are under /api/admin). */
export const adminMediaRoutes = app
  .openapi(
    createRoute({
      method: "post",
      path: "/products/images",
      tags: ["Admin: products"],
      security: SIGNED_IN,
      summary:
        "Upload a product picture (PNG, JPEG, GIF, WebP or AVIF, at most 5 MiB; never SVG) to the media bucket; answers its content-addressed /media/uploads/ URL to put in a product's images",
      request: {
        body: {
          required: true,
          content: Object.fromEntries(UPLOAD_TYPES.map((type) => [type, { schema: z.string() }])),
        },
      },
      responses: {
        201: { description: "Stored.", content: { "application/json": { schema: UploadedImage } } },
        400: problemResponse("Empty."),
        413: problemResponse("Larger than 5 MiB."),
        415: problemResponse("Not a PNG, JPEG, GIF, WebP or AVIF (checked from the bytes), or sent with another content type."),
        401: problemResponse("Not signed in."),
        403: problemResponse("Not an admin."),
      },
    }),
    async (c) => {
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
      method: "put",
      path: "/settings/app-icon",
      tags: ["Admin: settings"],
      security: SIGNED_IN,
      summary:
        "Upload the installable app's icon: one square PNG (512 to 2048 px, at most 5 MiB) from which the store makes its 192 and 512 px icons, plain and maskable, and points the manifest at them",
      request: { body: { required: true, content: { "image/png": { schema: z.string() } } } },
      responses: {
        200: { description: "The icons now in the manifest.", content: { "application/json": { schema: AppIconAnswer } } },
        400: problemResponse("Empty, not square, smaller than 512 or larger than 2048 pixels, or a PNG this store cannot read (`file`)."),
        413: problemResponse("Larger than 5 MiB."),
        415: problemResponse("Not a PNG (checked from the bytes), or sent with another content type."),
        401: problemResponse("Not signed in."),
        403: problemResponse("Without the settings permission."),
      },
    }),
    async (c) => {
      const declared = (c.req.header("content-type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
      if (declared !== "image/png")
        throw new AppError("request.unsupported_media_type", 415, "Send the icon as image/png.", [{ path: "content-type", message: "Not image/png" }]);
      return c.json({ icons: await uploadAppIcon(c.env, auditActor(c), await c.req.arrayBuffer()) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/settings/app-icon",
      tags: ["Admin: settings"],
      security: SIGNED_IN,
      summary: "Go back to the app icons built with the site (audited)",
      responses: {
        200: { description: "No uploaded icons: the manifest names the built-in ones.", content: { "application/json": { schema: AppIconAnswer } } },
        401: problemResponse("Not signed in."),
        403: problemResponse("Without the settings permission."),
      },
    }),
    async (c) => c.json({ icons: await resetAppIcon(c.env, auditActor(c)) }, 200),
  );
