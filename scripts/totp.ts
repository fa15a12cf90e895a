// The current code of an authenticator key, for local development without an authenticator app:
//
//   npm run totp -- JBSWY3DPEHPK3PXP
//
// Staff accounts (the demo admin, support and vendor too) add an authenticator at their first sign-in; the
// sign-in page shows the key. Anyone holding the key can sign in as that account: use it only on a local store.
// The store's own code (worker/lib/totp.ts), so the code shown is the one the store checks.
import { TOTP_PERIOD_SECONDS, totpCode } from "../worker/lib/totp.ts";

const key = (process.argv[2] ?? "").replace(/\s+/g, "").toUpperCase();
if (!/^[A-Z2-7]+=*$/.test(key)) {
  console.error("Usage: npm run totp -- <the key the sign-in page showed>");
  process.exit(2);
}
const left = TOTP_PERIOD_SECONDS - (Math.floor(Date.now() / 1000) % TOTP_PERIOD_SECONDS);
console.log(`${await totpCode(key)}  (valid for ${left} s more)`);
