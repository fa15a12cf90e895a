-- Wish lists (issue #16): one default list per shopper or guest cookie, its share link and alert switch, and the wished SKUs.
CREATE TABLE `wishlist_items` (
	`wishlist_id` text NOT NULL,
	`sku` text NOT NULL,
	`price_seen` integer NOT NULL,
	`currency` text NOT NULL,
	`added_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	PRIMARY KEY(`wishlist_id`, `sku`)
);

CREATE INDEX `wishlist_items_sku_idx` ON `wishlist_items` (`sku`);
CREATE TABLE `wishlists` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text,
	`name` text DEFAULT 'Wishlist' NOT NULL,
	`share_token` text NOT NULL,
	`share_enabled` integer DEFAULT 0 NOT NULL,
	`alerts_enabled` integer DEFAULT 1 NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);

CREATE UNIQUE INDEX `wishlists_user_uq` ON `wishlists` (`user_id`);
CREATE UNIQUE INDEX `wishlists_share_uq` ON `wishlists` (`share_token`);
