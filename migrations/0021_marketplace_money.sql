-- Marketplace money (worker/orders vendor orders): one checkout, several sellers. Each order line records its
-- seller, and each seller's part of an order is a vendor order with its own shipping price and status.
ALTER TABLE `order_lines` ADD `vendor_id` text;--> statement-breakpoint
ALTER TABLE `order_lines` ADD `vendor_order_id` text;--> statement-breakpoint
CREATE INDEX `order_lines_vendor_order_idx` ON `order_lines` (`vendor_order_id`);--> statement-breakpoint
CREATE TABLE `vendor_orders` (
	`id` text PRIMARY KEY NOT NULL,
	`order_id` text NOT NULL REFERENCES `orders`(`id`) ON DELETE cascade,
	`vendor_id` text NOT NULL,
	`status` text DEFAULT 'pending_payment' NOT NULL CHECK (`status` IN ('pending_payment','paid','shipped','delivered','cancelled')),
	`currency` text NOT NULL,
	`subtotal` integer NOT NULL,
	`discount_total` integer DEFAULT 0 NOT NULL,
	`shipping_total` integer NOT NULL,
	`shipment_id` text,
	`shipped_at` text,
	`delivered_at` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `vendor_orders_order_vendor_uq` ON `vendor_orders` (`order_id`,`vendor_id`);--> statement-breakpoint
CREATE INDEX `vendor_orders_vendor_idx` ON `vendor_orders` (`vendor_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `vendor_orders_shipment_idx` ON `vendor_orders` (`shipment_id`);
--> statement-breakpoint
ALTER TABLE `order_lines` ADD `commission_rule_id` text;--> statement-breakpoint
ALTER TABLE `order_lines` ADD `commission_bps` integer;--> statement-breakpoint
ALTER TABLE `order_lines` ADD `commission_fixed` integer;--> statement-breakpoint
ALTER TABLE `order_lines` ADD `commission_total` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `vendor_orders` ADD `tax_total` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `vendor_orders` ADD `gross_total` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `vendor_orders` ADD `commission_total` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE TABLE `commission_rules` (
	`id` text PRIMARY KEY NOT NULL,
	`scope` text NOT NULL CHECK (`scope` IN ('product','category','vendor','store')),
	`target` text NOT NULL,
	`kind` text NOT NULL CHECK (`kind` IN ('percent','fixed')),
	`rate_bps` integer DEFAULT 0 NOT NULL CHECK (`rate_bps` BETWEEN 0 AND 10000),
	`fixed_amount` integer DEFAULT 0 NOT NULL CHECK (`fixed_amount` >= 0),
	`include_tax` integer DEFAULT false NOT NULL,
	`include_shipping` integer DEFAULT false NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `commission_rules_target_uq` ON `commission_rules` (`scope`,`target`);--> statement-breakpoint
CREATE TABLE `vendor_ledger` (
	`id` text PRIMARY KEY NOT NULL,
	`vendor_id` text NOT NULL REFERENCES `vendors`(`id`),
	`kind` text NOT NULL CHECK (`kind` IN ('sale','commission','refund','commission_refund','transfer','transfer_reversal','adjustment')),
	`amount` integer NOT NULL,
	`currency` text NOT NULL,
	`order_id` text,
	`vendor_order_id` text,
	`idempotency_key` text NOT NULL,
	`note` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `vendor_ledger_key_uq` ON `vendor_ledger` (`idempotency_key`);--> statement-breakpoint
CREATE INDEX `vendor_ledger_vendor_idx` ON `vendor_ledger` (`vendor_id`,`created_at`);
