import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

import { ROLES, type Role } from "../lib/context";

export { ROLES, type Role };

/**
 * People who can sign in. `email` is stored lower-cased. `sessionsValidAfter`
 * (epoch ms) revokes every access token issued before it: bumped on sign-out
 * everywhere, password change, role change, disable, refresh-token reuse.
 */
export const users = sqliteTable(
  "users",
  {
    id: text("id").primaryKey(),
    email: text("email").notNull(),
    emailVerifiedAt: text("email_verified_at"),
    name: text("name").notNull(),
    /** PHC string `$scrypt$ln=15,r=8,p=3$<salt>$<hash>`; null for OAuth-only accounts. */
    passwordHash: text("password_hash"),
    role: text("role", { enum: ROLES }).notNull().default("customer"),
    status: text("status", { enum: ["active", "disabled"] })
      .notNull()
      .default("active"),
    /** AES-256-GCM ciphertext `<kid>.<iv>.<data>` of the phone number. */
    phoneEnc: text("phone_enc"),
    /** Month and day of birth, `MM-DD` (no year is asked): the loyalty cron's birthday bonus looks it up by day. */
    birthday: text("birthday"),
    sessionsValidAfter: integer("sessions_valid_after").notNull().default(0),
    createdAt: text("created_at").notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
    updatedAt: text("updated_at").notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
  },
  (t) => [uniqueIndex("users_email_uq").on(t.email), index("users_role_idx").on(t.role), index("users_birthday_idx").on(t.birthday)],
);

/** Address book entries; the address itself is encrypted (it is personal data). */
export const userAddresses = sqliteTable(
  "user_addresses",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** Country stays in clear for shipping rules; everything else is in `dataEnc`. */
    country: text("country").notNull(),
    dataEnc: text("data_enc").notNull(),
    isDefaultShipping: integer("is_default_shipping").notNull().default(0),
    isDefaultBilling: integer("is_default_billing").notNull().default(0),
    createdAt: text("created_at").notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
    updatedAt: text("updated_at").notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
  },
  (t) => [index("user_addresses_user_idx").on(t.userId)],
);

/**
 * Opaque refresh tokens, stored as SHA-256 hashes. Each rotation issues a new
 * token in the same family and marks the old one used; presenting a used
 * token again means it leaked, so every session of the user ends.
 */
export const refreshTokens = sqliteTable(
  "refresh_tokens",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    familyId: text("family_id").notNull(),
    tokenHash: text("token_hash").notNull(),
    expiresAt: integer("expires_at").notNull(),
    usedAt: integer("used_at"),
    revokedAt: integer("revoked_at"),
    createdAt: integer("created_at").notNull(),
    userAgent: text("user_agent"),
    /** Where the session's token was issued, from the edge's country and city headers ("Berlin, DE"). */
    place: text("place"),
  },
  (t) => [uniqueIndex("refresh_tokens_hash_uq").on(t.tokenHash), index("refresh_tokens_user_idx").on(t.userId)],
);

/** Single-use emailed tokens (password reset, email verification), stored hashed. */
export const oneTimeTokens = sqliteTable(
  "one_time_tokens",
  {
    tokenHash: text("token_hash").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    purpose: text("purpose", { enum: ["password_reset", "verify_email"] }).notNull(),
    expiresAt: integer("expires_at").notNull(),
    usedAt: integer("used_at"),
  },
  (t) => [index("one_time_tokens_user_idx").on(t.userId, t.purpose)],
);

/**
 * Sign-ups waiting for their emailed link. The account is created only when the link is followed, so a
 * request for someone else's address creates nothing, and the answer to the request is the same whether
 * or not the address already has an account. Holds the password's hash, never the password.
 */
export const pendingRegistrations = sqliteTable(
  "pending_registrations",
  {
    tokenHash: text("token_hash").primaryKey(),
    email: text("email").notNull(),
    name: text("name").notNull(),
    passwordHash: text("password_hash").notNull(),
    /** Where the shopper was going when they signed up (already checked to be a path of this store). */
    returnTo: text("return_to"),
    expiresAt: integer("expires_at").notNull(),
    usedAt: integer("used_at"),
  },
  (t) => [index("pending_registrations_email_idx").on(t.email), index("pending_registrations_expires_idx").on(t.expiresAt)],
);

/** Sign-in identities at OAuth / OpenID Connect providers. */
export const oauthIdentities = sqliteTable(
  "oauth_identities",
  {
    provider: text("provider").notNull(),
    subject: text("subject").notNull(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    email: text("email").notNull(),
    createdAt: text("created_at").notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
  },
  (t) => [uniqueIndex("oauth_identities_provider_subject_uq").on(t.provider, t.subject), index("oauth_identities_user_idx").on(t.userId)],
);

/**
 * An account's authenticator-app key (TOTP, RFC 6238), AES-GCM encrypted with the user's id bound as
 * additional data. `confirmedAt` is null while enrolment waits for the first code; `lastStep` is the
 * 30-second step of the last code accepted, so a code (or an older one) never works twice.
 */
export const userTotp = sqliteTable("user_totp", {
  userId: text("user_id")
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  secretEnc: text("secret_enc").notNull(),
  confirmedAt: integer("confirmed_at"),
  lastStep: integer("last_step").notNull().default(0),
  createdAt: integer("created_at").notNull(),
});

/** Single-use recovery codes, stored as SHA-256 hashes; a new set replaces the old one. */
export const recoveryCodes = sqliteTable(
  "recovery_codes",
  {
    codeHash: text("code_hash").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    usedAt: integer("used_at"),
  },
  (t) => [index("recovery_codes_user_idx").on(t.userId)],
);

/**
 * A sign-in waiting for its second factor: the password was right, no session exists yet. The token is
 * stored hashed and lives 5 minutes; `secretEnc` is set when the account enrols its authenticator as
 * part of this sign-in (staff without one while the store requires it).
 */
export const signInChallenges = sqliteTable("sign_in_challenges", {
  tokenHash: text("token_hash").primaryKey(),
  userId: text("user_id")
    .notNull()
    .references(() => users.id, { onDelete: "cascade" }),
  secretEnc: text("secret_enc"),
  expiresAt: integer("expires_at").notNull(),
  usedAt: integer("used_at"),
});

/** When a session last proved a second factor: re-authentication before sensitive changes reads it. */
export const sessionFactors = sqliteTable("session_factors", {
  sessionId: text("session_id").primaryKey(),
  userId: text("user_id")
    .notNull()
    .references(() => users.id, { onDelete: "cascade" }),
  verifiedAt: integer("verified_at").notNull(),
});

/**
 * Editable staff roles: a name and the named permissions it grants (`PERMISSIONS` in worker/lib/context.ts,
 * stored as a JSON array). The built-in roles are not rows: a staff member without a `staffRoleMembers` row
 * holds the defaults of their account role.
 */
export const staffRoles = sqliteTable("staff_roles", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  description: text("description").notNull().default(""),
  permissions: text("permissions").notNull().default("[]"),
  createdAt: text("created_at").notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
  updatedAt: text("updated_at").notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
});

/** The editable staff role a staff member holds (at most one); it replaces their account role's defaults. */
export const staffRoleMembers = sqliteTable(
  "staff_role_members",
  {
    userId: text("user_id")
      .primaryKey()
      .references(() => users.id, { onDelete: "cascade" }),
    roleId: text("role_id")
      .notNull()
      .references(() => staffRoles.id, { onDelete: "cascade" }),
    assignedAt: text("assigned_at").notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
  },
  (t) => [index("staff_role_members_role_idx").on(t.roleId)],
);

/**
 * Passkeys (WebAuthn credentials) of an account, usable as its second factor. `credentialId` and `publicKey`
 * (COSE) are base64url; `counter` is the authenticator's signature counter, which must grow with every use
 * (authenticators that keep it at 0, as synced passkeys do, stay at 0).
 */
export const userPasskeys = sqliteTable(
  "user_passkeys",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    credentialId: text("credential_id").notNull(),
    publicKey: text("public_key").notNull(),
    counter: integer("counter").notNull().default(0),
    /** JSON array of the transports the browser reported (`internal`, `hybrid`, `usb`…), handed back as hints. */
    transports: text("transports").notNull().default("[]"),
    name: text("name").notNull(),
    /** The credential is synced (a platform passkey) rather than bound to one device. */
    backedUp: integer("backed_up").notNull().default(0),
    createdAt: integer("created_at").notNull(),
    lastUsedAt: integer("last_used_at"),
  },
  (t) => [uniqueIndex("user_passkeys_credential_uq").on(t.credentialId), index("user_passkeys_user_idx").on(t.userId)],
);

/**
 * A WebAuthn ceremony's challenge, stored as a SHA-256 hash: single use (`usedAt`), 5 minutes, for one account and
 * one purpose, bound to the session that asked (adding a passkey, re-authenticating) or to the password step's
 * sign-in challenge (`signInHash`, signing in).
 */
export const passkeyChallenges = sqliteTable(
  "passkey_challenges",
  {
    challengeHash: text("challenge_hash").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    purpose: text("purpose", { enum: ["register", "sign_in", "reauth"] }).notNull(),
    sessionId: text("session_id"),
    signInHash: text("sign_in_hash"),
    expiresAt: integer("expires_at").notNull(),
    usedAt: integer("used_at"),
  },
  (t) => [index("passkey_challenges_user_idx").on(t.userId)],
);
