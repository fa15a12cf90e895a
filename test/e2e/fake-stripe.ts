import { createServer, type IncomingMessage, type Server } from "node:http";
import Stripe from "stripe";

export interface FakeSession {
  id: string;
  object: "checkout.session";
  url: string;
  status: "open" | "complete" | "expired";
  payment_status: "unpaid" | "paid";
  amount_total: number;
  currency: string;
  payment_intent: string;
  metadata: Record<string, string>;
  client_reference_id: string;
  customer_email: string | null;
  success_url: string;
  cancel_url: string;
}

export interface RecordedCall {
  method: string;
  path: string;
  idempotencyKey: string | undefined;
  authorization: string | undefined;
  form: URLSearchParams;
}

/** A connected account (Stripe Connect Express), as onboarding on the hosted setup page left it. */
export interface FakeAccount {
  id: string;
  object: "account";
  type: string;
  email: string | null;
  country: string;
  charges_enabled: boolean;
  payouts_enabled: boolean;
  details_submitted: boolean;
  metadata: Record<string, string>;
}

/** A transfer to a connected account, as made (once per idempotency key). */
export interface FakeTransfer {
  id: string;
  object: "transfer";
  amount: number;
  currency: string;
  destination: string;
  transfer_group: string | null;
  source_transaction: string | null;
  metadata: Record<string, string>;
}

export interface WebhookDelivery {
  type: string;
  sessionId: string;
  status: number;
  body: string;
}

/** Stripe's test card numbers the hosted page understands: this one is declined, any other pays. */
export const DECLINED_CARD = "4000000000000002";

interface Answer {
  status: number;
  body?: unknown;
  html?: string;
  location?: string;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/**
 * A local stand-in for the parts of Stripe the store uses: the API (Checkout
 * Sessions create/retrieve, Refunds, and for Connect payouts: connected accounts,
 * account links, PaymentIntents' charges and transfers) in Stripe's wire format
 * (form-encoded requests, JSON answers) so the official SDK talks to it unchanged,
 * a minimal hosted Checkout page at each session's `url`, and a minimal hosted
 * Connect onboarding page at each account link's `url`. Paying there sends the
 * store a `checkout.session.completed` webhook signed with the SDK's own
 * signature scheme, then redirects to the session's success_url, as Stripe
 * does; finishing onboarding enables the account's charges and payouts and sends
 * the seller back to the link's return_url. It records every API call and webhook
 * for assertions. Connect mirrors test/support/fake-stripe-service.ts (the fake the
 * workerd tests use), without its failure switches.
 */
export class FakeStripe {
  readonly sessions = new Map<string, FakeSession>();
  readonly calls: RecordedCall[] = [];
  readonly deliveries: WebhookDelivery[] = [];
  readonly accounts = new Map<string, FakeAccount>();
  /** Every transfer made, each once however often its idempotency key was sent. */
  readonly transfers: FakeTransfer[] = [];
  /** The charge that paid each PaymentIntent (made when its session is paid). */
  readonly charges = new Map<string, string>();
  /** Onboarding links: the account each is for and where it sends the seller back. */
  private readonly links = new Map<string, { account: string; returnUrl: string }>();
  /** POST answers by idempotency key (Stripe replays the first answer for a repeated key). */
  private readonly byKey = new Map<string, unknown>();
  /** The transfer_group each session's PaymentIntent carries (`payment_intent_data[transfer_group]`). */
  private readonly transferGroups = new Map<string, string | null>();
  /** Where the hosted page sends events, and the endpoint's signing secret (whsec_…). */
  webhook: { url: string; secret: string } | undefined;
  private server: Server | undefined;
  private counter = 0;

  constructor(readonly port: number) {}

  get base(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      void this.handle(req).then(
        ({ status, body, html, location }) => {
          if (location) {
            res.writeHead(status, { Location: location });
            res.end();
          } else if (html !== undefined) {
            res.writeHead(status, { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" });
            res.end(html);
          } else {
            res.writeHead(status, { "Content-Type": "application/json", "Request-Id": `req_${++this.counter}` });
            res.end(JSON.stringify(body));
          }
        },
        (err) => {
          res.writeHead(500, { "Content-Type": "application/json" });
          res.end(JSON.stringify({ error: { message: String(err) } }));
        },
      );
    });
    await new Promise<void>((resolve) => this.server?.listen(this.port, "127.0.0.1", resolve));
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  /** What the customer did on the hosted page. */
  settle(sessionId: string, how: "paid" | "expired"): FakeSession {
    const s = this.sessions.get(sessionId);
    if (!s) throw new Error(`no session ${sessionId}`);
    if (how === "paid") {
      Object.assign(s, { status: "complete", payment_status: "paid" });
      if (!this.charges.has(s.payment_intent)) this.charges.set(s.payment_intent, `ch_test_${++this.counter}`);
    } else Object.assign(s, { status: "expired" });
    return s;
  }

  /** The session's hosted page expires (Stripe sends `checkout.session.expired`); answers the store's webhook status. */
  async expire(sessionId: string): Promise<number> {
    this.settle(sessionId, "expired");
    return this.sendEvent("checkout.session.expired", sessionId);
  }

  /** Posts a signed event about a session to the store's webhook endpoint, the way Stripe signs it. */
  private async sendEvent(type: string, sessionId: string): Promise<number> {
    if (!this.webhook) throw new Error("FakeStripe.webhook is not configured");
    const session = this.sessions.get(sessionId);
    const payload = JSON.stringify({
      id: `evt_${++this.counter}`,
      object: "event",
      type,
      created: Math.floor(Date.now() / 1000),
      livemode: false,
      data: { object: session },
    });
    const signature = await Stripe.webhooks.generateTestHeaderStringAsync({ payload, secret: this.webhook.secret });
    const res = await fetch(this.webhook.url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Stripe-Signature": signature },
      body: payload,
    });
    this.deliveries.push({ type, sessionId, status: res.status, body: await res.text() });
    return res.status;
  }

  /** The hosted Checkout page: a card field, Pay, and a link back to the store (the cancel_url). */
  private hostedPage(s: FakeSession, error?: string, card = "4242424242424242"): string {
    const amount = `${(s.amount_total / 100).toFixed(2)} ${s.currency.toUpperCase()}`;
    const open = s.status === "open";
    return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Fake Stripe Checkout</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; margin: 0; background: #f6f9fc; color: #1a1f36; }
  main { max-width: 28rem; margin: 2rem auto; padding: 1.5rem; background: #fff; border-radius: 8px; box-shadow: 0 2px 8px #0002; }
  label { display: block; font-weight: 600; margin-top: 1rem; }
  input { width: 100%; box-sizing: border-box; padding: .6rem; font-size: 1rem; border: 1px solid #bbb; border-radius: 6px; }
  button { margin-top: 1rem; width: 100%; padding: .8rem; font-size: 1rem; color: #fff; background: #635bff; border: 0; border-radius: 6px; }
  [role=alert] { color: #b00020; font-weight: 600; }
</style></head>
<body><main>
<p><a href="${escapeHtml(s.cancel_url)}">← Back to the store</a></p>
<p>Test mode · fake Stripe on ${escapeHtml(this.base)}</p>
<h1>Pay ${escapeHtml(amount)}</h1>
<p>${escapeHtml(s.customer_email ?? "")}</p>
${
  open
    ? `${error ? `<p role="alert">${escapeHtml(error)}</p>` : ""}
<form method="post">
  <label for="card">Card number</label>
  <input id="card" name="card" inputmode="numeric" autocomplete="cc-number" value="${escapeHtml(card)}">
  <button type="submit">Pay</button>
</form>`
    : "<p>This Checkout Session is no longer active.</p>"
}
</main></body></html>`;
  }

  private async hosted(req: IncomingMessage, sessionId: string, form: URLSearchParams): Promise<Answer> {
    const s = this.sessions.get(sessionId);
    if (!s) return { status: 404, html: "<!doctype html><title>Not found</title><h1>Not found</h1>" };
    if (req.method === "POST" && s.status === "open") {
      const card = (form.get("card") ?? "").replace(/\s/g, "");
      if (card === DECLINED_CARD) return { status: 402, html: this.hostedPage(s, "Your card was declined.", card) };
      this.settle(sessionId, "paid");
      // Stripe sends the event and redirects independently; waiting for the store's answer keeps tests deterministic.
      await this.sendEvent("checkout.session.completed", sessionId);
      return { status: 303, location: s.success_url.replace("{CHECKOUT_SESSION_ID}", s.id) };
    }
    return { status: 200, html: this.hostedPage(s) };
  }

  /** Stripe's hosted Connect onboarding, reduced to one button: the seller "submits their details". */
  private onboarding(req: IncomingMessage, linkId: string): Answer {
    const link = this.links.get(linkId);
    const account = link && this.accounts.get(link.account);
    if (!link || !account) return { status: 404, html: "<!doctype html><title>Not found</title><h1>Not found</h1>" };
    if (req.method === "POST") {
      Object.assign(account, { charges_enabled: true, payouts_enabled: true, details_submitted: true });
      return { status: 303, location: link.returnUrl };
    }
    return {
      status: 200,
      html: `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Fake Stripe Connect onboarding</title></head>
<body><main>
<p>Test mode · fake Stripe on ${escapeHtml(this.base)}</p>
<h1>Set up payouts for ${escapeHtml(account.email ?? account.id)}</h1>
<form method="post"><button type="submit">Agree and submit</button></form>
</main></body></html>`,
    };
  }

  /** The Connect API the payouts use: accounts, account links, PaymentIntents (for their charge) and transfers. */
  private connect(method: string, path: string, form: URLSearchParams, key: string | undefined): Answer | null {
    const remember = (body: unknown): Answer => {
      if (key) this.byKey.set(`${path}:${key}`, body);
      return { status: 200, body };
    };
    const missing = (what: string, id: string): Answer => ({
      status: what === "destination" || what === "charge" ? 400 : 404,
      body: { error: { type: "invalid_request_error", code: "resource_missing", message: `No such ${what}: '${id}'` } },
    });
    if (method === "POST" && key && this.byKey.has(`${path}:${key}`)) return { status: 200, body: this.byKey.get(`${path}:${key}`) };
    if (method === "POST" && path === "/v1/accounts") {
      const account: FakeAccount = {
        id: `acct_test_${++this.counter}`,
        object: "account",
        type: form.get("type") ?? "express",
        email: form.get("email"),
        country: form.get("country") ?? "US",
        charges_enabled: false,
        payouts_enabled: false,
        details_submitted: false,
        metadata: { vendorId: form.get("metadata[vendorId]") ?? "" },
      };
      this.accounts.set(account.id, account);
      return remember(account);
    }
    const account = /^\/v1\/accounts\/(\w+)$/.exec(path);
    if (method === "GET" && account?.[1]) {
      const found = this.accounts.get(account[1]);
      return found ? { status: 200, body: found } : missing("account", account[1]);
    }
    if (method === "POST" && path === "/v1/account_links") {
      const id = form.get("account") ?? "";
      if (!this.accounts.has(id)) return missing("account", id);
      const linkId = `link_${++this.counter}`;
      this.links.set(linkId, { account: id, returnUrl: form.get("return_url") ?? "" });
      const now = Math.floor(Date.now() / 1000);
      return remember({ object: "account_link", url: `${this.base}/setup/${linkId}`, created: now, expires_at: now + 300 });
    }
    const intent = /^\/v1\/payment_intents\/(\w+)$/.exec(path);
    if (method === "GET" && intent?.[1]) {
      const charge = this.charges.get(intent[1]);
      const session = [...this.sessions.values()].find((s) => s.payment_intent === intent[1]);
      if (!charge || !session) return missing("payment_intent", intent[1]);
      return {
        status: 200,
        body: {
          id: intent[1],
          object: "payment_intent",
          amount: session.amount_total,
          currency: session.currency,
          status: "succeeded",
          latest_charge: charge,
          transfer_group: this.transferGroups.get(session.id) ?? null,
          metadata: session.metadata,
        },
      };
    }
    if (method === "POST" && path === "/v1/transfers") {
      const source = form.get("source_transaction");
      if (source && ![...this.charges.values()].includes(source)) return missing("charge", source);
      const destination = this.accounts.get(form.get("destination") ?? "");
      if (!destination) return missing("destination", form.get("destination") ?? "");
      if (!destination.payouts_enabled) {
        return {
          status: 400,
          body: {
            error: {
              type: "invalid_request_error",
              code: "insufficient_capabilities_for_transfer",
              message: "Your destination account needs to have at least one of the following capabilities enabled: transfers",
            },
          },
        };
      }
      const transfer: FakeTransfer = {
        id: `tr_test_${++this.counter}`,
        object: "transfer",
        amount: Number(form.get("amount")),
        currency: form.get("currency") ?? "usd",
        destination: destination.id,
        transfer_group: form.get("transfer_group"),
        source_transaction: source,
        metadata: { payoutId: form.get("metadata[payoutId]") ?? "", orderId: form.get("metadata[orderId]") ?? "" },
      };
      this.transfers.push(transfer);
      return remember(transfer);
    }
    return null;
  }

  private async handle(req: IncomingMessage): Promise<Answer> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const form = new URLSearchParams(Buffer.concat(chunks).toString());
    const path = (req.url ?? "").split("?")[0] ?? "";
    const page = /^\/pay\/(\w+)$/.exec(path);
    if (page?.[1]) return this.hosted(req, page[1], form);
    const setup = /^\/setup\/(\w+)$/.exec(path);
    if (setup?.[1]) return this.onboarding(req, setup[1]);
    this.calls.push({
      method: req.method ?? "",
      path,
      idempotencyKey: req.headers["idempotency-key"] as string | undefined,
      authorization: req.headers.authorization,
      form,
    });
    if (req.headers.authorization !== "Bearer sk_test_fake_key")
      return { status: 401, body: { error: { type: "invalid_request_error", message: "Invalid API Key" } } };

    if (req.method === "POST" && path === "/v1/checkout/sessions") {
      // Same idempotency key, same session (as Stripe does).
      const existing = [...this.sessions.values()].find((s) =>
        this.calls.some((c) => c.idempotencyKey === req.headers["idempotency-key"] && c.form.get("metadata[paymentId]") === s.metadata.paymentId),
      );
      if (existing) return { status: 200, body: existing };
      let total = 0;
      for (let i = 0; form.has(`line_items[${i}][quantity]`); i++) {
        total += Number(form.get(`line_items[${i}][quantity]`)) * Number(form.get(`line_items[${i}][price_data][unit_amount]`));
      }
      const id = `cs_test_${++this.counter}`;
      const session: FakeSession = {
        id,
        object: "checkout.session",
        url: `${this.base}/pay/${id}`,
        status: "open",
        payment_status: "unpaid",
        amount_total: total,
        currency: form.get("line_items[0][price_data][currency]") ?? "usd",
        payment_intent: `pi_test_${this.counter}`,
        metadata: { orderId: form.get("metadata[orderId]") ?? "", paymentId: form.get("metadata[paymentId]") ?? "" },
        client_reference_id: form.get("client_reference_id") ?? "",
        customer_email: form.get("customer_email"),
        success_url: form.get("success_url") ?? "",
        cancel_url: form.get("cancel_url") ?? "",
      };
      this.sessions.set(id, session);
      this.transferGroups.set(id, form.get("payment_intent_data[transfer_group]"));
      return { status: 200, body: session };
    }
    const retrieve = /^\/v1\/checkout\/sessions\/([\w]+)$/.exec(path);
    if (req.method === "GET" && retrieve?.[1]) {
      const s = this.sessions.get(retrieve[1]);
      return s ? { status: 200, body: s } : { status: 404, body: { error: { type: "invalid_request_error", message: "No such checkout.session" } } };
    }
    const connect = this.connect(req.method ?? "", path, form, req.headers["idempotency-key"] as string | undefined);
    if (connect) return connect;
    if (req.method === "POST" && path === "/v1/refunds") {
      return {
        status: 200,
        body: {
          id: `re_test_${++this.counter}`,
          object: "refund",
          amount: Number(form.get("amount")),
          payment_intent: form.get("payment_intent"),
          status: "succeeded",
        },
      };
    }
    return { status: 404, body: { error: { type: "invalid_request_error", message: `Unrecognized request URL (${req.method}: ${path})` } } };
  }
}
