// Secrets (wrangler secret put / .dev.vars) are not in wrangler.toml, so
// `wrangler types` cannot see them: they are declared here.
// Augments the interface that both the global `Env` and `Cloudflare.Env` extend.
interface __BaseEnv_Env {
  /** ES256 private JWK with a kid; signs access tokens. */
  AUTH_SIGNING_KEY: string;
  /** JSON array of public JWKs still accepted during a key rotation. */
  AUTH_PREVIOUS_PUBLIC_KEYS?: string;
  /** AES-256-GCM key ring for personal data at rest. */
  PII_KEYS: string;
  OAUTH_GITHUB_CLIENT_ID?: string;
  OAUTH_GITHUB_CLIENT_SECRET?: string;
  OAUTH_GOOGLE_CLIENT_ID?: string;
  OAUTH_GOOGLE_CLIENT_SECRET?: string;
  /** Test-only: points a provider's endpoints at a local fake provider, e.g. OAUTH_GITHUB_BASE_URL=http://127.0.0.1:8791/github */
  OAUTH_GITHUB_BASE_URL?: string;
  OAUTH_GOOGLE_BASE_URL?: string;
}
