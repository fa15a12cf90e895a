import { type AdminProduct, VendorProductInput } from "../../../worker/catalog/schema";
import { AppError, type FieldError } from "../../../worker/lib/errors";
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
}

/**
 * The seller's product form post, for the new and the edit page: "add a variant row" re-renders without
 * saving; otherwise the form is checked (every field named as the form shows it) and `save` writes it and
 * names the page to go to. Service errors come back numbered like the rows on the form.
 */
export async function handleVendorProductPost(
  form: FormData,
  currency: string,
  save: (input: VendorProductInput) => Promise<string>,
): Promise<VendorProductPost> {
  const intent = form.get("intent");
  const state = stateFromForm(form, intent === "add-row", currency);
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
