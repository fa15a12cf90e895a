// The current code of an authenticator key, for local development without an authenticator app:
//
//   npm run totp -- JBSWY3DPEHPK3PXP
//
// Staff accounts (the demo admin, support and vendor too) add an authenticator at their first sign-in; the
// sign-in page shows the key. Anyone holding the key can sign in as that account: use it only on a local store.
import { Secret, TOTP } from "otpauth";

const key = (process.argv[2] ?? "").replace(/\s+/g, "").toUpperCase();
if (!/^[A-Z2-7]+=*$/.test(key)) {
  console.error("Usage: npm run totp -- <the key the sign-in page showed>");
  process.exit(2);
}
const totp = new TOTP({ secret: Secret.fromBase32(key), period: 30, digits: 6, algorithm: "SHA1" });
const left = 30 - (Math.floor(Date.now() / 1000) % 30);
console.log(`${totp.generate()}  (valid for ${left} s more)`);
