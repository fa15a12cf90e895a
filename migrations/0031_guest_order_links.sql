-- Issue #21: guests' order links expire and can be revoked or renewed.
-- The link's token is derived from the order id and this version, so bumping it ends every earlier link
-- (and the next email carries a new one); the expiry counts from when the current link was issued
-- (null: at checkout, so links already sent expire `guestLinkDays` after their order).
ALTER TABLE `orders` ADD `access_link_version` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `orders` ADD `access_link_issued_at` text;
