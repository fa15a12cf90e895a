-- Recommendations (worker/recommendations): precomputed neighbours per product and kind, and what each
-- kind was last computed from.
CREATE TABLE `recommendation_pairs` (
	`kind` text NOT NULL,
	`product_id` text NOT NULL,
	`related_id` text NOT NULL,
	`score` real NOT NULL,
	`position` integer NOT NULL,
	PRIMARY KEY(`kind`, `product_id`, `related_id`)
);
--> statement-breakpoint
CREATE INDEX `recommendation_pairs_read_idx` ON `recommendation_pairs` (`kind`,`product_id`,`position`);--> statement-breakpoint
CREATE TABLE `recommendation_runs` (
	`kind` text PRIMARY KEY NOT NULL,
	`fingerprint` text NOT NULL,
	`rows` integer NOT NULL,
	`computed_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
