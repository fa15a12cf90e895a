-- Customer support (issue #18): help-desk tickets, their messages and events, canned replies, live chats.
CREATE TABLE `support_tickets` (
	`id` text PRIMARY KEY NOT NULL,
	`number` integer NOT NULL,
	`subject` text NOT NULL,
	`status` text DEFAULT 'new' NOT NULL,
	`priority` text DEFAULT 'normal' NOT NULL,
	`channel` text DEFAULT 'web' NOT NULL,
	`customer_user_id` text,
	`customer_email` text NOT NULL,
	`customer_name` text NOT NULL,
	`order_id` text,
	`assignee_id` text,
	`tags` text DEFAULT '[]' NOT NULL,
	`merged_into_id` text,
	`first_response_due_at` text,
	`resolution_due_at` text,
	`first_responded_at` text,
	`resolved_at` text,
	`first_response_breached_at` text,
	`resolution_breached_at` text,
	`last_message_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `support_tickets_number_uq` ON `support_tickets` (`number`);--> statement-breakpoint
CREATE INDEX `support_tickets_status_idx` ON `support_tickets` (`status`,`last_message_at`);--> statement-breakpoint
CREATE INDEX `support_tickets_customer_idx` ON `support_tickets` (`customer_user_id`,`last_message_at`);--> statement-breakpoint
CREATE INDEX `support_tickets_email_idx` ON `support_tickets` (`customer_email`);--> statement-breakpoint
CREATE INDEX `support_tickets_assignee_idx` ON `support_tickets` (`assignee_id`,`status`);--> statement-breakpoint
CREATE INDEX `support_tickets_order_idx` ON `support_tickets` (`order_id`);--> statement-breakpoint
CREATE TABLE `support_messages` (
	`id` text PRIMARY KEY NOT NULL,
	`ticket_id` text NOT NULL,
	`author_type` text NOT NULL,
	`author_id` text,
	`author_name` text NOT NULL,
	`body` text NOT NULL,
	`internal` integer DEFAULT 0 NOT NULL,
	`source` text DEFAULT 'web' NOT NULL,
	`external_id` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `support_messages_ticket_idx` ON `support_messages` (`ticket_id`,`created_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `support_messages_external_uq` ON `support_messages` (`external_id`);--> statement-breakpoint
CREATE TABLE `support_events` (
	`id` text PRIMARY KEY NOT NULL,
	`ticket_id` text NOT NULL,
	`kind` text NOT NULL,
	`actor_type` text NOT NULL,
	`actor_id` text,
	`actor_label` text NOT NULL,
	`data` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `support_events_ticket_idx` ON `support_events` (`ticket_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `support_canned_replies` (
	`id` text PRIMARY KEY NOT NULL,
	`title` text NOT NULL,
	`body` text NOT NULL,
	`created_by` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `support_chats` (
	`id` text PRIMARY KEY NOT NULL,
	`customer_user_id` text,
	`customer_email` text NOT NULL,
	`customer_name` text NOT NULL,
	`status` text DEFAULT 'waiting' NOT NULL,
	`ticket_id` text,
	`saved_seq` integer DEFAULT 0 NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`ended_at` text
);
--> statement-breakpoint
CREATE INDEX `support_chats_customer_idx` ON `support_chats` (`customer_user_id`);
