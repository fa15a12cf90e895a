-- Vendor members (worker/vendors): an owner invites a teammate by email with a member role; the invitee accepts
-- through the emailed link (only the token's SHA-256 is stored). Pending invitations are unique per vendor and email.
CREATE TABLE `vendor_invitations` (
	`id` text PRIMARY KEY NOT NULL,
	`vendor_id` text NOT NULL REFERENCES `vendors`(`id`) ON DELETE cascade,
	`email` text NOT NULL,
	`role` text NOT NULL CHECK (`role` IN ('owner','catalog','orders','finance')),
	`token_hash` text NOT NULL,
	`invited_by` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`expires_at` text NOT NULL,
	`accepted_at` text,
	`accepted_by` text,
	`revoked_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `vendor_invitations_token_uq` ON `vendor_invitations` (`token_hash`);--> statement-breakpoint
CREATE UNIQUE INDEX `vendor_invitations_open_uq` ON `vendor_invitations` (`vendor_id`,`email`) WHERE `accepted_at` IS NULL AND `revoked_at` IS NULL;
