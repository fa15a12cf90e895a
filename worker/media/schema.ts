import { z } from "@hono/zod-openapi";

/** Where an uploaded picture is served from, its type (read from its bytes) and its size. */
export const UploadedImage = z.object({ url: z.string(), type: z.string(), bytes: z.number().int() });
export type UploadedImage = z.infer<typeof UploadedImage>;
