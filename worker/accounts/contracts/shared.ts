import type { z } from "@hono/zod-openapi";
import { problemResponse, SIGNED_IN } from "../../lib/openapi";
import { SessionSchema } from "../schema";

// The pieces the accounts API's OpenAPI contracts share (the handlers are in ../routes.ts).

/** A required JSON request body. */
export const json = <T extends z.ZodTypeAny>(schema: T) => ({ required: true, content: { "application/json": { schema } } });
/** A JSON answer with its schema. */
export const ok = <T extends z.ZodTypeAny>(schema: T, description: string) => ({ description, content: { "application/json": { schema } } });
/** An answer that starts or renews a session. */
export const session = (description: string) => ({ description, content: { "application/json": { schema: SessionSchema } } });
export const unauthenticated = problemResponse("Not signed in.");
export const TAGS = ["Accounts"];
export const PROFILE = ["Profile"];
export const security = SIGNED_IN;
