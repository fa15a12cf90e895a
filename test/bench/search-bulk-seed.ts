// Seeds a large catalog for the search benchmarks faster than `npm run seed` alone (not a test).
//
//   node test/bench/search-bulk-seed.ts --products 1000000 --persist-to /tmp/state [--grow-to N] [--skip-seed] [--no-index]
//
// `npm run seed` writes products in batches while the search triggers index each row as it
// comes (a document, its full-text row, facet counts, change-log rows, then one update per
// attribute row): ~10 minutes per 100,000 products on a busy 2-core machine. This script seeds
// the same generated catalog with the search triggers dropped, then indexes it the way
// migrations/0002_search_index.sql indexes an existing catalog (one INSERT … SELECT into
// search_documents, whose insert trigger writes the full-text rows and facet counts) and puts
// every trigger back. The result is the state the plain seed would leave, except the change log
// (search_changes), which starts empty.
//
// `--grow-to N` then copies the generated products (with their variants, images and attributes;
// ids, slugs and SKUs suffixed "-c1", "-c2"…) until there are N, before indexing: a catalog of N
// products with the generator's vocabulary and distributions, for when generating N takes too
// long. `--skip-seed` starts from a catalog seeded by an earlier (interrupted) run of this script.
// `--no-index` stops before indexing, for `search-bulk-index.ts` (the migration's one-statement backfill
// does not finish in reasonable time at 1,000,000 products; that script's set-by-set build takes minutes).
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { parseArgs } from "node:util";

const { values: args } = parseArgs({
  options: {
    products: { type: "string", default: "1000000" },
    "persist-to": { type: "string", default: ".wrangler/state" },
    "grow-to": { type: "string", default: "0" },
    "skip-seed": { type: "boolean", default: false },
    "no-index": { type: "boolean", default: false },
  },
});
const root = path.resolve(import.meta.dirname, "../..");
const persistTo = path.resolve(args["persist-to"]);
const started = performance.now();
const log = (what: string) => console.log(`${((performance.now() - started) / 1000).toFixed(1)} s  ${what}`);

const seed = (products: string) => {
  const result = spawnSync(process.execPath, [path.join(root, "scripts/seed/run.ts"), "--products", products, "--reset", "--persist-to", persistTo], {
    cwd: root,
    stdio: "inherit",
  });
  if (result.status !== 0) throw new Error(`seed exited with ${result.status}`);
};
const open = () => {
  const dir = path.join(persistTo, "v3/d1/miniflare-D1DatabaseObject");
  const file = readdirSync(dir).find((f) => f.endsWith(".sqlite") && f !== "metadata.sqlite");
  if (!file) throw new Error(`no D1 database in ${dir}`);
  return new DatabaseSync(path.join(dir, file));
};

// The search triggers, as the migrations create them.
const triggers = ["0002_search_index.sql", "0008_search_speed.sql"].flatMap((f) =>
  readFileSync(path.join(root, "migrations", f), "utf8")
    .split("--> statement-breakpoint")
    .map((s) => s.replace(/^\s*--.*$/gm, "").trim())
    .filter((s) => s.startsWith("CREATE TRIGGER `search"))
    .map((sql) => ({ name: /^CREATE TRIGGER `([^`]+)`/.exec(sql)?.[1] ?? "", sql })),
);
if (!args["skip-seed"]) {
  // Migrations applied, catalog empty.
  seed("0");
  const empty = open();
  for (const t of triggers) empty.exec(`DROP TRIGGER IF EXISTS "${t.name}"`);
  empty.close();
  log(`dropped ${triggers.length} search triggers`);
  seed(args.products);
  log("catalog seeded");
}

const db = open();
const growTo = Number(args["grow-to"]);
const generated = (db.prepare("SELECT count(*) AS n FROM products").get() as { n: number }).n;
for (let k = 1, have = generated; have < growTo; k++) {
  const n = Math.min(generated, growTo - have);
  const suffix = `-c${k}`;
  db.exec("BEGIN");
  db.exec(
    `CREATE TEMP TABLE pick AS SELECT id FROM products WHERE rowid <= (SELECT rowid FROM products ORDER BY rowid LIMIT 1 OFFSET ${n - 1}) AND id NOT LIKE '%-c%'`,
  );
  const cols = (t: string) => (db.prepare("SELECT group_concat(name) AS n FROM pragma_table_info(?)").get(t) as { n: string }).n.split(",");
  const copy = (table: string, changed: Record<string, string>, where: string) => {
    const c = cols(table);
    db.exec(`INSERT INTO ${table} (${c.join(",")}) SELECT ${c.map((x) => changed[x] ?? x).join(",")} FROM ${table} WHERE ${where}`);
  };
  copy("products", { id: `id || '${suffix}'`, slug: `slug || '${suffix}'` }, "id IN (SELECT id FROM temp.pick)");
  copy(
    "product_variants",
    { id: `id || '${suffix}'`, product_id: `product_id || '${suffix}'`, sku: `sku || '${suffix}'` },
    "product_id IN (SELECT id FROM temp.pick)",
  );
  copy("product_images", { id: `id || '${suffix}'`, product_id: `product_id || '${suffix}'` }, "product_id IN (SELECT id FROM temp.pick)");
  copy("product_attributes", { product_id: `product_id || '${suffix}'` }, "product_id IN (SELECT id FROM temp.pick)");
  db.exec("DROP TABLE temp.pick");
  db.exec("COMMIT");
  have += n;
  log(`copied ${n} products (${suffix}): ${have}`);
}

if (args["no-index"]) {
  db.close();
  log("left unindexed: run test/bench/search-bulk-index.ts next");
  process.exit(0);
}
db.exec("BEGIN");
for (const table of ["search_documents", "search_facet_counts", "search_attribute_values", "search_changes"]) db.exec(`DELETE FROM ${table}`);
db.exec("DELETE FROM search_fts");
const changeLog = triggers.filter((t) => t.name.startsWith("search_changes"));
for (const t of triggers) if (!changeLog.includes(t)) db.exec(t.sql);
// The backfill statements of the migration that created the index.
const migration = readFileSync(path.join(root, "migrations/0002_search_index.sql"), "utf8");
const backfills = migration
  .split("--> statement-breakpoint")
  .map((s) => s.replace(/^\s*--.*$/gm, "").trim())
  .filter((statement) => /^INSERT INTO `search_(attribute_values|documents)`/.test(statement));
if (backfills.length !== 2) throw new Error(`expected 2 backfill statements, found ${backfills.length}`);
for (const statement of backfills) db.exec(statement);
for (const t of changeLog) db.exec(t.sql);
db.exec("COMMIT");
log("indexed");
db.exec("ANALYZE");
db.exec("PRAGMA optimize");
const counts = db.prepare("SELECT (SELECT count(*) FROM products) AS products, (SELECT count(*) FROM search_documents) AS documents").get();
db.close();
log(`done: ${JSON.stringify(counts)}`);
