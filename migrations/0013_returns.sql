-- Returns and exchanges (their lines and the store's return rules) and the store's policy pages.
CREATE TABLE `return_lines` (
	`id` text PRIMARY KEY NOT NULL,
	`return_id` text NOT NULL,
	`order_line_id` text NOT NULL,
	`sku` text NOT NULL,
	`name` text NOT NULL,
	`quantity` integer NOT NULL,
	`reason` text NOT NULL,
	`note` text,
	`exchange_sku` text,
	`inspection` text,
	`inspection_note` text,
	`inspected_at` text,
	`refund_amount` integer DEFAULT 0 NOT NULL,
	FOREIGN KEY (`return_id`) REFERENCES `returns`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `return_lines_return_idx` ON `return_lines` (`return_id`);--> statement-breakpoint
CREATE INDEX `return_lines_order_line_idx` ON `return_lines` (`order_line_id`);--> statement-breakpoint
CREATE TABLE `return_settings` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_by` text
);
--> statement-breakpoint
CREATE TABLE `returns` (
	`id` text PRIMARY KEY NOT NULL,
	`number` text NOT NULL,
	`order_id` text NOT NULL,
	`status` text DEFAULT 'requested' NOT NULL,
	`resolution` text NOT NULL,
	`currency` text NOT NULL,
	`customer_note` text,
	`reject_reason` text,
	`instructions` text,
	`label_url` text,
	`carrier` text,
	`tracking_number` text,
	`restocking_fee_bp` integer DEFAULT 0 NOT NULL,
	`shipping_paid_by` text DEFAULT 'store' NOT NULL,
	`refund_amount` integer DEFAULT 0 NOT NULL,
	`exchange_order_line_id` text,
	`requested_by` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`received_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `returns_number_uq` ON `returns` (`number`);--> statement-breakpoint
CREATE INDEX `returns_order_idx` ON `returns` (`order_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `returns_status_idx` ON `returns` (`status`,`created_at`);--> statement-breakpoint
CREATE INDEX `returns_tracking_idx` ON `returns` (`tracking_number`);--> statement-breakpoint
CREATE TABLE `store_policies` (
	`slug` text PRIMARY KEY NOT NULL,
	`title` text NOT NULL,
	`body` text NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_by` text
);
