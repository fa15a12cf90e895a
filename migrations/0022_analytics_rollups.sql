-- Analytics (worker/analytics): who sent an event (anonymous session, device class, country, search result
-- count), daily rollups per store-local day with the run that wrote them, and the analytics settings.
ALTER TABLE `analytics_events` ADD `session_id` text;--> statement-breakpoint
ALTER TABLE `analytics_events` ADD `device` text;--> statement-breakpoint
ALTER TABLE `analytics_events` ADD `country` text;--> statement-breakpoint
ALTER TABLE `analytics_events` ADD `result_count` integer;--> statement-breakpoint
CREATE INDEX `analytics_events_time_idx` ON `analytics_events` (`occurred_at`);--> statement-breakpoint
CREATE TABLE `analytics_daily` (
	`day` text NOT NULL,
	`metric` text NOT NULL,
	`dimension` text DEFAULT '' NOT NULL,
	`value` integer NOT NULL,
	PRIMARY KEY(`day`, `metric`, `dimension`)
);--> statement-breakpoint
CREATE INDEX `analytics_daily_metric_idx` ON `analytics_daily` (`metric`,`day`);--> statement-breakpoint
CREATE TABLE `analytics_rollup_runs` (
	`day` text PRIMARY KEY NOT NULL,
	`time_zone` text NOT NULL,
	`starts_at` text NOT NULL,
	`ends_at` text NOT NULL,
	`events` integer NOT NULL,
	`computed_at` text NOT NULL
);--> statement-breakpoint
CREATE TABLE `analytics_settings` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_by` text
);
