-- Issue #17: points reversed by order line. A reversal or a return of redeemed points names the line (its SKU)
-- and how much of what was paid for it the refund covered, so later refunds of the same line continue from there.
-- A redemption keeps how its points were shared over the order's lines at checkout (JSON {sku: points}).
ALTER TABLE `loyalty_entries` ADD `line` text;--> statement-breakpoint
ALTER TABLE `loyalty_entries` ADD `line_refunded` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `loyalty_redemptions` ADD `lines` text;
