// Seeds the demo catalog into the LOCAL D1 database, the one `wrangler dev`,
// `wrangler d1 ... --local` and `npm run serve` read.
//
//   npm run seed -- [--products 1000] [--seed 1] [--reset] [--persist-to .wrangler/state]
//
// Idempotent: when the catalog already has products it says so and changes nothing,
// unless --reset is given (then the catalog tables are emptied first).
//
// How: Miniflare (the copy wrangler ships) opened exactly as `wrangler d1 execute --local`
// opens it (same persistence folder, same database id), and `db.batch()` of multi-row
// INSERTs with escaped literals: one transaction per batch of products, no 100-parameter
// limit, no SQL file to write and re-parse.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs, parseEnv } from "node:util";
import { getTableColumns, getTableName } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import { brands, categories, productAttributes, productImages, products, productVariants } from "../../worker/catalog/tables.ts";
import { DEFAULT_PRODUCTS, DEFAULT_SEED, generateCatalog, type SeedProduct } from "./generate.ts";
import { DEFAULT_ORDERS, seedOrderHistory } from "./recommendations.ts";
import { seedReviews } from "./reviews.ts";
import { localD1Binding } from "../lib/d1-binding.ts";
import { openLocalD1 } from "../lib/local-d1.ts";
import { applyLocalMigrations } from "../lib/local-migrations.ts";

const USAGE = `Usage: npm run seed -- [--products N] [--seed N] [--reset] [--persist-to DIR]

  --products N      number of products to generate (default ${DEFAULT_PRODUCTS})
  --seed N          random seed; the same seed always gives the same catalog (default ${DEFAULT_SEED})
  --reset           delete the existing catalog (categories, brands, products and their rows) first
  --persist-to DIR  wrangler's local state folder (default .wrangler/state)
  --batch N         products per write transaction (default 1000)
  --orders N        demo order history for the recommenders (default ${DEFAULT_ORDERS}; 0 for none)
  --help            show this text`;

function readArgs() {
  try {
    return parseArgs({
      options: {
        products: { type: "string", default: String(DEFAULT_PRODUCTS) },
        seed: { type: "string", default: String(DEFAULT_SEED) },
        reset: { type: "boolean", default: false },
        "persist-to": { type: "string", default: ".wrangler/state" },
        batch: { type: "string", default: "1000" },
        orders: { type: "string", default: String(DEFAULT_ORDERS) },
        help: { type: "boolean", default: false },
      },
    }).values;
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
}
const args = readArgs();
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}

function wholeNumber(name: string, raw: string, min: number): number {
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < min) {
    console.error(`--${name} must be a whole number >= ${min}, got "${raw}"\n\n${USAGE}`);
    process.exit(2);
  }
  return n;
}
/** The PII key ring of local runs (.dev.vars, as `npm run serve` reads it), to encrypt the demo orders' addresses. */
function localPiiKeys(): string | undefined {
  const file = path.join(root, ".dev.vars");
  return existsSync(file) ? parseEnv(readFileSync(file, "utf8")).PII_KEYS : undefined;
}

const productCount = wholeNumber("products", args.products, 0);
const seed = wholeNumber("seed", args.seed, 0);
const batchSize = wholeNumber("batch", args.batch, 1);

const started = performance.now();
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;
const root = path.resolve(import.meta.dirname, "../..");
// Relative to where the command runs, as wrangler's own --persist-to.
const persistTo = path.resolve(args["persist-to"]);

// The database file `wrangler d1 ... --local`, `wrangler dev` and `npm start` open (lib/local-d1.ts).
const { migrationsDir } = localD1Binding();

// ---------------------------------------------------------------------------
// SQL building: multi-row INSERTs with literals. Values come from the generator
// (strings, safe integers, null, option objects), and every string is quoted.

function literal(value: unknown): string {
  if (value === null) return "NULL";
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) throw new Error(`refusing to write non-integer number ${value}`);
    return String(value);
  }
  if (typeof value === "string") return `'${value.replaceAll("'", "''")}'`;
  if (typeof value === "object") return literal(JSON.stringify(value));
  throw new Error(`cannot write ${typeof value} as SQL`);
}

/** Column keys (camelCase, as in the row objects) and SQL names of a drizzle table. */
function columnsOf(table: SQLiteTable) {
  const columns = Object.entries(getTableColumns(table)).map(([key, column]) => ({ key, name: column.name }));
  return {
    table: getTableName(table),
    keys: columns.map((c) => c.key),
    head: `INSERT INTO "${getTableName(table)}" (${columns.map((c) => `"${c.name}"`).join(", ")}) VALUES `,
  };
}

const TABLES = {
  categories: columnsOf(categories),
  brands: columnsOf(brands),
  products: columnsOf(products),
  variants: columnsOf(productVariants),
  images: columnsOf(productImages),
  attributes: columnsOf(productAttributes),
};

/** Statements of at most ~90 KB each (D1's limit on one statement is 100 KB). */
function insertStatements(spec: ReturnType<typeof columnsOf>, rows: readonly object[], maxChars = 90_000): string[] {
  const out: string[] = [];
  let tuples: string[] = [];
  let size = spec.head.length;
  for (const row of rows) {
    const record = row as Record<string, unknown>;
    const tuple = `(${spec.keys
      .map((k) => {
        if (!(k in record)) throw new Error(`${spec.table} row is missing ${k}`);
        return literal(record[k]);
      })
      .join(",")})`;
    if (tuples.length && size + tuple.length + 1 > maxChars) {
      out.push(spec.head + tuples.join(","));
      tuples = [];
      size = spec.head.length;
    }
    tuples.push(tuple);
    size += tuple.length + 1;
  }
  if (tuples.length) out.push(spec.head + tuples.join(","));
  return out;
}

function productStatements(chunk: SeedProduct[]): string[] {
  // Parents before children: the foreign keys are checked per statement.
  return [
    ...insertStatements(
      TABLES.products,
      chunk.map((p) => p.product),
    ),
    ...insertStatements(
      TABLES.variants,
      chunk.flatMap((p) => p.variants),
    ),
    ...insertStatements(
      TABLES.images,
      chunk.flatMap((p) => p.images),
    ),
    ...insertStatements(
      TABLES.attributes,
      chunk.flatMap((p) => p.attributes),
    ),
  ];
}

// ---------------------------------------------------------------------------

const { db, close } = await openLocalD1(persistTo);
try {
  const applied = await applyLocalMigrations(db, migrationsDir);
  if (applied.length) console.log(`Applied ${applied.length} migration(s) first (${elapsed()})`);

  const existing = (await db.prepare("SELECT count(*) AS n FROM products").first<{ n: number }>())?.n ?? 0;
  if (existing > 0 && !args.reset) {
    console.log(`The catalog already has ${existing.toLocaleString("en-US")} products (${persistTo}); left unchanged. Use --reset to replace it.`);
  } else {
    // With --reset, or with no products at all (then only categories and brands, perhaps
    // left by an interrupted run, can be there). Children first, so no cascade chases rows.
    await db.batch(
      ["product_attributes", "product_images", "product_variants", "products", "brands", "categories"].map((t) => db.prepare(`DELETE FROM "${t}"`)),
    );
    if (existing > 0) console.log(`Cleared the catalog (${existing.toLocaleString("en-US")} products) in ${elapsed()}`);
    // Descriptions name the return window: take the store's setting when staff changed it (a JSON number).
    const windowRow = await db.prepare("SELECT value FROM return_settings WHERE key = 'windowDays'").first<{ value: string }>();
    const returnWindowDays = windowRow ? Number(JSON.parse(windowRow.value)) : undefined;
    const catalog = generateCatalog({ products: productCount, seed, returnWindowDays });
    await db.batch([...insertStatements(TABLES.categories, catalog.categories), ...insertStatements(TABLES.brands, catalog.brands)].map((s) => db.prepare(s)));
    console.log(
      `Seeding ${productCount.toLocaleString("en-US")} products (seed ${seed}) into ${persistTo}: ${catalog.categories.length} categories, ${catalog.brands.length} brands`,
    );

    // One batch (= one transaction) per chunk; the next chunk's SQL is built while the previous one is written.
    let done = 0;
    let rows = 0;
    const reportEvery = Math.ceil(productCount / 10);
    let nextReport = reportEvery;
    let inflight: Promise<unknown> | null = null;
    for (const chunk of catalog.chunks(batchSize)) {
      const statements = productStatements(chunk);
      rows += chunk.reduce((n, p) => n + 1 + p.variants.length + p.images.length + p.attributes.length, 0);
      if (inflight) await inflight;
      inflight = db.batch(statements.map((s) => db.prepare(s)));
      done += chunk.length;
      if (productCount >= 5_000 && done >= nextReport) {
        await inflight;
        inflight = null;
        console.log(`  ${done.toLocaleString("en-US")} products (${rows.toLocaleString("en-US")} rows) ${elapsed()}`);
        while (done >= nextReport) nextReport += reportEvery;
      }
    }
    if (inflight) await inflight;
    const reviewsFrom = elapsed();
    console.log(`Wrote ${(await seedReviews(db, seed)).reviews.toLocaleString("en-US")} demo reviews (${reviewsFrom} → ${elapsed()})`);
    console.log(
      `Wrote ${(await seedOrderHistory(db, seed, wholeNumber("orders", args.orders, 0), localPiiKeys())).orders.toLocaleString("en-US")} demo orders (→ ${elapsed()})`,
    );
    // Fresh planner statistics over the new rows (D1 recommends PRAGMA optimize; ANALYZE covers every index).
    for (const statement of ["ANALYZE", "PRAGMA optimize"]) {
      await db
        .prepare(statement)
        .run()
        .catch((e: Error) => console.warn(`${statement} failed (ignored): ${e.message}`));
    }
    console.log(`Seeded ${done.toLocaleString("en-US")} products, ${rows.toLocaleString("en-US")} rows in ${elapsed()}.`);
  }
} catch (error) {
  console.error(`Seeding failed after ${elapsed()}: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  await close();
}
