-- Photos a shopper attaches to a return; the bytes live in R2 under a private key.
CREATE TABLE `return_photos` (
	`id` text PRIMARY KEY NOT NULL,
	`return_id` text NOT NULL,
	`owner` text NOT NULL,
	`object_key` text NOT NULL,
	`content_type` text NOT NULL,
	`bytes` integer NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`return_id`) REFERENCES `returns`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `return_photos_return_idx` ON `return_photos` (`return_id`,`created_at`);
