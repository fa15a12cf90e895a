// Generates the store's secrets. Used by ensure-dev-vars.mjs for local runs, by
// vitest.config.ts for tests, and by hand for production:
//   node scripts/secrets.mjs            prints fresh values and the `wrangler secret put` commands
import { generateKeyPairSync, randomBytes, randomUUID } from "node:crypto";

/** An ES256 private JWK (with kid) for access tokens. */
export function generateSigningKey() {
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const jwk = privateKey.export({ format: "jwk" });
  return JSON.stringify({ ...jwk, kid: `k-${randomUUID().slice(0, 8)}`, alg: "ES256" });
}

/** An AES-256-GCM key ring for personal data at rest. */
export function generatePiiKeys() {
  const kid = `p-${randomUUID().slice(0, 8)}`;
  return JSON.stringify({ active: kid, keys: { [kid]: randomBytes(32).toString("base64") } });
}

export function generateSecrets() {
  return {
    AUTH_SIGNING_KEY: generateSigningKey(),
    PII_KEYS: generatePiiKeys(),
    // Shipping webhooks: give the EasyPost one to EasyPost as the webhook's webhook_secret.
    SHIPPING_WEBHOOK_SECRET_EASYPOST: randomBytes(24).toString("base64url"),
    SHIPPING_WEBHOOK_SECRET_GENERIC: randomBytes(24).toString("base64url"),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const secrets = generateSecrets();
  for (const [name, value] of Object.entries(secrets)) {
    console.log(`# ${name}\necho '${value}' | npx wrangler secret put ${name}\n`);
  }
}
