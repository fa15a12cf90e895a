/**
 * Where an email goes once rendered. One interface, three providers, chosen
 * by EMAIL_PROVIDER:
 * - `outbox` (default): the D1 row in `email_outbox` is the delivered mail
 *   (local development, tests, demo stores);
 * - `resend`: Resend's HTTP API with the row id as its Idempotency-Key, so a
 *   send repeated after a lost answer is not delivered twice (24 h window);
 * - `postmark`: Postmark's HTTP API (no idempotency key there: the outbox
 *   claim is what keeps a redelivered message from being sent twice);
 * - `cloudflare`: Cloudflare Email Service through the `SEND_EMAIL` binding.
 */

export type ProviderName = "outbox" | "resend" | "postmark" | "cloudflare";
export const PROVIDERS: readonly ProviderName[] = ["outbox", "resend", "postmark", "cloudflare"];

export interface OutgoingEmail {
  /** Stable per recipient and message: the provider-side idempotency key. */
  idempotencyKey: string;
  template: string;
  from: string;
  to: string;
  subject: string;
  html: string;
  text: string;
  /** Where replies go (a help-desk ticket's signed address), when the message has one. */
  replyTo?: string;
}

export interface EmailProvider {
  name: ProviderName;
  send(mail: OutgoingEmail): Promise<{ providerMessageId: string }>;
}

/**
 * A send that did not happen. `permanent` errors (the provider refused the
 * message itself) are not retried; anything else (down, rate limited, bad
 * credentials that someone will fix) is retried with backoff.
 */
export class ProviderError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
    this.name = "ProviderError";
  }
}

const outbox: EmailProvider = {
  name: "outbox",
  async send(mail) {
    return { providerMessageId: mail.idempotencyKey };
  },
};

/** Resend: POST {base}/emails (https://resend.com/docs/api-reference/emails/send-email). */
function resend(apiKey: string, base: string): EmailProvider {
  return {
    name: "resend",
    async send(mail) {
      let res: Response;
      try {
        res = await fetch(`${base.replace(/\/+$/, "")}/emails`, {
          method: "POST",
          headers: {
            Authorization: `Bearer ${apiKey}`,
            "Content-Type": "application/json",
            // Resend keeps keys for 24 h and answers a repeat with the first send's id.
            "Idempotency-Key": mail.idempotencyKey.slice(0, 256),
            "User-Agent": "edge-commerce/1",
          },
          body: JSON.stringify({
            from: mail.from,
            to: [mail.to],
            subject: mail.subject,
            html: mail.html,
            text: mail.text,
            ...(mail.replyTo ? { reply_to: mail.replyTo } : {}),
            tags: [{ name: "template", value: mail.template.replace(/[^A-Za-z0-9_-]/g, "_") }],
          }),
          signal: AbortSignal.timeout(15_000),
        });
      } catch (err) {
        throw new ProviderError(`resend unreachable: ${err instanceof Error ? err.message : String(err)}`, false);
      }
      const body = (await res.json().catch(() => null)) as { id?: string; name?: string; message?: string } | null;
      if (res.ok && body?.id) return { providerMessageId: body.id };
      const detail = `resend ${res.status}${body?.name ? ` ${body.name}` : ""}${body?.message ? `: ${body.message}` : ""}`;
      // 400/422: the message is invalid; 409 invalid_idempotent_request: same key, other payload. Retrying cannot help.
      const permanent = res.status === 400 || res.status === 422 || (res.status === 409 && body?.name === "invalid_idempotent_request");
      throw new ProviderError(detail, permanent);
    },
  };
}

/** Postmark: POST {base}/email (https://postmarkapp.com/developer/user-guide/send-email-with-api). */
function postmark(serverToken: string, base: string): EmailProvider {
  return {
    name: "postmark",
    async send(mail) {
      let res: Response;
      try {
        res = await fetch(`${base.replace(/\/+$/, "")}/email`, {
          method: "POST",
          headers: { Accept: "application/json", "Content-Type": "application/json", "X-Postmark-Server-Token": serverToken },
          body: JSON.stringify({
            From: mail.from,
            To: mail.to,
            Subject: mail.subject,
            HtmlBody: mail.html,
            TextBody: mail.text,
            ...(mail.replyTo ? { ReplyTo: mail.replyTo } : {}),
            MessageStream: "outbound",
            Tag: mail.template,
            Metadata: { idempotencyKey: mail.idempotencyKey.slice(0, 80) },
          }),
          signal: AbortSignal.timeout(15_000),
        });
      } catch (err) {
        throw new ProviderError(`postmark unreachable: ${err instanceof Error ? err.message : String(err)}`, false);
      }
      const body = (await res.json().catch(() => null)) as { MessageID?: string; ErrorCode?: number; Message?: string } | null;
      if (res.ok && body?.ErrorCode === 0 && body.MessageID) return { providerMessageId: body.MessageID };
      const detail = `postmark ${res.status}${body?.ErrorCode !== undefined ? ` error ${body.ErrorCode}` : ""}${body?.Message ? `: ${body.Message}` : ""}`;
      // 300 invalid email request, 406 inactive recipient: this message will never go through.
      const permanent = res.status === 422 && (body?.ErrorCode === 300 || body?.ErrorCode === 406);
      throw new ProviderError(detail, permanent);
    },
  };
}

/** Cloudflare Email Service: the structured `send()` of a `send_email` binding. */
function cloudflare(binding: SendEmail): EmailProvider {
  return {
    name: "cloudflare",
    async send(mail) {
      try {
        const result = await binding.send({
          from: mail.from,
          to: mail.to,
          subject: mail.subject,
          html: mail.html,
          text: mail.text,
          ...(mail.replyTo ? { replyTo: mail.replyTo } : {}),
        });
        return { providerMessageId: result?.messageId ?? mail.idempotencyKey };
      } catch (err) {
        throw new ProviderError(`cloudflare send_email: ${err instanceof Error ? err.message : String(err)}`, false);
      }
    },
  };
}

export interface ProviderConfig {
  provider: EmailProvider;
  from: string;
}

/**
 * The configured provider and sender. A misconfiguration (no key, no
 * binding, no sender) is a retryable error: the emails wait in the queue and
 * then the dead-letter queue until someone fixes it and retries them.
 */
export function emailProvider(env: Env, storeName: string): ProviderConfig {
  const name = (env.EMAIL_PROVIDER || "outbox").toLowerCase();
  const from = env.EMAIL_FROM || `${storeName || "Store"} <no-reply@localhost>`;
  if (name === "outbox") return { provider: outbox, from };
  if (!env.EMAIL_FROM) throw new ProviderError(`EMAIL_FROM must be set for EMAIL_PROVIDER=${name}`, false);
  if (name === "resend") {
    if (!env.EMAIL_API_KEY) throw new ProviderError("EMAIL_API_KEY must be set for EMAIL_PROVIDER=resend", false);
    return { provider: resend(env.EMAIL_API_KEY, env.EMAIL_API_BASE || "https://api.resend.com"), from };
  }
  if (name === "postmark") {
    if (!env.EMAIL_API_KEY) throw new ProviderError("EMAIL_API_KEY (the Postmark server token) must be set for EMAIL_PROVIDER=postmark", false);
    return { provider: postmark(env.EMAIL_API_KEY, env.EMAIL_API_BASE || "https://api.postmarkapp.com"), from };
  }
  if (name === "cloudflare") {
    if (!env.SEND_EMAIL) throw new ProviderError("the SEND_EMAIL binding is missing (wrangler.toml [[send_email]])", false);
    return { provider: cloudflare(env.SEND_EMAIL), from };
  }
  throw new ProviderError(`unknown EMAIL_PROVIDER "${name}" (outbox, resend, postmark or cloudflare)`, false);
}
