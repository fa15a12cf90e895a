import { env } from "cloudflare:workers";
import { type AdminProduct, VendorProductInput } from "../../../worker/catalog/schema";
import type { AuditActor } from "../../../worker/lib/audit";
import { AppError, type FieldError } from "../../../worker/lib/errors";
import { storeUploadedImage } from "../../../worker/media";
import { parseWith } from "../../lib/account";
import {
  formFromProduct,
  inputFromState,
  OPTION_SLOTS,
  type ProductFormState,
  productErrorLinks,
  stateFromForm,
  toFormPaths,
} from "../../pages/admin/products/_product-form";

// The seller's product form reads and checks its fields like the staff's editor (the same form state, the same
// money parsing and row numbering), then hands the seller's schema what a seller may set.

export { OPTION_SLOTS, type ProductFormState, productErrorLinks };

/** The form of a new product (one variant to fill, prices in `currency`) or of one of the seller's products. */
export function vendorFormFromProduct(product: AdminProduct | null, currency: string): ProductFormState {
  const state = formFromProduct(product, currency);
  // Most sellers' products come one way: a second empty row is one more thing to read on a phone.
  return product ? state : { ...state, variants: state.variants.slice(0, 1) };
}

export interface VendorProductPost {
  state: ProductFormState;
  errors: FieldError[];
  message: string | null;
  /** HTTP status of the re-rendered form (200 unless the post failed). */
  status: number;
  /** The page to go to after a save (the page answers 303 to it). */
  redirectTo?: string;
  /** The description typed for a picture that was not added (the file itself has to be chosen again). */
  uploadAlt?: string;
}

/**
 * Stores the picture chosen in the form's upload field through the staff's upload (R2, type by its bytes, 5 MiB,
 * audited) and adds it to the pictures with its description, which is required. Answers the field error when
 * the picture is refused; nothing chosen is no error.
 */
async function takeVendorUpload(form: FormData, state: ProductFormState, actor: AuditActor): Promise<FieldError | null> {
  const file = form.get("upload");
  if (!(file instanceof File) || file.size === 0) return null;
  // One line of the pictures field per picture, " | " before its description: neither may appear inside it.
  const alt = String(form.get("uploadAlt") ?? "")
    .replace(/\s+/g, " ")
    .replaceAll(" | ", " - ")
    .trim();
  if (!alt) return { path: "uploadAlt", message: "Describe the picture for shoppers who cannot see it" };
  if (alt.length > 200) return { path: "uploadAlt", message: "At most 200 characters" };
  try {
    const stored = await storeUploadedImage(env, actor, await file.arrayBuffer());
    state.images = [state.images.trim(), `${stored.url} | ${alt}`].filter(Boolean).join("\n");
    return null;
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    return { path: "upload", message: error.errors[0]?.message ?? error.message };
  }
}

/**
 * The seller's product form post, for the new and the edit page: "add a variant row" re-renders without
 * saving; a picture chosen to upload is stored first (with its required description) and added to the
 * pictures; then the form is checked (every field named as the form shows it) and `save` writes it and names
 * the page to go to. Service errors come back numbered like the rows on the form.
 */
export async function handleVendorProductPost(
  form: FormData,
  currency: string,
  actor: AuditActor,
  save: (input: VendorProductInput) => Promise<string>,
): Promise<VendorProductPost> {
  const intent = form.get("intent");
  const state = stateFromForm(form, intent === "add-row", currency);
  const uploadError = await takeVendorUpload(form, state, actor);
  if (uploadError) return { state, errors: [uploadError], message: "The picture was not added.", status: 400, uploadAlt: String(form.get("uploadAlt") ?? "") };
  if (intent === "add-row") return { state, errors: [], message: null, status: 200 };
  let keptRows: number[] | null = null;
  try {
    const parsed = inputFromState(state);
    keptRows = parsed.keptRows;
    const { input } = parsed;
    const body = parseWith(VendorProductInput, {
      name: input.name,
      ...(input.slug ? { slug: input.slug } : {}),
      description: input.description,
      status: input.status,
      categoryId: input.categoryId,
      seoTitle: input.seoTitle,
      seoDescription: input.seoDescription,
      attributes: input.attributes,
      images: input.images,
      variants: input.variants,
      ...(input.expectedUpdatedAt ? { expectedUpdatedAt: input.expectedUpdatedAt } : {}),
    });
    return { state, errors: [], message: null, status: 303, redirectTo: await save(body) };
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    return { state, errors: keptRows ? toFormPaths(error.errors, keptRows) : error.errors, message: error.message, status: error.status };
  }
}
