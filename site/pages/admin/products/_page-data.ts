import { env } from "cloudflare:workers";
import type { AuditActor } from "../../../../worker/admin/audit";
import { storeUploadedImage } from "../../../../worker/catalog/service/admin-images";
import { AppError, type FieldError } from "../../../../worker/lib/errors";
import { getDb } from "../../../../worker/db/client";
import { listAdminCategories } from "../../../../worker/catalog/service/admin-categories";
import { listBrands } from "../../../../worker/catalog/service/admin-products";
import type { StaffSession } from "../../../lib/admin";

/** Categories (tree order) and brands for the product editor's pickers. */
export async function editorChoices() {
  const db = getDb(env.DB);
  const [categories, brands] = await Promise.all([listAdminCategories(db), listBrands(db)]);
  return { categories, brands };
}

/** The staff member behind a page's form post, as an audit actor. */
export function pageActor(staff: StaffSession, request: Request): AuditActor {
  return { actorId: staff.user.id, actorEmail: staff.user.email, requestId: request.headers.get("x-request-id") };
}

/** 303 See Other after a successful form post. */
export function seeOther(to: string): Response {
  return new Response(null, { status: 303, headers: { Location: to, "Cache-Control": "private, no-store" } });
}

/**
 * Stores a picture chosen in the editor's upload field and adds its address to
 * the images list; answers the field error when the file is refused.
 */
export async function takeUpload(form: FormData, state: { images: string }, actor: AuditActor): Promise<FieldError | null> {
  const file = form.get("upload");
  if (!(file instanceof File) || file.size === 0) return null;
  try {
    const stored = await storeUploadedImage(env, actor, await file.arrayBuffer());
    state.images = [state.images.trim(), stored.url].filter(Boolean).join("\n");
    return null;
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    return { path: "upload", message: error.errors[0]?.message ?? error.message };
  }
}
