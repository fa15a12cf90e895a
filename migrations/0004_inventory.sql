CREATE TABLE `stock_movements` (
	`id` text PRIMARY KEY NOT NULL,
	`sku` text NOT NULL,
	`kind` text NOT NULL,
	`quantity` integer NOT NULL,
	`on_hand_after` integer NOT NULL,
	`available_after` integer NOT NULL,
	`reason` text,
	`ref_id` text,
	`at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `stock_movements_sku_at_idx` ON `stock_movements` (`sku`,`at`);--> statement-breakpoint
ALTER TABLE `product_variants` ADD `stock_version` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `product_variants` ADD `low_stock_threshold` integer DEFAULT 5 NOT NULL;