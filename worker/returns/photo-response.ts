import type { Context } from "hono";
import type { AppEnv } from "../lib/context";
import { problemResponse } from "../lib/openapi";
import { z } from "@hono/zod-openapi";

/** The OpenAPI answer of a return photo's bytes. */
export const photoAnswer = {
  description: "The photo (JPEG, PNG or WebP).",
  content: { "image/jpeg": { schema: z.string() }, "image/png": { schema: z.string() }, "image/webp": { schema: z.string() } },
};
export const photoNotFound = problemResponse("No such photo on this return.");

/**
 * A return photo as an answer: private to the reader (no shared cache may keep it, since the same URL
 * is refused to anyone else), never sniffed as another type, and unable to run anything if opened alone.
 */
export function photoResponse(c: Context<AppEnv>, photo: { body: ReadableStream; type: string; size: number }) {
  return c.body(photo.body, 200, {
    "Content-Type": photo.type,
    "Content-Length": String(photo.size),
    "Cache-Control": "private, no-store",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
  });
}
