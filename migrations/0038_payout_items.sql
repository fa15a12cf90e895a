-- Payouts per vendor order (worker/vendors): which vendor orders each payout covers. A Stripe Connect payout is
-- one transfer for one vendor order (its `vendor_order_id` and `order_id` name it; the order id is the transfer's
-- `transfer_group`); a manual payout may cover several. A row with no payout is a vendor order whose net went
-- entirely to pay back what the seller owed (nothing was sent). A vendor order is paid out while it has a row
-- whose payout has not failed.
CREATE TABLE `payout_items` (
	`id` text PRIMARY KEY NOT NULL,
	`payout_id` text,
	`vendor_id` text NOT NULL REFERENCES `vendors`(`id`),
	`vendor_order_id` text NOT NULL,
	`order_id` text,
	`amount` integer NOT NULL,
	`netted` integer DEFAULT 0 NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `payout_items_payout_vo_uq` ON `payout_items` (`payout_id`,`vendor_order_id`);--> statement-breakpoint
CREATE INDEX `payout_items_vo_idx` ON `payout_items` (`vendor_order_id`);--> statement-breakpoint
ALTER TABLE `payouts` ADD `vendor_order_id` text;--> statement-breakpoint
ALTER TABLE `payouts` ADD `order_id` text;
