-- Issue #16 follow-ups: product identifiers for structured data, and the wishlist's back-in-stock sweep.

-- GTIN (barcode number) and manufacturer part number per variant; search engines match offers with them.
ALTER TABLE `product_variants` ADD `gtin` text;--> statement-breakpoint
ALTER TABLE `product_variants` ADD `mpn` text;--> statement-breakpoint

-- How far the wishlist has read inventory's stock movements (their rowid), so each return to stock is
-- looked at once. Starts at the movements already there: history is not news.
CREATE TABLE `wishlist_sweeps` (
	`name` text PRIMARY KEY NOT NULL,
	`last_rowid` integer DEFAULT 0 NOT NULL
);--> statement-breakpoint
INSERT INTO `wishlist_sweeps` (`name`, `last_rowid`) SELECT 'back_in_stock', coalesce(max(rowid), 0) FROM `stock_movements`;--> statement-breakpoint

-- Who uploaded each review photo: a review may carry only its author's uploads. Photos already in reviews
-- stay valid for those reviews (an edit may keep them), so no backfill is needed.
-- Uploads are stored by their bytes' hash, so two shoppers uploading the same picture share a path: one row each.
CREATE TABLE `review_photos` (
	`url` text NOT NULL,
	`user_id` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	PRIMARY KEY(`user_id`, `url`)
);
