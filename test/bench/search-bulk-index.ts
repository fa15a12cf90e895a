// Brings a large benchmark catalog's database up to the current migrations and builds its search index
// offline, fast (not a test; for `npm run bench:search` at 1,000,000 products).
//
//   node test/bench/search-bulk-index.ts --persist-to /tmp/state
//
// Starts from a catalog whose search triggers are dropped and whose index is empty (what
// `search-bulk-seed.ts` leaves before its index step). Indexing 1M products the way migration 0002
// does (one INSERT … SELECT whose triggers write each document's full-text row and facet counts, in one
// transaction) did not finish in 32 minutes on a loaded 2-core machine. Here the same tables are filled
// set by set instead: documents with one INSERT … SELECT, facet counts with GROUP BY (the same cells
// and values the triggers write), full-text rows in batches of doc ids with each category path's names
// computed once, with the rollback journal and fsync off (this file is a throwaway benchmark copy:
// a crash means rebuilding it). The search triggers (as the migrations left them) are put back at the end.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { parseArgs } from "node:util";
import { readD1Migrations } from "@cloudflare/vitest-plugin";

const { values: args } = parseArgs({
  options: { "persist-to": { type: "string", default: ".wrangler/state" }, batch: { type: "string", default: "100000" } },
});
const root = path.resolve(import.meta.dirname, "../..");
const started = performance.now();
const log = (what: string) => console.log(`${((performance.now() - started) / 1000).toFixed(1)} s  ${what}`);
const dir = path.join(path.resolve(args["persist-to"]), "v3/d1/miniflare-D1DatabaseObject");
const file = readdirSync(dir).find((f) => f.endsWith(".sqlite") && f !== "metadata.sqlite");
if (!file) throw new Error(`no D1 database in ${dir}`);
const db = new DatabaseSync(path.join(dir, file));
const all = (sql: string) => db.prepare(sql).all() as Array<Record<string, unknown>>;
const one = (sql: string) => db.prepare(sql).get() as Record<string, unknown>;

db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
db.exec("PRAGMA journal_mode = OFF");
db.exec("PRAGMA synchronous = OFF");
db.exec("PRAGMA cache_size = -1000000");
db.exec("PRAGMA temp_store = MEMORY");
log("opened");

// Search triggers by name, latest definition wins: those of 0002/0008 (dropped by the bulk seed), then
// whatever a migration (re)creates. Each is dropped as soon as it exists, so migrations that update
// products do not index row by row.
const triggers = new Map<string, string>();
for (const f of ["0002_search_index.sql", "0008_search_speed.sql"]) {
  for (const s of readFileSync(path.join(root, "migrations", f), "utf8").split("--> statement-breakpoint")) {
    const sql = s.replace(/^\s*--.*$/gm, "").trim();
    const name = /^CREATE TRIGGER `(search[^`]+)`/.exec(sql)?.[1];
    if (name) triggers.set(name, sql);
  }
}
const holdTriggers = () => {
  for (const t of all("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'search%'")) {
    triggers.set(String(t.name), String(t.sql));
    db.exec(`DROP TRIGGER "${t.name}"`);
  }
};
holdTriggers();
const applied = new Set(all("SELECT name FROM d1_migrations").map((r) => String(r.name)));
for (const m of await readD1Migrations(path.join(root, "migrations"))) {
  if (applied.has(m.name)) continue;
  db.exec("BEGIN");
  for (const q of m.queries) if (q.replace(/--.*$/gm, "").trim()) db.exec(q);
  db.prepare("INSERT INTO d1_migrations (name) VALUES (?)").run(m.name);
  db.exec("COMMIT");
  holdTriggers();
  log(`migration ${m.name}`);
}

db.exec("BEGIN");
for (const table of ["search_documents", "search_facet_counts", "search_attribute_values", "search_changes"]) db.exec(`DELETE FROM ${table}`);
db.exec("DELETE FROM search_fts");
db.exec("INSERT INTO search_attribute_values (name, value) SELECT DISTINCT name, value FROM product_attributes");
// Listed products, as the triggers of 0028 decide: active, and their seller (if any) active.
db.exec(`INSERT INTO search_documents (product_id, category_id, category_path, brand_id, vendor_id, price, rating, rating_count, in_stock, featured, sold, created_at, attribute_ids)
  SELECT p.id, p.category_id, p.category_path, p.brand_id, p.vendor_id, p.min_price, p.rating_avg_x100, p.rating_count, p.in_stock, p.featured, p.sold_count, p.created_at,
    coalesce((SELECT ',' || group_concat(v.value_id, ',') || ',' FROM product_attributes a JOIN search_attribute_values v ON v.name = a.name AND v.value = a.value WHERE a.product_id = p.id), ',')
  FROM products p WHERE p.status = 'active' AND NOT EXISTS (SELECT 1 FROM vendors v WHERE v.id = p.vendor_id AND v.status <> 'active')`);
db.exec("COMMIT");
log(`documents: ${one("SELECT count(*) AS n FROM search_documents").n}`);

// The cells of the search_documents_ai trigger, summed.
const cell = `category_id, in_stock, CASE WHEN price < 2500 THEN 0 WHEN price < 5000 THEN 1 WHEN price < 10000 THEN 2 WHEN price < 20000 THEN 3 WHEN price < 50000 THEN 4 ELSE 5 END, min(max(rating, 0), 500) / 100`;
db.exec("BEGIN");
db.exec(`INSERT INTO search_facet_counts (facet, value, category_id, in_stock, price_bucket, rating_bucket, count)
  SELECT 'total', '', ${cell}, count(*) FROM search_documents GROUP BY 3, 4, 5, 6`);
for (const facet of ["brand", "vendor"]) {
  db.exec(`INSERT INTO search_facet_counts (facet, value, category_id, in_stock, price_bucket, rating_bucket, count)
    SELECT '${facet}', ${facet}_id, ${cell}, count(*) FROM search_documents WHERE ${facet}_id IS NOT NULL GROUP BY 2, 3, 4, 5, 6`);
}
db.exec(`INSERT INTO search_facet_counts (facet, value, category_id, in_stock, price_bucket, rating_bucket, count)
  SELECT 'attr', CAST(j.value AS TEXT), ${cell.replaceAll(/\b(category_id|in_stock|price|rating)\b/g, "d.$1")}, count(*)
  FROM search_documents d, json_each('[' || trim(d.attribute_ids, ',') || ']') j GROUP BY 2, 3, 4, 5, 6`);
db.exec("COMMIT");
log(`facet cells: ${one("SELECT count(*) AS n FROM search_facet_counts").n}`);

db.exec(`CREATE TEMP TABLE path_names AS SELECT category_path AS path,
  coalesce((SELECT group_concat(c.name, ' ') FROM categories c WHERE instr(x.category_path, '/' || c.id || '/') > 0), '') AS names
  FROM (SELECT DISTINCT category_path FROM search_documents) x`);
db.exec("CREATE UNIQUE INDEX temp.path_names_uq ON path_names (path)");
const top = Number(one("SELECT coalesce(max(doc_id), 0) AS n FROM search_documents").n);
const batch = Number(args.batch);
const insertText = db.prepare(`INSERT INTO search_fts (rowid, name, brand, category, description)
  SELECT d.doc_id, p.name, coalesce(b.name, ''), n.names, p.description
  FROM search_documents d CROSS JOIN products p ON p.id = d.product_id LEFT JOIN brands b ON b.id = p.brand_id JOIN temp.path_names n ON n.path = d.category_path
  WHERE d.doc_id > ? AND d.doc_id <= ?`);
for (let from = 0; from < top; from += batch) {
  db.exec("BEGIN");
  insertText.run(from, from + batch);
  db.exec("COMMIT");
  log(`full text: doc ids up to ${Math.min(from + batch, top)} of ${top}`);
}
db.exec("DROP TABLE temp.path_names");

db.exec("BEGIN");
for (const sql of triggers.values()) db.exec(sql);
db.exec("COMMIT");
log(`${triggers.size} search triggers back`);
db.exec("ANALYZE");
db.exec("PRAGMA optimize");
log(
  `done: ${JSON.stringify(one("SELECT (SELECT count(*) FROM products) AS products, (SELECT count(*) FROM search_documents) AS documents, (SELECT count(*) FROM search_fts) AS text_rows"))}`,
);
db.close();
