-- Issue #17: the birthday bonus. Only month and day are kept (MM-DD): enough to give the bonus on the day,
-- nothing more about the person. Indexed because the loyalty cron looks up today's birthdays.
ALTER TABLE `users` ADD `birthday` text;--> statement-breakpoint
CREATE INDEX `users_birthday_idx` ON `users` (`birthday`);
