import { env } from "cloudflare:workers";
import { listAdminCategories, listBrands, type ProductInput } from "../../../../worker/catalog";
import type { AuditActor } from "../../../../worker/lib/audit";
import { AppError, type FieldError } from "../../../../worker/lib/errors";
import { formatMoney } from "../../../../worker/lib/money";
import { storeUploadedImage } from "../../../../worker/media";
import { pageActor, type StaffSession } from "../../../lib/admin";
import { inputFromState, type ProductFormState, stateFromForm, toFormPaths } from "./_product-form";

/** Categories (tree order) and brands for the product editor's pickers. */
export async function editorChoices() {
  const [categories, brands] = await Promise.all([listAdminCategories(env), listBrands(env)]);
  return { categories, brands };
}

/** A product's price in the list: one amount, or its lowest to highest variant price, in its own currency's minor units. */
export function priceRangeText(p: { minPrice: number; maxPrice: number; currency: string }): string {
  const min = formatMoney({ amount: p.minPrice, currency: p.currency });
  return p.minPrice === p.maxPrice ? min : `${min}–${formatMoney({ amount: p.maxPrice, currency: p.currency })}`;
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

export interface EditorPost {
  state: ProductFormState;
  errors: FieldError[];
  message: string | null;
  /** HTTP status of the re-rendered form (200 unless the post failed). */
  status: number;
  /** Set when the product was saved: the page answers 303 to it. */
  redirect?: Response;
}

/**
 * The product editor's form post, shared by the new and edit pages: "add a
 * variant row" re-renders without saving, an uploaded picture is stored first,
 * then `save` writes the product and names the page to go to. Service errors
 * come back as field errors numbered like the rows on the form. Prices are
 * read in `currency`: the product's own, or the base currency for a new one.
 */
export async function handleEditorPost(
  request: Request,
  staff: StaffSession,
  currency: string,
  save: (actor: AuditActor, input: ProductInput) => Promise<string>,
): Promise<EditorPost> {
  const form = await request.formData();
  const intent = form.get("intent");
  const state = stateFromForm(form, intent === "add-row", currency);
  const actor = pageActor(staff, request);
  const uploadError = await takeUpload(form, state, actor);
  if (uploadError) return { state, errors: [uploadError], message: "The picture was not added.", status: 400 };
  if (intent === "add-row") return { state, errors: [], message: null, status: 200 };
  // Set once the form is valid: the service's errors then number variants among the rows sent.
  let keptRows: number[] | null = null;
  try {
    const parsed = inputFromState(state);
    keptRows = parsed.keptRows;
    return { state, errors: [], message: null, status: 303, redirect: seeOther(await save(actor, parsed.input)) };
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    return { state, errors: keptRows ? toFormPaths(error.errors, keptRows) : error.errors, message: error.message, status: error.status };
  }
}
