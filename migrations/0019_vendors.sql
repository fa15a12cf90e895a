-- Marketplace sellers (worker/vendors): the vendor (an application is a vendor in `pending`) and its members.
-- Later migrations add invitations, commission rules, vendor orders, the vendor ledger and payouts.
CREATE TABLE `vendors` (
	`id` text PRIMARY KEY NOT NULL,
	`handle` text NOT NULL,
	`name` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL CHECK (`status` IN ('pending','active','rejected','suspended')),
	`contact_email` text NOT NULL,
	`contact_phone` text,
	`country` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`status_reason` text,
	`about` text DEFAULT '' NOT NULL,
	`banner_url` text,
	`return_address` text,
	`payout_provider` text DEFAULT 'manual' NOT NULL CHECK (`payout_provider` IN ('stripe','manual')),
	`stripe_account_id` text,
	`payouts_enabled` integer DEFAULT false NOT NULL,
	`payout_details` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`approved_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `vendors_handle_uq` ON `vendors` (`handle`);--> statement-breakpoint
CREATE UNIQUE INDEX `vendors_stripe_account_uq` ON `vendors` (`stripe_account_id`);--> statement-breakpoint
CREATE INDEX `vendors_status_created_idx` ON `vendors` (`status`,`created_at`);--> statement-breakpoint
CREATE TABLE `vendor_members` (
	`vendor_id` text NOT NULL REFERENCES `vendors`(`id`) ON DELETE cascade,
	`user_id` text NOT NULL,
	`role` text NOT NULL CHECK (`role` IN ('owner','catalog','orders','finance')),
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	PRIMARY KEY(`vendor_id`, `user_id`)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `vendor_members_user_uq` ON `vendor_members` (`user_id`);--> statement-breakpoint
CREATE INDEX `products_vendor_idx` ON `products` (`vendor_id`);
