// Seeds a large catalog for the search benchmarks faster than `npm run seed` alone (not a test).
//
//   node test/bench/search-bulk-seed.ts --products 1000000 --persist-to /tmp/state
//
// `npm run seed` writes products in batches while the search triggers index each row as it
// comes (a document, its full-text row, facet counts, change-log rows, then one update per
// attribute row): ~10 minutes per 100,000 products on a busy 2-core machine. This script seeds
// the same generated catalog with the search triggers dropped, then indexes it the way
// migrations/0002_search_index.sql indexes an existing catalog (one INSERT … SELECT into
// search_documents, whose insert trigger writes the full-text rows and facet counts) and puts
// every trigger back. The result is the state the plain seed would leave, except the change log
// (search_changes), which starts empty.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { parseArgs } from "node:util";

const { values: args } = parseArgs({
  options: {
    products: { type: "string", default: "1000000" },
    "persist-to": { type: "string", default: ".wrangler/state" },
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

// Migrations applied, catalog empty.
seed("0");
let db = open();
const triggers = db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'search%'").all() as Array<{ name: string; sql: string }>;
for (const t of triggers) db.exec(`DROP TRIGGER "${t.name}"`);
db.close();
log(`dropped ${triggers.length} search triggers`);

seed(args.products);
log("catalog seeded");

db = open();
db.exec("BEGIN");
for (const table of ["search_documents", "search_facet_counts", "search_attribute_values", "search_changes"]) db.exec(`DELETE FROM ${table}`);
db.exec("INSERT INTO search_fts (search_fts) VALUES ('delete-all')");
const changeLog = triggers.filter((t) => t.name.startsWith("search_changes"));
for (const t of triggers) if (!changeLog.includes(t)) db.exec(t.sql);
// The backfill statements of the migration that created the index.
const migration = readFileSync(path.join(root, "migrations/0002_search_index.sql"), "utf8");
const backfills = migration
  .split("--> statement-breakpoint")
  .map((s) => s.replace(/^\s*--.*$/gm, "").trim())
  .filter((s) => /^INSERT INTO `search_(attribute_values|documents)`/.test(s));
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
