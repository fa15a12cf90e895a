-- Loyalty: the append-only points ledger, points held by orders, earnings waiting for their return window,
-- the program's settings and the expiry warnings already sent.
CREATE TABLE `loyalty_entries` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`kind` text NOT NULL,
	`bucket` text NOT NULL,
	`points` integer NOT NULL,
	`order_id` text,
	`key` text NOT NULL,
	`rule` text,
	`spend` integer DEFAULT 0 NOT NULL,
	`currency` text,
	`reason` text,
	`actor_id` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `loyalty_entries_key_idx` ON `loyalty_entries` (`key`);
--> statement-breakpoint
CREATE INDEX `loyalty_entries_user_idx` ON `loyalty_entries` (`user_id`,`bucket`);
--> statement-breakpoint
CREATE INDEX `loyalty_entries_order_idx` ON `loyalty_entries` (`order_id`);
--> statement-breakpoint
CREATE TABLE `loyalty_redemptions` (
	`order_id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`points` integer NOT NULL,
	`value` integer NOT NULL,
	`currency` text NOT NULL,
	`status` text DEFAULT 'held' NOT NULL,
	`hold_expires_at` integer NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `loyalty_redemptions_status_idx` ON `loyalty_redemptions` (`status`,`hold_expires_at`);
--> statement-breakpoint
CREATE TABLE `loyalty_pending_orders` (
	`order_id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `loyalty_settings` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `loyalty_warnings` (
	`key` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`created_at` integer NOT NULL
);
