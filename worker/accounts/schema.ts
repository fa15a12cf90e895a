import { z } from "@hono/zod-openapi";
import { PERMISSIONS } from "../lib/context";
import { PaginationQuery } from "../lib/openapi";
import { ROLES } from "./tables";

export { ROLES };

const email = z
  .email("Enter a valid email address")
  .max(254)
  .transform((e) => e.trim().toLowerCase());
const name = z.string().trim().min(1, "Enter your name").max(100);
const newPassword = z.string().min(12, "Use at least 12 characters").max(128, "Use at most 128 characters");

export const RegisterBody = z.object({ email, password: newPassword, name }).strict().openapi("RegisterBody");
export type RegisterBody = z.infer<typeof RegisterBody>;

/** The one answer to a sign-up, whether or not the email already has an account (the email says which). */
export const RegistrationStartedSchema = z
  .object({ status: z.string().openapi({ description: "What happens next: check your email to finish." }) })
  .openapi("RegistrationStarted");
export type RegistrationStartedSchema = z.infer<typeof RegistrationStartedSchema>;

export const ConfirmRegistrationBody = z
  .object({ token: z.string().min(20, "Open the link from the email").max(200) })
  .strict()
  .openapi("ConfirmRegistrationBody");
export type ConfirmRegistrationBody = z.infer<typeof ConfirmRegistrationBody>;

const secondFactorCode = z.string().trim().min(6, "Enter the code from your authenticator app").max(20, "Enter the code from your authenticator app");

export const LoginBody = z
  .object({
    email,
    password: z.string().min(1, "Enter your password").max(128),
    code: secondFactorCode
      .optional()
      .openapi({ description: "An authenticator or recovery code, for accounts with a second factor (saves the second round trip)." }),
  })
  .strict()
  .openapi("LoginBody");
export type LoginBody = z.infer<typeof LoginBody>;

export const LogoutBody = z
  .object({
    everywhere: z.boolean().default(false),
    refreshToken: z
      .string()
      .min(20)
      .max(200)
      .optional()
      .openapi({ description: "Native clients whose access token has expired send their refresh token so the session still ends." }),
  })
  .strict()
  .openapi("LogoutBody");
export const RefreshBody = z
  .object({ refreshToken: z.string().min(20).max(200).optional() })
  .strict()
  .openapi("RefreshBody");
export const PasswordResetBody = z.object({ email }).strict().openapi("PasswordResetBody");
export const PasswordResetConfirmBody = z
  .object({ token: z.string().min(20).max(200), password: newPassword })
  .strict()
  .openapi("PasswordResetConfirmBody");
export const VerifyEmailBody = z
  .object({ token: z.string().min(20).max(200) })
  .strict()
  .openapi("VerifyEmailBody");
export const ChangePasswordBody = z
  .object({ currentPassword: z.string().min(1).max(128), newPassword })
  .strict()
  .openapi("ChangePasswordBody");

const phone = z
  .string()
  .trim()
  .regex(/^\+?[0-9 ().-]{6,24}$/, "Enter a phone number with digits, spaces or + ( ) . -")
  .nullable();

// Days per month with 29 for February, so a 29 February birthday can be kept (celebrated on the 28th in other years).
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const birthday = z
  .string()
  .regex(/^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, "Enter the month and day as MM-DD")
  .refine((v) => Number(v.slice(3)) <= (DAYS_IN_MONTH[Number(v.slice(0, 2)) - 1] ?? 0), "That month has fewer days")
  .nullable()
  .openapi({ description: "Month and day of birth (MM-DD), for the birthday bonus; null removes it.", example: "04-17" });

export const UpdateProfileBody = z
  .object({ name: name.optional(), phone: phone.optional(), birthday: birthday.optional() })
  .strict()
  .openapi("UpdateProfileBody");
export type UpdateProfileBody = z.infer<typeof UpdateProfileBody>;

export const UserSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    name: z.string(),
    role: z.enum(ROLES),
    emailVerified: z.boolean(),
    phone: z.string().nullable(),
    birthday: z.string().nullable().openapi({ description: "Month and day of birth (MM-DD), if given." }),
    hasPassword: z.boolean(),
    createdAt: z.string(),
  })
  .openapi("User");
export type User = z.infer<typeof UserSchema>;

export const SessionSchema = z
  .object({
    user: UserSchema,
    accessToken: z.string().openapi({ description: "Send as `Authorization: Bearer <token>`; lives 15 minutes." }),
    expiresIn: z.number().int(),
    refreshToken: z.string().optional().openapi({ description: "Only with `X-Auth-Mode: token` (native apps); browsers get HttpOnly cookies instead." }),
  })
  .openapi("Session");

/** Completing a sign-in that answered `auth.second_factor_required`. */
export const SecondFactorLoginBody = z
  .object({ challenge: z.string().min(20).max(200), code: secondFactorCode })
  .strict()
  .openapi("SecondFactorLoginBody");
export type SecondFactorLoginBody = z.infer<typeof SecondFactorLoginBody>;

export const SecondFactorSessionSchema = SessionSchema.extend({
  recoveryCodes: z.array(z.string()).optional().openapi({ description: "Set when this sign-in enrolled the authenticator: single-use codes, shown once." }),
}).openapi("SecondFactorSession");

export const SecondFactorCodeBody = z.object({ code: secondFactorCode }).strict().openapi("SecondFactorCodeBody");
export type SecondFactorCodeBody = z.infer<typeof SecondFactorCodeBody>;

export const SecondFactorStatusSchema = z
  .object({
    totp: z.object({ enabled: z.boolean(), since: z.string().nullable() }),
    recoveryCodesLeft: z.int(),
    passkeys: z.int().openapi({ description: "Passkeys added to the account (each one is a second factor)." }),
    required: z.boolean().openapi({ description: "The store requires a second factor of this account (staff)." }),
  })
  .openapi("SecondFactorStatus");
export const TotpEnrollmentSchema = z
  .object({
    secret: z.string().openapi({ description: "Base32 key to type into an authenticator app." }),
    uri: z.string().openapi({ description: "The same key as an otpauth:// URI (for a QR code)." }),
  })
  .openapi("TotpEnrollment");
export const RecoveryCodesSchema = z.object({ recoveryCodes: z.array(z.string()) }).openapi("RecoveryCodes");
export const ReauthenticatedSchema = z.object({ verifiedAt: z.string() }).openapi("Reauthenticated");

const line = (label: string, max = 120) => z.string().trim().min(1, `${label} is required`).max(max);
const optionalLine = (max = 120) =>
  z
    .string()
    .trim()
    .max(max)
    .transform((s) => s || null)
    .nullable()
    .optional();

export const AddressFields = z.object({
  fullName: line("Full name", 100),
  company: optionalLine(100),
  line1: line("Address line 1"),
  line2: optionalLine(),
  city: line("City", 80),
  region: optionalLine(80),
  postalCode: optionalLine(16),
  country: z
    .string()
    .regex(/^[A-Za-z]{2}$/, "Use a two-letter country code")
    .transform((c) => c.toUpperCase()),
  phone: phone.optional(),
  isDefaultShipping: z.boolean().optional(),
  isDefaultBilling: z.boolean().optional(),
});
export const CreateAddressBody = AddressFields.strict().openapi("CreateAddressBody");
export type CreateAddressBody = z.infer<typeof CreateAddressBody>;
export const UpdateAddressBody = AddressFields.partial().strict().openapi("UpdateAddressBody");
export type UpdateAddressBody = z.infer<typeof UpdateAddressBody>;

export const AddressSchema = z
  .object({
    id: z.string(),
    fullName: z.string(),
    company: z.string().nullable(),
    line1: z.string(),
    line2: z.string().nullable(),
    city: z.string(),
    region: z.string().nullable(),
    postalCode: z.string().nullable(),
    country: z.string(),
    phone: z.string().nullable(),
    isDefaultShipping: z.boolean(),
    isDefaultBilling: z.boolean(),
  })
  .openapi("Address");
export type Address = z.infer<typeof AddressSchema>;

export const AddressIdParam = z.object({
  id: z
    .string()
    .max(64)
    .openapi({ param: { name: "id", in: "path" } }),
});
export const UserIdParam = z.object({
  id: z
    .string()
    .max(64)
    .openapi({ param: { name: "id", in: "path" } }),
});
export const SetRoleBody = z
  .object({ role: z.enum(ROLES) })
  .strict()
  .openapi("SetRoleBody");
export const OAuthProviderParam = z.object({ provider: z.enum(["github", "google"]).openapi({ param: { name: "provider", in: "path" } }) });
export const OAuthStartQuery = z.object({ returnTo: z.string().max(300).optional() });
export const OAuthCallbackQuery = z.object({
  code: z.string().max(2000).optional(),
  state: z.string().max(300).optional(),
  error: z.string().max(200).optional(),
  error_description: z.string().max(500).optional(),
});

// ---- Staff views of accounts (`/api/admin/users…`) ----

export const USER_STATUSES = ["active", "disabled"] as const;
export type UserStatus = (typeof USER_STATUSES)[number];

export const UserListQuery = z
  .object({
    q: z.string().trim().max(100).optional().openapi({ description: "Part of the email or name." }),
    role: z.enum(ROLES).optional(),
    status: z.enum(USER_STATUSES).optional(),
    sort: z.enum(["newest", "oldest", "email"]).optional(),
    ...PaginationQuery,
  })
  .strict();
export type UserListQuery = z.infer<typeof UserListQuery>;

export const PermissionName = z.enum(PERMISSIONS).openapi("Permission");

export const StaffUserSchema = UserSchema.extend({
  status: z.enum(USER_STATUSES),
  staffRole: z
    .object({ id: z.string(), name: z.string() })
    .nullable()
    .openapi({ description: "The editable staff role held; null means the built-in defaults of `role`." }),
  permissions: z.array(PermissionName).openapi({ description: "What this account may change in the back office." }),
}).openapi("StaffUser");
export type StaffUser = z.infer<typeof StaffUserSchema>;

export const UserListSchema = z
  .object({
    items: z.array(
      z.object({
        id: z.string(),
        email: z.string(),
        name: z.string(),
        role: z.enum(ROLES),
        status: z.enum(USER_STATUSES),
        emailVerified: z.boolean(),
        createdAt: z.string(),
      }),
    ),
    total: z.number().int(),
    page: z.number().int(),
    perPage: z.number().int(),
  })
  .openapi("UserList");
export type UserList = z.infer<typeof UserListSchema>;

// ---- Editable staff roles (`/api/admin/staff-roles…`) ----

export const StaffRoleSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    permissions: z.array(PermissionName),
    builtIn: z.boolean().openapi({ description: "A built-in role's defaults (read-only); its id is the account role." }),
    members: z.number().int(),
  })
  .openapi("StaffRole");
export type StaffRole = z.infer<typeof StaffRoleSchema>;

export const StaffRoleList = z.object({ items: z.array(StaffRoleSchema) }).openapi("StaffRoleList");
export type StaffRoleList = z.infer<typeof StaffRoleList>;

export const StaffRoleBody = z
  .object({
    name: z.string().trim().min(1, "Name the role").max(60),
    description: z.string().trim().max(300).optional(),
    permissions: z
      .array(PermissionName)
      .max(PERMISSIONS.length)
      .refine((list) => new Set(list).size === list.length, "List each permission once"),
  })
  .strict()
  .openapi("StaffRoleBody");
export type StaffRoleBody = z.infer<typeof StaffRoleBody>;

export const StaffRoleIdParam = z.object({
  id: z
    .string()
    .max(64)
    .openapi({ param: { name: "id", in: "path" } }),
});

export const AssignStaffRoleBody = z
  .object({ roleId: z.string().max(64).nullable().openapi({ description: "An editable staff role's id; null for the built-in defaults." }) })
  .strict()
  .openapi("AssignStaffRoleBody");
export type AssignStaffRoleBody = z.infer<typeof AssignStaffRoleBody>;

// ---- The account's own sessions (`/api/me/sessions…`) ----

export const AccountSessionSchema = z
  .object({
    id: z.string(),
    device: z.string().openapi({ description: "Browser and system, from the user agent that started or last renewed it." }),
    place: z.string().nullable().openapi({ description: "City and country at the edge, when known." }),
    signedInAt: z.string(),
    lastUsedAt: z.string().openapi({ description: "When the session last renewed its access (at most 15 minutes before its last use)." }),
    current: z.boolean(),
  })
  .openapi("AccountSession");
export type AccountSession = z.infer<typeof AccountSessionSchema>;

export const AccountSessionList = z.object({ items: z.array(AccountSessionSchema) }).openapi("AccountSessionList");
export type AccountSessionList = z.infer<typeof AccountSessionList>;

export const SessionIdParam = z.object({
  id: z
    .string()
    .max(64)
    .openapi({ param: { name: "id", in: "path" } }),
});

// ---- Passkeys (`/api/me/mfa/passkeys…`, `/api/auth/login/passkey…`) ----

const base64url = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[A-Za-z0-9_-]+$/, "Must be base64url");
const TRANSPORTS = ["ble", "cable", "hybrid", "internal", "nfc", "smart-card", "usb"] as const;
const transports = z.array(z.enum(TRANSPORTS)).max(TRANSPORTS.length);
const extensionResults = z
  .object({ credProps: z.object({ rk: z.boolean().optional() }).strict().optional() })
  .strict()
  .openapi({ description: "The browser's `getClientExtensionResults()`; only `credProps` is read." });

/** What `navigator.credentials.create()` answered, in the WebAuthn JSON encoding (`PublicKeyCredential.toJSON()`). */
export const PasskeyRegistrationCredential = z
  .object({
    id: base64url(1400),
    rawId: base64url(1400),
    type: z.literal("public-key"),
    authenticatorAttachment: z.enum(["platform", "cross-platform"]).optional(),
    clientExtensionResults: extensionResults,
    response: z
      .object({
        clientDataJSON: base64url(4096),
        attestationObject: base64url(32_768),
        authenticatorData: base64url(4096).optional(),
        transports: transports.optional(),
        publicKeyAlgorithm: z.int().optional(),
        publicKey: base64url(4096).optional(),
      })
      .strict(),
  })
  .strict()
  .openapi("PasskeyRegistrationCredential");
export type PasskeyRegistrationCredential = z.infer<typeof PasskeyRegistrationCredential>;

/** What `navigator.credentials.get()` answered, in the WebAuthn JSON encoding. */
export const PasskeyAssertion = z
  .object({
    id: base64url(1400),
    rawId: base64url(1400),
    type: z.literal("public-key"),
    authenticatorAttachment: z.enum(["platform", "cross-platform"]).optional(),
    clientExtensionResults: extensionResults,
    response: z
      .object({
        clientDataJSON: base64url(4096),
        authenticatorData: base64url(4096),
        signature: base64url(1024),
        userHandle: base64url(128).optional(),
      })
      .strict(),
  })
  .strict()
  .openapi("PasskeyAssertion");
export type PasskeyAssertion = z.infer<typeof PasskeyAssertion>;

const passkeyName = z.string().trim().min(1, "Name the passkey").max(60, "Use at most 60 characters");

export const AddPasskeyBody = z
  .object({ name: passkeyName.openapi({ description: "How the owner recognises it (“Work laptop”)." }), credential: PasskeyRegistrationCredential })
  .strict()
  .openapi("AddPasskeyBody");
export type AddPasskeyBody = z.infer<typeof AddPasskeyBody>;
export const RenamePasskeyBody = z.object({ name: passkeyName }).strict().openapi("RenamePasskeyBody");
export type RenamePasskeyBody = z.infer<typeof RenamePasskeyBody>;
export const PasskeyVerifyBody = z.object({ credential: PasskeyAssertion }).strict().openapi("PasskeyVerifyBody");
export type PasskeyVerifyBody = z.infer<typeof PasskeyVerifyBody>;
export const PasskeySignInOptionsBody = z
  .object({ challenge: z.string().min(20).max(200).openapi({ description: "The `challenge` of the password step's `auth.second_factor_required`." }) })
  .strict()
  .openapi("PasskeySignInOptionsBody");
export const PasskeySignInBody = z
  .object({ challenge: z.string().min(20).max(200), credential: PasskeyAssertion })
  .strict()
  .openapi("PasskeySignInBody");
export type PasskeySignInBody = z.infer<typeof PasskeySignInBody>;

export const PasskeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    transports: z.array(z.string()),
    synced: z.boolean().openapi({ description: "A passkey synced between devices (backed up), not bound to one authenticator." }),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable(),
  })
  .openapi("Passkey");
export type Passkey = z.infer<typeof PasskeySchema>;
export const PasskeyList = z.object({ items: z.array(PasskeySchema) }).openapi("PasskeyList");
export const PasskeyCreatedSchema = z
  .object({
    passkey: PasskeySchema,
    recoveryCodes: z
      .array(z.string())
      .optional()
      .openapi({ description: "Set when this passkey is the account's first second factor: single-use codes, shown once." }),
  })
  .openapi("PasskeyCreated");

const credentialDescriptor = z.object({ id: z.string(), type: z.string().openapi({ example: "public-key" }), transports: z.array(z.string()).optional() });

/** Options for `navigator.credentials.create()` (WebAuthn JSON encoding; `PublicKeyCredential.parseCreationOptionsFromJSON`). */
export const PasskeyCreationOptions = z
  .object({
    challenge: z.string(),
    rp: z.object({ name: z.string(), id: z.string().optional().openapi({ description: "The RP ID: the store's host name." }) }),
    user: z.object({ id: z.string(), name: z.string(), displayName: z.string() }),
    pubKeyCredParams: z.array(z.object({ alg: z.int(), type: z.literal("public-key") })),
    timeout: z.int().optional(),
    attestation: z.string().optional(),
    excludeCredentials: z.array(credentialDescriptor).optional(),
    authenticatorSelection: z
      .object({
        authenticatorAttachment: z.string().optional(),
        residentKey: z.string().optional(),
        requireResidentKey: z.boolean().optional(),
        userVerification: z.string().optional(),
      })
      .optional(),
    extensions: z.object({ credProps: z.boolean().optional() }).optional(),
    hints: z.array(z.string()).optional(),
  })
  .openapi("PasskeyCreationOptions");

/** Options for `navigator.credentials.get()` (WebAuthn JSON encoding; `PublicKeyCredential.parseRequestOptionsFromJSON`). */
export const PasskeyRequestOptions = z
  .object({
    challenge: z.string(),
    rpId: z.string().optional().openapi({ description: "The RP ID: the store's host name." }),
    allowCredentials: z.array(credentialDescriptor).optional().openapi({ description: "The account's passkeys." }),
    timeout: z.int().optional(),
    userVerification: z.string().optional(),
  })
  .openapi("PasskeyRequestOptions");
