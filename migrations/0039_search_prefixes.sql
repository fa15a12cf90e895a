-- Full-text prefix indexes for 4, 5 and 6 letters besides 2 and 3. Every search word is a prefix ("head" finds
-- "headphones"); a prefix with no index of its length makes FTS5 merge the whole document lists of every word it
-- starts before it can return the newest match. At 1,000,000 products "ever" (every, everyday, everfield) took
-- 59 ms that way and 10 ms with a 4-letter index; "piece" 11 ms and 4.5 ms (BENCHMARKS.md). Longer prefixes are
-- rarely typed, and a 7-letter prefix usually starts one word only. FTS5 takes its prefix lengths when the table
-- is created, so the table is made again; its rows wait in a plain table meanwhile. The triggers and the
-- vocabulary (fts5vocab) name the table and need nothing. Locally this took 2.8 s at 100,000 products and ~50 s at
-- 1,000,000, past what D1 lets one statement run: a catalog that large is re-indexed offline
-- (test/bench/search-bulk-index.ts shows how) rather than through this migration.
CREATE TABLE `search_fts_copy` AS SELECT rowid AS doc_id, name, brand, category, description FROM `search_fts`;
--> statement-breakpoint
DROP TABLE `search_fts`;
--> statement-breakpoint
CREATE VIRTUAL TABLE `search_fts` USING fts5(
	name, brand, category, description,
	tokenize = 'unicode61 remove_diacritics 2',
	prefix = '2 3 4 5 6'
);
--> statement-breakpoint
INSERT INTO `search_fts` (rowid, name, brand, category, description) SELECT doc_id, name, brand, category, description FROM `search_fts_copy`;
--> statement-breakpoint
DROP TABLE `search_fts_copy`;
