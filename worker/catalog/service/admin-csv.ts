import { inArray } from "drizzle-orm";
import { type AuditActor, auditStatement } from "../../lib/audit";
import { existingVendorIds } from "../../vendors";
import { getDb } from "../../db/client";
import { newId } from "../../lib/ids";
import { type AdminProduct, type ImportResult, ProductInput, type ProductInputRaw } from "../schema";
import { CsvSyntaxError, parseCsv, unescapeFormula } from "../csv";
import { catalogChanged } from "../cache";
import { brands, categories, products, productVariants } from "../tables";
import { findAdminProduct, slugify } from "./admin-products";
import { announcePriceChanges, imageUrlErrors, productWriteStatements } from "./admin-product-write";

import { CSV_COLUMNS } from "./admin-csv-export";

export { CSV_COLUMNS, exportProductsCsv } from "./admin-csv-export";

type Column = (typeof CSV_COLUMNS)[number];

/** A CSV yes/no cell as a boolean, or the cell itself when it is neither. */
function yesNo(cell: string): boolean | string {
  const v = cell.trim().toLowerCase();
  if (["yes", "true", "1", "y"].includes(v)) return true;
  if (["no", "false", "0", "n"].includes(v)) return false;
  return cell;
}
const REQUIRED: Column[] = ["product_slug", "product_name", "category_slug", "sku", "price_minor"];
const PRODUCT_COLUMNS: Column[] = [
  "product_name",
  "status",
  "featured",
  "category_slug",
  "brand",
  "vendor_id",
  "description",
  "seo_title",
  "seo_description",
  "attributes",
  "images",
];

/** Largest CSV body the import accepts, and most data rows. */
export const CSV_MAX_BYTES = 2 * 1024 * 1024;
export const CSV_MAX_ROWS = 5_000;

type RowError = ImportResult["errors"][number];

function parsePairs(text: string): Record<string, string> | null {
  const out: Record<string, string> = {};
  for (const part of text.split(";")) {
    if (!part.trim()) continue;
    const eqAt = part.indexOf("=");
    if (eqAt <= 0) return null;
    out[part.slice(0, eqAt).trim()] = part.slice(eqAt + 1).trim();
  }
  return out;
}

function wholeNumber(text: string): number | string {
  return /^\d+$/.test(text.trim()) ? Number(text.trim()) : text;
}

/** Maps a ProductInput issue path to the CSV row and column it came from. */
function locate(path: (string | number)[], firstRow: number, variantRows: number[]): { row: number; column: string } {
  const [head, index, field] = path;
  if (head === "variants" && typeof index === "number") {
    const column = {
      sku: "sku",
      title: "variant_title",
      options: "options",
      price: "price_minor",
      compareAtPrice: "compare_at_minor",
      weightGrams: "weight_grams",
    }[String(field)];
    return { row: variantRows[index] ?? firstRow, column: column ?? "sku" };
  }
  const column =
    {
      name: "product_name",
      slug: "product_slug",
      status: "status",
      featured: "featured",
      categoryId: "category_slug",
      brand: "brand",
      vendorId: "vendor_id",
      description: "description",
      seoTitle: "seo_title",
      seoDescription: "seo_description",
      attributes: "attributes",
      images: "images",
    }[String(head)] ?? String(head);
  return { row: firstRow, column };
}

/**
 * Reads a product CSV (columns: CSV_COLUMNS; `stock_available` is ignored —
 * stock changes go through Inventory) and checks every row. Products are
 * matched by `product_slug` (created when new), variants by `sku` (updated or
 * added; a product's variants missing from the file are kept). A dry run only
 * reports; a real run writes every product in ONE D1 batch (a transaction),
 * so either all rows are applied or, on any error, none.
 */
export async function importProductsCsv(env: Env, actor: AuditActor, text: string, dryRun: boolean): Promise<ImportResult> {
  const result: ImportResult = { dryRun, ok: false, rows: 0, created: [], updated: [], errors: [] };
  const errors = result.errors;
  let records: ReturnType<typeof parseCsv>;
  try {
    records = parseCsv(text);
  } catch (e) {
    if (!(e instanceof CsvSyntaxError)) throw e;
    errors.push({ row: e.row, column: "", message: e.message });
    return result;
  }
  const [header, ...data] = records;
  if (!header) {
    errors.push({ row: 1, column: "", message: "The file is empty: the first row must name the columns" });
    return result;
  }
  result.rows = data.length;
  const names = header.cells.map((c) => c.trim().toLowerCase());
  for (const n of names) if (!(CSV_COLUMNS as readonly string[]).includes(n)) errors.push({ row: 1, column: n, message: "Unknown column" });
  for (const n of REQUIRED) if (!names.includes(n)) errors.push({ row: 1, column: n, message: "Required column is missing" });
  if (data.length > CSV_MAX_ROWS) errors.push({ row: 1, column: "", message: `At most ${CSV_MAX_ROWS} rows per file (this one has ${data.length})` });
  if (errors.length) return result;
  if (!data.length) {
    errors.push({ row: 1, column: "", message: "The file has no product rows" });
    return result;
  }
  const get = (r: { cells: string[] }, c: Column) => {
    const at = names.indexOf(c);
    return at < 0 ? "" : unescapeFormula((r.cells[at] ?? "").trim());
  };

  // Group rows by product; product columns come from the first row and must not contradict it.
  const groups = new Map<string, { rows: typeof data }>();
  for (const r of data) {
    if (r.cells.length !== names.length) errors.push({ row: r.row, column: "", message: `Expected ${names.length} cells, found ${r.cells.length}` });
    const slug = get(r, "product_slug");
    if (!slug) {
      errors.push({ row: r.row, column: "product_slug", message: "Required" });
      continue;
    }
    const g = groups.get(slug) ?? { rows: [] };
    g.rows.push(r);
    groups.set(slug, g);
  }
  const db = getDb(env.DB);
  const categoryRows = await db.select({ id: categories.id, slug: categories.slug, path: categories.path }).from(categories).all();
  const categoryBySlug = new Map(categoryRows.map((c) => [c.slug, c]));
  const slugs = [...groups.keys()];
  const existing = new Map<string, { id: string }>();
  const skuOwner = new Map<string, string>();
  const allSkus = data.map((r) => get(r, "sku")).filter(Boolean);
  for (let i = 0; i < slugs.length; i += 90) {
    for (const p of await db
      .select({ id: products.id, slug: products.slug })
      .from(products)
      .where(inArray(products.slug, slugs.slice(i, i + 90)))
      .all())
      existing.set(p.slug, p);
  }
  for (let i = 0; i < allSkus.length; i += 90) {
    for (const v of await db
      .select({ sku: productVariants.sku, productId: productVariants.productId })
      .from(productVariants)
      .where(inArray(productVariants.sku, allSkus.slice(i, i + 90)))
      .all())
      skuOwner.set(v.sku, v.productId);
  }
  const fileSku = new Map<string, number>();
  const plans: { input: ProductInput; before: AdminProduct | null; slug: string; path: string }[] = [];
  for (const [slug, g] of groups) {
    const first = g.rows[0] as (typeof data)[number];
    for (const r of g.rows.slice(1))
      for (const c of PRODUCT_COLUMNS) {
        const v = get(r, c);
        if (v && v !== get(first, c)) errors.push({ row: r.row, column: c, message: `Differs from row ${first.row} of the same product` });
      }
    const before = existing.has(slug) ? await findAdminProduct(env, existing.get(slug)?.id as string) : null;
    const cat = categoryBySlug.get(get(first, "category_slug"));
    if (!cat) errors.push({ row: first.row, column: "category_slug", message: get(first, "category_slug") ? "No category has this slug" : "Required" });
    const attributes = parsePairs(get(first, "attributes"));
    if (!attributes) errors.push({ row: first.row, column: "attributes", message: "Write name=value pairs separated by ;" });
    const variantRows: number[] = [];
    const variants: ProductInputRaw["variants"] = [];
    for (const r of g.rows) {
      const sku = get(r, "sku");
      const owner = skuOwner.get(sku);
      if (sku && owner && owner !== before?.id) errors.push({ row: r.row, column: "sku", message: "Another product uses this SKU" });
      if (sku && fileSku.has(sku)) errors.push({ row: r.row, column: "sku", message: `Same SKU as row ${fileSku.get(sku)}` });
      fileSku.set(sku, r.row);
      const options = parsePairs(get(r, "options"));
      if (!options) errors.push({ row: r.row, column: "options", message: "Write name=value pairs separated by ;" });
      const compare = get(r, "compare_at_minor");
      variantRows.push(r.row);
      variants.push({
        sku,
        title: get(r, "variant_title") || undefined,
        options: options ?? {},
        price: wholeNumber(get(r, "price_minor")) as number,
        compareAtPrice: compare ? (wholeNumber(compare) as number) : null,
        weightGrams: wholeNumber(get(r, "weight_grams") || "0") as number,
      });
    }
    // Variants of an existing product that the file does not list stay as they are.
    for (const v of before?.variants ?? [])
      if (!variants.some((n) => n.sku === v.sku))
        variants.push({ sku: v.sku, title: v.title, options: v.options, price: v.price, compareAtPrice: v.compareAtPrice, weightGrams: v.weightGrams });
    const has = (c: Column) => names.includes(c);
    const raw: ProductInputRaw = {
      name: get(first, "product_name"),
      slug,
      description: has("description") ? get(first, "description") : (before?.description ?? ""),
      status: (get(first, "status") || before?.status || "draft") as ProductInputRaw["status"],
      // yes/no (true/false, 1/0); anything else is passed on for the schema to refuse, naming the column.
      featured: has("featured") && get(first, "featured") !== "" ? (yesNo(get(first, "featured")) as boolean) : (before?.featured ?? false),
      categoryId: cat?.id ?? "unknown",
      brand: has("brand") ? get(first, "brand") || null : (before?.brand?.name ?? null),
      vendorId: has("vendor_id") ? get(first, "vendor_id") || null : (before?.vendorId ?? null),
      seoTitle: has("seo_title") ? get(first, "seo_title") || null : (before?.seoTitle ?? null),
      seoDescription: has("seo_description") ? get(first, "seo_description") || null : (before?.seoDescription ?? null),
      attributes: has("attributes") ? Object.entries(attributes ?? {}).map(([name, value]) => ({ name, value })) : (before?.attributes ?? []),
      images: has("images")
        ? get(first, "images")
            .split("|")
            .map((u) => u.trim())
            .filter(Boolean)
            .map((url) => ({ url, alt: "" }))
        : (before?.images ?? []),
      variants,
    };
    const parsed = ProductInput.safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const at = locate(issue.path as (string | number)[], first.row, variantRows);
        errors.push({ ...at, message: issue.message });
      }
      continue;
    }
    // Pictures a file leaves out are kept as they are; those it lists must come from allowed origins.
    if (has("images")) for (const e of await imageUrlErrors(env, parsed.data.images)) errors.push({ row: first.row, column: "images", message: e.message });
    if (cat) plans.push({ input: parsed.data, before, slug, path: cat.path });
  }
  const vendorIds = [...new Set(plans.map((p) => p.input.vendorId).filter((v): v is string => Boolean(v)))];
  if (vendorIds.length) {
    const found = await existingVendorIds(env, vendorIds);
    for (const [slug, g] of groups) {
      const v = get(g.rows[0] as (typeof data)[number], "vendor_id");
      if (v && !found.has(v)) errors.push({ row: g.rows[0]?.row ?? 0, column: "vendor_id", message: `No vendor has this id (${slug})` });
    }
  }
  errors.sort((a: RowError, b: RowError) => a.row - b.row || a.column.localeCompare(b.column));
  for (const p of plans) (p.before ? result.updated : result.created).push(p.slug);
  if (errors.length) {
    result.created = [];
    result.updated = [];
    return result;
  }
  result.ok = true;
  if (dryRun) return result;

  const brandsByName = new Map((await db.select().from(brands).all()).map((b) => [b.name.toLowerCase(), b]));
  const stmts = [];
  for (const p of plans) {
    let brand: { brandId: string | null; create: { id: string; slug: string; name: string } | null } = { brandId: null, create: null };
    if (p.input.brand) {
      const slug = slugify(p.input.brand);
      const known = brandsByName.get(p.input.brand.toLowerCase()) ?? [...brandsByName.values()].find((b) => b.slug === slug);
      if (known) brand = { brandId: known.id, create: null };
      else {
        const row = { id: newId("brand"), slug, name: p.input.brand };
        brandsByName.set(row.name.toLowerCase(), row);
        brand = { brandId: row.id, create: row };
      }
    }
    stmts.push(...productWriteStatements(env, actor, p.input, p.before, { id: p.before?.id ?? newId("prod"), slug: p.slug, categoryPath: p.path, brand }));
  }
  stmts.push(
    auditStatement(env.DB, actor, {
      action: "product.import",
      entityType: "product",
      entityId: "(csv)",
      after: { rows: result.rows, created: result.created, updated: result.updated },
    }),
  );
  await db.batch(stmts as unknown as Parameters<typeof db.batch>[0]);
  await catalogChanged(env.DB);
  // Price drops reach wishers whichever way a price changed: re-read only products whose prices moved.
  for (const p of plans) {
    if (!p.before) continue;
    const was = new Map(p.before.variants.map((v) => [v.sku, v.price]));
    if (!p.input.variants.some((v) => was.has(v.sku) && was.get(v.sku) !== v.price)) continue;
    const after = await findAdminProduct(env, p.before.id);
    if (after) await announcePriceChanges(env, p.before, after);
  }
  return result;
}
