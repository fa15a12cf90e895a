import { eq } from "drizzle-orm";
import { getDb } from "../db/client";
import { AppError } from "./errors";
import { idempotencyKeys } from "../db/tables";

const KEY = /^[A-Za-z0-9_-]{8,100}$/;

/** Throws the 400 for a malformed Idempotency-Key (8–100 letters, digits, - or _). */
export function assertIdempotencyKey(key: string | undefined): void {
  if (key !== undefined && !KEY.test(key)) {
    throw new AppError("request.invalid_idempotency_key", 400, "Idempotency-Key must be 8–100 letters, digits, - or _.", [
      { path: "Idempotency-Key", message: "Invalid" },
    ]);
  }
}

/**
 * Runs `work` once per (scope, Idempotency-Key). A retry with the same key and
 * body gets the stored answer; the same key with another body, or while the
 * first attempt still runs, gets 409. Without a key the work simply runs.
 */
export async function withIdempotency<T>(
  d1: D1Database,
  scope: string,
  key: string | undefined,
  body: unknown,
  work: () => Promise<{ status: number; body: T }>,
) {
  if (key === undefined) return work();
  assertIdempotencyKey(key);
  const db = getDb(d1);
  const id = `${scope}:${key}`;
  const hash = Buffer.from(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(JSON.stringify(body)))).toString("base64url");
  const inserted = await db.insert(idempotencyKeys).values({ key: id, requestHash: hash }).onConflictDoNothing().returning().get();
  if (!inserted) {
    const existing = await db.select().from(idempotencyKeys).where(eq(idempotencyKeys.key, id)).get();
    if (existing?.requestHash !== hash) throw new AppError("request.idempotency_key_reused", 409, "This Idempotency-Key was used for a different request.");
    if (existing.status === null || existing.response === null)
      throw new AppError("request.in_progress", 409, "The first request with this Idempotency-Key is still running.");
    return { status: existing.status, body: JSON.parse(existing.response) as T, replayed: true };
  }
  try {
    const result = await work();
    await db
      .update(idempotencyKeys)
      .set({ status: result.status, response: JSON.stringify(result.body) })
      .where(eq(idempotencyKeys.key, id));
    return result;
  } catch (err) {
    // Nothing was placed: free the key so a retry (say, after fixing the cart) can act.
    await db.delete(idempotencyKeys).where(eq(idempotencyKeys.key, id));
    throw err;
  }
}
