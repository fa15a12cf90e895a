-- Issue #21: registration answers the same whether or not the email has an account. A sign-up waits here
-- until its emailed link is followed; only then is the account created (verified) and signed in.
CREATE TABLE `pending_registrations` (
	`token_hash` text PRIMARY KEY NOT NULL,
	`email` text NOT NULL,
	`name` text NOT NULL,
	`password_hash` text NOT NULL,
	`return_to` text,
	`expires_at` integer NOT NULL,
	`used_at` integer
);--> statement-breakpoint
CREATE INDEX `pending_registrations_email_idx` ON `pending_registrations` (`email`);--> statement-breakpoint
CREATE INDEX `pending_registrations_expires_idx` ON `pending_registrations` (`expires_at`);
