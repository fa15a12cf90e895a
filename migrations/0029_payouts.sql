-- Vendor payouts (worker/vendors): one row per payment of a vendor's available balance, created with its
-- `transfer` ledger entry in one batch. Stripe Connect payouts carry `idempotency_key` to Stripe.
CREATE TABLE `payouts` (
	`id` text PRIMARY KEY NOT NULL,
	`vendor_id` text NOT NULL REFERENCES `vendors`(`id`),
	`amount` integer NOT NULL CHECK (`amount` > 0),
	`currency` text NOT NULL,
	`provider` text NOT NULL CHECK (`provider` IN ('stripe_connect','manual')),
	`status` text DEFAULT 'pending' NOT NULL CHECK (`status` IN ('pending','paid','failed')),
	`provider_reference` text,
	`destination` text,
	`idempotency_key` text NOT NULL,
	`failure_reason` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`paid_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `payouts_key_uq` ON `payouts` (`idempotency_key`);--> statement-breakpoint
CREATE INDEX `payouts_vendor_idx` ON `payouts` (`vendor_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `payouts_status_idx` ON `payouts` (`status`,`created_at`);--> statement-breakpoint
ALTER TABLE `vendors` ADD `charges_enabled` integer DEFAULT false NOT NULL;
