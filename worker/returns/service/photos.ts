import { and, eq } from "drizzle-orm";
import { getDb } from "../../db/client";
import { auditStatementIfChanged } from "../../lib/audit";
import { runBatch } from "../../lib/d1-batch";
import { AppError } from "../../lib/errors";
import { newId } from "../../lib/ids";
import { readPrivatePhoto, registerPrivatePhotoOwner, storePrivatePhoto } from "../../media";
import { actorColumn, type OrderRow, type TimelineActor } from "../../orders";
import type { ReturnView } from "../schema";
import { returnPhotos } from "../tables";
import { getReturnRow, linesOfReturns, returnView, shopperAuditActor } from "./shared";

/** How many photos one return may carry. */
export const RETURN_PHOTO_LIMIT = 3;

export interface StoredReturnPhoto {
  id: string;
  key: string;
  type: string;
  bytes: number;
}

/**
 * Checks and stores a shopper's photos for a return (JPEG, PNG or WebP by their bytes, at most 5 MiB
 * each, metadata removed) under private keys, before anything about the return is written: a refused
 * photo leaves no return behind. Errors name `photos` (too many) or `photos.<n>` (that file).
 */
export async function storeReturnPhotos(env: Env, files: ArrayBuffer[], already = 0): Promise<StoredReturnPhoto[]> {
  if (already + files.length > RETURN_PHOTO_LIMIT)
    throw new AppError("returns.photo_limit", 400, `A return may have at most ${RETURN_PHOTO_LIMIT} photos.`, [
      { path: "photos", message: `At most ${RETURN_PHOTO_LIMIT} photos` },
    ]);
  const stored: StoredReturnPhoto[] = [];
  // One at a time: each is up to 5 MiB in memory, and the isolate's memory is small.
  for (const [i, file] of files.entries()) {
    const photo = await storePrivatePhoto(env, file, `photos.${i}`);
    stored.push({ id: newId("rph"), ...photo });
  }
  return stored;
}

/**
 * The insert of one photo row, for the caller's batch: written only while the return is still requested
 * and has fewer than the limit, so two uploads at once cannot pass it (the check runs inside the write).
 */
export function returnPhotoStatement(d1: D1Database, returnId: string, owner: TimelineActor, photo: StoredReturnPhoto) {
  return d1
    .prepare(
      `insert into return_photos (id, return_id, owner, object_key, content_type, bytes)
       select ?1, ?2, ?3, ?4, ?5, ?6
       where (select count(*) from return_photos where return_id = ?2) < ?7
         and exists (select 1 from returns where id = ?2 and status = 'requested')`,
    )
    .bind(photo.id, returnId, actorColumn(owner), photo.key, photo.type, photo.bytes, RETURN_PHOTO_LIMIT);
}

/**
 * The shopper adds a photo to a return that is still waiting for staff (requested). The caller has
 * opened the return's order by its access rule. 409 `returns.photos_closed` once staff decided,
 * `returns.photo_limit` when it already has three. The photo's row and its audit row
 * (`return.photos_added`: who, which return, how many) commit together, and an upload that lost the
 * last place to another leaves no audit row.
 */
export async function addReturnPhoto(
  env: Env,
  order: OrderRow,
  returnId: string,
  bytes: ArrayBuffer,
  owner: TimelineActor,
  requestId: string | null = null,
): Promise<ReturnView> {
  const ret = await getReturnRow(env, returnId);
  if (ret.orderId !== order.id) throw new AppError("returns.not_found", 404, "No such return.");
  if (ret.status !== "requested")
    throw new AppError("returns.photos_closed", 409, `Return ${ret.number} has been looked at already: photos can no longer be added.`);
  const count = await env.DB.prepare("select count(*) as n from return_photos where return_id = ?").bind(ret.id).first<number>("n");
  if ((count ?? 0) >= RETURN_PHOTO_LIMIT) throw new AppError("returns.photo_limit", 409, `A return may have at most ${RETURN_PHOTO_LIMIT} photos.`);
  const [photo] = (await storeReturnPhotos(env, [bytes])) as [StoredReturnPhoto];
  const [inserted] = await runBatch(env.DB, [
    returnPhotoStatement(env.DB, ret.id, owner, photo),
    auditStatementIfChanged(env.DB, shopperAuditActor(owner, order.email, requestId), {
      action: "return.photos_added",
      entityType: "return",
      entityId: ret.id,
      after: { photos: 1, photoIds: [photo.id] },
    }),
  ]);
  if (!inserted?.meta.changes)
    throw new AppError("returns.photo_limit", 409, `A return may have at most ${RETURN_PHOTO_LIMIT} photos, or it has been looked at already.`);
  return returnView(env, ret, await linesOfReturns(env, [ret.id]));
}

/**
 * A return photo's bytes. The caller has already decided the reader may see the return (its order's
 * access rule for shoppers, the staff role for staff); a photo of another return is 404.
 */
export async function readReturnPhoto(env: Env, returnId: string, photoId: string): Promise<{ body: ReadableStream; type: string; size: number }> {
  const row = await getDb(env.DB)
    .select({ key: returnPhotos.objectKey })
    .from(returnPhotos)
    .where(and(eq(returnPhotos.id, photoId), eq(returnPhotos.returnId, returnId)))
    .get();
  const photo = row ? await readPrivatePhoto(env, row.key) : null;
  if (!photo) throw new AppError("returns.photo_not_found", 404, "No such photo.");
  return photo;
}

/** D1 binds at most 100 parameters per statement. */
const KEYS_PER_QUERY = 90;

/** Which of `keys` a return photo points at: the media sweep of unattached private photos keeps those. */
export async function referencedReturnPhotoKeys(env: Env, keys: string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (let i = 0; i < keys.length; i += KEYS_PER_QUERY) {
    const chunk = keys.slice(i, i + KEYS_PER_QUERY);
    const rows = await env.DB.prepare(`select distinct object_key as key from return_photos where object_key in (${chunk.map(() => "?").join(",")})`)
      .bind(...chunk)
      .all<{ key: string }>();
    for (const row of rows.results) found.add(row.key);
  }
  return found;
}

registerPrivatePhotoOwner(referencedReturnPhotoKeys);
