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
