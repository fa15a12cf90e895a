-- Promotions: discounts (codes and automatic), their uses per order, and the code a cart carries.
-- Usage limits are counted exactly by the PromotionCounter Durable Object; these rows are the record.
CREATE TABLE `promotions` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`code` text,
	`kind` text NOT NULL,
	`value` integer DEFAULT 0 NOT NULL,
	`buy_quantity` integer DEFAULT 0 NOT NULL,
	`get_quantity` integer DEFAULT 0 NOT NULL,
	`conditions` text DEFAULT '{}' NOT NULL,
	`combinable` integer DEFAULT 1 NOT NULL,
	`status` text DEFAULT 'active' NOT NULL,
	`starts_at` integer,
	`ends_at` integer,
	`usage_limit` integer,
	`per_customer_limit` integer,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `promotions_code_idx` ON `promotions` (`code`);
--> statement-breakpoint
CREATE INDEX `promotions_status_idx` ON `promotions` (`status`);
--> statement-breakpoint
CREATE TABLE `promotion_redemptions` (
	`id` text PRIMARY KEY NOT NULL,
	`promotion_id` text NOT NULL,
	`order_id` text NOT NULL,
	`customer_key` text NOT NULL,
	`code` text,
	`name` text NOT NULL,
	`amount` integer NOT NULL,
	`shipping_amount` integer DEFAULT 0 NOT NULL,
	`order_total` integer NOT NULL,
	`currency` text NOT NULL,
	`status` text DEFAULT 'reserved' NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `promotion_redemptions_order_idx` ON `promotion_redemptions` (`order_id`,`promotion_id`);
--> statement-breakpoint
CREATE INDEX `promotion_redemptions_promotion_idx` ON `promotion_redemptions` (`promotion_id`,`status`);
--> statement-breakpoint
CREATE TABLE `promotion_cart_codes` (
	`cart_id` text PRIMARY KEY NOT NULL,
	`code` text NOT NULL,
	`applied_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
