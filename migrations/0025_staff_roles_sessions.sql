-- Editable staff roles (a name and a set of named permissions) and which staff member holds one; a staff
-- member without a row keeps the built-in defaults of their role. Sessions remember where they were
-- started (country and city from the edge) for the account's session list.
CREATE TABLE `staff_roles` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`permissions` text DEFAULT '[]' NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `staff_roles_name_uq` ON `staff_roles` (lower(`name`));--> statement-breakpoint
CREATE TABLE `staff_role_members` (
	`user_id` text PRIMARY KEY NOT NULL,
	`role_id` text NOT NULL,
	`assigned_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`role_id`) REFERENCES `staff_roles`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `staff_role_members_role_idx` ON `staff_role_members` (`role_id`);--> statement-breakpoint
ALTER TABLE `refresh_tokens` ADD `place` text;
