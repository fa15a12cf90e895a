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
  /** Stripe secret key (sk_live_… / sk_test_…). Without it the built-in test provider takes payments. */
  STRIPE_SECRET_KEY?: string;
  /** Signing secret of the Stripe webhook endpoint (whsec_…). */
  STRIPE_WEBHOOK_SECRET?: string;
  /** Test-only: Stripe API base URL of a local fake Stripe server, e.g. http://127.0.0.1:12111 */
  STRIPE_API_BASE?: string;
  /** The store's public origin (https://shop.example) for links built outside a request (cron jobs). */
  PUBLIC_ORIGIN?: string;
  /** "true" lets a production store without Stripe keys use the test provider (a demo store). */
  ALLOW_TEST_PAYMENTS?: string;
  /** "true" lets a production store use Stripe test mode (sk_test_/rk_test_ keys, livemode=false events): a staging store. */
  ALLOW_STRIPE_TEST_MODE?: string;
  /** Email provider: "outbox" (default: D1 only), "resend" or "postmark" (HTTP APIs) or "cloudflare" (the SEND_EMAIL binding). */
  EMAIL_PROVIDER?: string;
  /** Sender for real providers, e.g. "Northwind Goods <orders@shop.example>" (a domain verified at the provider). */
  EMAIL_FROM?: string;
  /** Resend API key (re_…) or Postmark server token, for EMAIL_PROVIDER=resend / postmark. */
  EMAIL_API_KEY?: string;
  /** Test-only: base URL of a fake provider API, e.g. http://127.0.0.1:8823/e2e (default https://api.resend.com / https://api.postmarkapp.com). */
  EMAIL_API_BASE?: string;
  /** EasyPost webhook secret (the `webhook_secret` given when the webhook was created): checks X-Hmac-Signature. */
  SHIPPING_WEBHOOK_SECRET_EASYPOST?: string;
  /** Secret of the generic signed tracking format (X-Signature: t=…,v1=…); SHIPPING_WEBHOOK_SECRET_<CARRIER> adds one per carrier. */
  SHIPPING_WEBHOOK_SECRET_GENERIC?: string;
  /** Test-only: first retry delay of a failed email in seconds (default 30, doubling each time); 0 retries at once. */
  EMAIL_RETRY_BASE_SECONDS?: string;
  /** Open (pending-payment) orders per client (guest cart, or signed-in customer); default 3, 0 turns the cap off (docs/limits.md). */
  CHECKOUT_HOLDS_PER_CLIENT?: string;
  /** Open orders per client address (IPv4, or IPv6 /64); default 5, 0 turns the cap off. */
  CHECKOUT_HOLDS_PER_IP?: string;
  /** Units of one SKU a single order may hold; default 10, 0 turns the cap off. */
  CHECKOUT_UNITS_PER_SKU?: string;
  /** Domain of the help desk's reply addresses (support+<ticket>.<sig>@domain, routed to the Worker by Email Routing); default: PUBLIC_ORIGIN's host. */
  SUPPORT_EMAIL_DOMAIN?: string;
  /** Live chats one sender (account, or a guest's email) may start per hour; default 20 (docs/support.md). */
  SUPPORT_CHATS_PER_SENDER?: string;
}
