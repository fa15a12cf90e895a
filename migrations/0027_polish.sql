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
INSERT INTO `wishlist_sweeps` (`name`, `last_rowid`) SELECT 'back_in_stock', coalesce(max(rowid), 0) FROM `stock_movements`;
