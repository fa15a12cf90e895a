-- Search speed (issue #6): a change log of the search documents, so a Worker isolate can keep an
-- in-memory copy of every document's filter, facet and sort fields and bring it up to date with
-- one cheap read per search (worker/search/service/snapshot.ts). A text search then reads only the
-- full-text index (matching ids and bm25) from D1 instead of one document lookup per match.
--
-- search_changes: one row per insert, update or delete of a search document, seq ascending with no
-- reuse (AUTOINCREMENT), token random, so an isolate can prove the log it followed is the log the
-- database has (a restored or rolled-back database has other tokens). Only the newest 10,000 rows
-- are kept: an isolate further behind reloads everything.
-- search_meta.epoch identifies the state before the first logged change the same way.

CREATE TABLE `search_changes` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`doc_id` integer NOT NULL,
	`token` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `search_meta` (
	`id` integer PRIMARY KEY NOT NULL CHECK (`id` = 1),
	`epoch` integer NOT NULL
);
--> statement-breakpoint
INSERT INTO `search_meta` (`id`, `epoch`) VALUES (1, abs(random() % 9007199254740991));
--> statement-breakpoint
CREATE TRIGGER `search_changes_ai` AFTER INSERT ON `search_documents` BEGIN
	INSERT INTO `search_changes` (doc_id, token) VALUES (new.doc_id, abs(random() % 9007199254740991));
	DELETE FROM `search_changes` WHERE seq <= (SELECT max(seq) FROM search_changes) - 10000;
END;
--> statement-breakpoint
CREATE TRIGGER `search_changes_ad` AFTER DELETE ON `search_documents` BEGIN
	INSERT INTO `search_changes` (doc_id, token) VALUES (old.doc_id, abs(random() % 9007199254740991));
	DELETE FROM `search_changes` WHERE seq <= (SELECT max(seq) FROM search_changes) - 10000;
END;
--> statement-breakpoint
CREATE TRIGGER `search_changes_au` AFTER UPDATE ON `search_documents`
WHEN old.doc_id IS NOT new.doc_id OR old.category_id IS NOT new.category_id OR old.category_path IS NOT new.category_path
	OR old.brand_id IS NOT new.brand_id OR old.vendor_id IS NOT new.vendor_id OR old.price IS NOT new.price OR old.rating IS NOT new.rating
	OR old.rating_count IS NOT new.rating_count OR old.in_stock IS NOT new.in_stock OR old.featured IS NOT new.featured OR old.sold IS NOT new.sold
	OR old.created_at IS NOT new.created_at OR old.attribute_ids IS NOT new.attribute_ids
BEGIN
	INSERT INTO `search_changes` (doc_id, token) VALUES (new.doc_id, abs(random() % 9007199254740991));
	DELETE FROM `search_changes` WHERE seq <= (SELECT max(seq) FROM search_changes) - 10000;
END;
