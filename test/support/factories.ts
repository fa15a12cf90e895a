import { env } from "cloudflare:test";
import { hashPassword, passwordCost } from "../../worker/accounts/password";
import { getDb } from "../../worker/db/client";
import { brands, categories, productAttributes, productImages, products, productVariants, users } from "../../worker/db/schema";

type NewCategory = typeof categories.$inferInsert;
type NewProduct = typeof products.$inferInsert;
type NewVariant = Omit<typeof productVariants.$inferInsert, "productId" | "id"> & { id?: string };

let counter = 0;
const next = () => String(++counter).padStart(4, "0");

/** Inserts a category under `parent` (or at the root) and returns it with its materialized path. */
export async function insertCategory(d1: D1Database, overrides: Partial<NewCategory> & { slug: string }, parent?: { id: string; path: string; depth: number }) {
  const id = overrides.id ?? `cat_${overrides.slug}`;
  const row = {
    id,
    name: overrides.slug.replace(/-/g, " ").replace(/\b\w/g, (c) => c.toUpperCase()),
    parentId: parent?.id ?? null,
    path: `${parent?.path ?? "/"}${id}/`,
    depth: parent ? parent.depth + 1 : 0,
    position: 0,
    ...overrides,
  } satisfies NewCategory;
  await getDb(d1).insert(categories).values(row);
  return row;
}

export async function insertBrand(d1: D1Database, slug: string, name?: string) {
  const row = { id: `brand_${slug}`, slug, name: name ?? slug.replace(/\b\w/g, (c) => c.toUpperCase()) };
  await getDb(d1).insert(brands).values(row);
  return row;
}

export interface ProductOverrides extends Partial<Omit<NewProduct, "categoryId" | "categoryPath">> {
  category: { id: string; path: string };
  variants?: NewVariant[];
  attributes?: Record<string, string>;
  images?: number;
}

/** A product shaped as the catalog expects: min/max price and in-stock flag derived from its variants. */
export function buildProduct(overrides: ProductOverrides) {
  const n = next();
  const slug = overrides.slug ?? `test-product-${n}`;
  const id = overrides.id ?? `prod_t${n}`;
  const variants = (overrides.variants ?? [{ sku: `SKU-${n}-DEF`, title: "Default", options: {}, price: 2500, stockAvailable: 10 }]).map((v, i) => ({
    id: v.id ?? `var_${id}_${i}`,
    productId: id,
    position: i,
    weightGrams: 500,
    ...v,
  }));
  const prices = variants.map((v) => v.price);
  const { category, attributes = {}, images = 1, variants: _v, ...rest } = overrides;
  const product: NewProduct = {
    id,
    slug,
    name: `Test Product ${n}`,
    description: "A product made for tests.",
    status: "active",
    currency: "USD",
    categoryId: category.id,
    categoryPath: category.path,
    minPrice: Math.min(...prices),
    maxPrice: Math.max(...prices),
    inStock: variants.some((v) => (v.stockAvailable ?? 0) > 0) ? 1 : 0,
    createdAt: `2026-01-${String((counter % 28) + 1).padStart(2, "0")}T00:00:00.000Z`,
    ...rest,
  };
  return {
    product,
    variants,
    images: Array.from({ length: images }, (_, i) => ({
      id: `img_${id}_${i}`,
      productId: id,
      url: `/media/products/${slug}/${i}.svg`,
      alt: `${product.name} view ${i + 1}`,
      position: i,
    })),
    attributes: Object.entries(attributes).map(([name, value]) => ({ productId: id, name, value })),
  };
}

export async function insertProduct(d1: D1Database, overrides: ProductOverrides) {
  const built = buildProduct(overrides);
  const db = getDb(d1);
  await db.batch([
    db.insert(products).values(built.product),
    db.insert(productVariants).values(built.variants),
    ...(built.images.length ? [db.insert(productImages).values(built.images)] : []),
    ...(built.attributes.length ? [db.insert(productAttributes).values(built.attributes)] : []),
  ]);
  return built;
}

/** Inserts a user with a real scrypt password hash; returns the row and its password. */
export async function insertUser(
  d1: D1Database,
  overrides: { email?: string; name?: string; role?: "customer" | "vendor" | "support" | "admin"; password?: string } = {},
) {
  const n = next();
  const password = overrides.password ?? `correct horse ${n} battery`;
  const row = {
    id: `usr_t${n}`,
    email: overrides.email ?? `user${n}@example.test`,
    name: overrides.name ?? `User ${n}`,
    role: overrides.role ?? "customer",
    // At the cost the store under test hashes with, so signing in neither takes longer nor rehashes.
    passwordHash: await hashPassword(password, passwordCost(env)),
  };
  await getDb(d1).insert(users).values(row);
  return { ...row, password };
}
