-- Named wish lists (issue #16): a signed-in shopper may keep several lists besides the default one
-- (`wlu_<userId>`), so a user id is no longer unique on `wishlists`. A name is unique per shopper,
-- whatever its case; guests' lists have no owner and stay one per cookie.
DROP INDEX IF EXISTS `wishlists_user_uq`;--> statement-breakpoint
CREATE INDEX `wishlists_user_idx` ON `wishlists` (`user_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `wishlists_user_name_uq` ON `wishlists` (`user_id`, `name` COLLATE NOCASE) WHERE `user_id` IS NOT NULL;
