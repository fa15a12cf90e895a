import { type AdminProduct, ProductInput, type ProductInputRaw } from "../../../../worker/catalog/schema";
import { AppError, type FieldError, fieldErrorsFromZod } from "../../../../worker/lib/errors";
import { decimalText, parseDecimal } from "../../../../worker/lib/money";

/** Option columns the editor offers (size, colour, material...). */
export const OPTION_SLOTS = 3;

export interface VariantRow {
  sku: string;
  title: string;
  options: string[];
  price: string;
  compareAtPrice: string;
  weightGrams: string;
  /** Barcode number and manufacturer part number: search engines match offers with them (empty: none). */
  gtin: string;
  mpn: string;
  initialStock: string;
  remove: boolean;
  /** Saved before (its SKU is fixed; stock is managed in Inventory). */
  existing: boolean;
  stock: number | null;
}

/** What the product form shows: the typed text of every field. */
export interface ProductFormState {
  name: string;
  slug: string;
  description: string;
  status: string;
  featured: boolean;
  categoryId: string;
  brand: string;
  vendorId: string;
  seoTitle: string;
  seoDescription: string;
  attributes: string;
  images: string;
  optionNames: string[];
  variants: VariantRow[];
  expectedUpdatedAt: string;
  /** The currency the prices are typed in (the product's own, or the store's base currency for a new one). */
  currency: string;
}

const emptyRow = (): VariantRow => ({
  sku: "",
  title: "",
  options: Array(OPTION_SLOTS).fill(""),
  price: "",
  compareAtPrice: "",
  weightGrams: "",
  gtin: "",
  mpn: "",
  initialStock: "",
  remove: false,
  existing: false,
  stock: null,
});

/** The form for a new product (two empty variant rows, prices in `baseCurrency`) or an existing one. */
export function formFromProduct(p: AdminProduct | null, baseCurrency: string): ProductFormState {
  if (!p)
    return {
      name: "",
      slug: "",
      description: "",
      status: "draft",
      featured: false,
      categoryId: "",
      brand: "",
      vendorId: "",
      seoTitle: "",
      seoDescription: "",
      attributes: "",
      images: "",
      optionNames: Array(OPTION_SLOTS).fill(""),
      variants: [emptyRow(), emptyRow()],
      expectedUpdatedAt: "",
      currency: baseCurrency,
    };
  const money = (amount: number | null) => (amount === null ? "" : decimalText({ amount, currency: p.currency }));
  const optionNames = [...new Set(p.variants.flatMap((v) => Object.keys(v.options)))].slice(0, OPTION_SLOTS);
  while (optionNames.length < OPTION_SLOTS) optionNames.push("");
  return {
    name: p.name,
    slug: p.slug,
    description: p.description,
    status: p.status,
    featured: p.featured,
    categoryId: p.category.id,
    brand: p.brand?.name ?? "",
    vendorId: p.vendorId ?? "",
    seoTitle: p.seoTitle ?? "",
    seoDescription: p.seoDescription ?? "",
    attributes: p.attributes.map((a) => `${a.name}: ${a.value}`).join("\n"),
    images: p.images.map((i) => (i.alt && i.alt !== p.name ? `${i.url} | ${i.alt}` : i.url)).join("\n"),
    optionNames,
    variants: p.variants.map((v) => ({
      sku: v.sku,
      // A title the store derives from the options stays empty, so it follows them when they change.
      title: v.title === (Object.values(v.options).join(" / ") || "Default") ? "" : v.title,
      options: optionNames.map((n) => (n ? (v.options[n] ?? "") : "")),
      price: money(v.price),
      compareAtPrice: money(v.compareAtPrice),
      weightGrams: String(v.weightGrams),
      gtin: v.gtin ?? "",
      mpn: v.mpn ?? "",
      initialStock: "",
      remove: false,
      existing: true,
      stock: v.stockAvailable,
    })),
    expectedUpdatedAt: p.updatedAt,
    currency: p.currency,
  };
}

/** Reads the posted form back into its state (prices typed in `currency`); `addRow` appends an empty variant row. */
export function stateFromForm(form: FormData, addRow: boolean, currency: string): ProductFormState {
  const text = (k: string) => {
    const v = form.get(k);
    return typeof v === "string" ? v : "";
  };
  const count = Math.min(Number(text("rows")) || 0, 100);
  const variants: VariantRow[] = [];
  for (let i = 0; i < count; i++) {
    variants.push({
      sku: text(`v.${i}.sku`).trim().toUpperCase(),
      title: text(`v.${i}.title`),
      options: Array.from({ length: OPTION_SLOTS }, (_, k) => text(`v.${i}.opt${k}`)),
      price: text(`v.${i}.price`),
      compareAtPrice: text(`v.${i}.compareAtPrice`),
      weightGrams: text(`v.${i}.weightGrams`),
      gtin: text(`v.${i}.gtin`),
      mpn: text(`v.${i}.mpn`),
      initialStock: text(`v.${i}.initialStock`),
      remove: text(`v.${i}.remove`) === "on",
      existing: text(`v.${i}.existing`) === "1",
      stock: text(`v.${i}.stock`) === "" ? null : Number(text(`v.${i}.stock`)),
    });
  }
  if (addRow) variants.push(emptyRow());
  return {
    name: text("name"),
    slug: text("slug"),
    description: text("description"),
    status: text("status"),
    featured: text("featured") === "on",
    categoryId: text("categoryId"),
    brand: text("brand"),
    vendorId: text("vendorId"),
    seoTitle: text("seoTitle"),
    seoDescription: text("seoDescription"),
    attributes: text("attributes"),
    images: text("images"),
    optionNames: Array.from({ length: OPTION_SLOTS }, (_, k) => text(`option${k}`)),
    variants,
    expectedUpdatedAt: text("expectedUpdatedAt"),
    currency,
  };
}

/**
 * The API input for a form state, or an AppError (400) naming every field
 * in the form's own terms: `variants.<row>.<field>` with the row as shown.
 */
export function inputFromState(state: ProductFormState): { input: ProductInput; keptRows: number[] } {
  const currency = state.currency;
  const errors: FieldError[] = [];
  const rows = state.variants.map((v, row) => ({ v, row })).filter(({ v }) => !v.remove && (v.existing || v.sku || v.price));
  const minor = (value: string, path: string, required: boolean): number | null => {
    const t = value.trim().replace(/^[$€£¥]/, "");
    if (!t) {
      if (required) errors.push({ path, message: "Required" });
      return null;
    }
    const amount = parseDecimal(t, currency);
    if (amount === null) {
      errors.push({ path, message: `Enter an amount like ${decimalText({ amount: 1299, currency })}` });
      return null;
    }
    return amount;
  };
  const whole = (value: string, path: string): number | undefined => {
    const t = value.trim();
    if (!t) return undefined;
    if (!/^\d{1,7}$/.test(t)) {
      errors.push({ path, message: "Enter a whole number" });
      return undefined;
    }
    return Number(t);
  };
  const names = state.optionNames.map((n) => n.trim());
  const variants = rows.map(({ v, row }) => {
    const options: Record<string, string> = {};
    names.forEach((n, k) => {
      if (n) options[n] = (v.options[k] ?? "").trim();
    });
    return {
      sku: v.sku.trim(),
      title: v.title.trim() || undefined,
      options,
      price: minor(v.price, `variants.${row}.price`, true) ?? 0,
      compareAtPrice: minor(v.compareAtPrice, `variants.${row}.compareAtPrice`, false),
      weightGrams: whole(v.weightGrams, `variants.${row}.weightGrams`) ?? 0,
      // The form always shows both, so an emptied field clears the value (the API keeps a field left out).
      gtin: v.gtin.replace(/[\s-]/g, "") || null,
      mpn: v.mpn.trim() || null,
      initialStock: v.existing ? undefined : whole(v.initialStock, `variants.${row}.initialStock`),
    };
  });
  const attributes = state.attributes
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .map((line) => {
      const at = line.indexOf(":");
      if (at <= 0) errors.push({ path: "attributes", message: `Write "name: value" on each line ("${line.slice(0, 30)}")` });
      return { name: line.slice(0, at).trim().toLowerCase(), value: line.slice(at + 1).trim() };
    });
  const images = state.images
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .map((line) => {
      const [url = "", alt = ""] = line.split(" | ");
      return { url: url.trim(), alt: alt.trim() };
    });
  const raw: ProductInputRaw = {
    name: state.name,
    ...(state.slug.trim() ? { slug: state.slug.trim() } : {}),
    description: state.description,
    status: state.status as ProductInputRaw["status"],
    featured: state.featured,
    categoryId: state.categoryId,
    brand: state.brand.trim() || null,
    vendorId: state.vendorId.trim() || null,
    seoTitle: state.seoTitle.trim() || null,
    seoDescription: state.seoDescription.trim() || null,
    attributes,
    images,
    variants,
    ...(state.expectedUpdatedAt ? { expectedUpdatedAt: state.expectedUpdatedAt } : {}),
  };
  const parsed = ProductInput.safeParse(raw);
  // zod numbers variants among the kept rows; the form shows every row.
  const keptRow = rows.map((r) => r.row);
  const zodErrors = parsed.success ? [] : toFormPaths(fieldErrorsFromZod(parsed.error), keptRow);
  for (const e of zodErrors) if (!errors.some((x) => x.path === e.path)) errors.push(e);
  if (errors.length || !parsed.success) throw new AppError("request.invalid", 400, "Some details need fixing.", errors);
  return { input: parsed.data, keptRows: keptRow };
}

/** Error paths of the API (variants numbered among the rows sent) in the form's terms (every row shown). */
export function toFormPaths(errors: FieldError[], keptRows: number[]): FieldError[] {
  return errors.map((e) => {
    const m = /^variants\.(\d+)(\..*)?$/.exec(e.path);
    if (m) return { ...e, path: `variants.${keptRows[Number(m[1])] ?? 0}${m[2] ?? ""}` };
    if (/^(attributes|images)\./.test(e.path)) return { ...e, path: e.path.split(".")[0] as string };
    return e;
  });
}

/** A variant row's error path in form terms, for errors the service names by SKU. */
export function firstError(errors: FieldError[], path: string): string | undefined {
  return errors.find((e) => e.path === path)?.message;
}

/**
 * The error summary's lines of a product form (staff's and seller's): the first error of each field, each
 * linking to its input (`field-<path>`, or `v-<row>-<column>` in the variant table) and named as the form
 * labels it ("Variant 2, Price").
 */
export function productErrorLinks(
  errors: FieldError[],
  labels: Record<string, string>,
  variantLabels: Record<string, string>,
): { href: string; text: string }[] {
  return errors
    .filter((e, i, all) => all.findIndex((o) => o.path === e.path) === i)
    .map((e) => {
      const m = /^variants\.(\d+)\.(\w+)/.exec(e.path);
      if (!m) return { href: `#field-${e.path}`, text: `${labels[e.path] ?? e.path}: ${e.message}` };
      const column = m[2] ?? "";
      return {
        href: `#v-${m[1]}-${column === "options" ? "opt0" : column}`,
        text: `Variant ${Number(m[1]) + 1}, ${variantLabels[column] ?? column}: ${e.message}`,
      };
    });
}
