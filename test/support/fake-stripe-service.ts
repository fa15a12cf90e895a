/**
 * A fake Stripe API for the tests inside workerd, served from the vitest process as
 * Miniflare's outbound service: the real `stripe` SDK in the Worker (STRIPE_API_BASE =
 * http://fake-stripe.test) sends its form-encoded requests here over the same `fetch` a
 * production call takes, and gets Stripe-shaped JSON back.
 *
 *   POST /v1/checkout/sessions              create (same Idempotency-Key → same session)
 *   GET  /v1/checkout/sessions              list, newest first (created[gte], limit, starting_after)
 *   GET  /v1/checkout/sessions/:id          retrieve
 *   POST /v1/checkout/sessions/:id/expire   expire an open session (400 otherwise, as Stripe does)
 *   POST /v1/refunds                        refund (same Idempotency-Key → the same refund, not a second one)
 *   POST /v1/accounts                       create a connected account (same Idempotency-Key → same account)
 *   GET  /v1/accounts/:id                   retrieve (charges_enabled / payouts_enabled as the control route set them)
 *   POST /v1/account_links                  an onboarding link for an account
 *   GET  /v1/payment_intents/:id            the PaymentIntent of a paid session (its `latest_charge` and `transfer_group`)
 *   POST /v1/transfers                      transfer to a connected account (same Idempotency-Key → the same transfer);
 *                                           400 when the account is unknown or cannot receive transfers, or the
 *                                           `source_transaction` is no charge this fake made
 *   GET  /v1/transfers, /v1/transfers/:id   list (filter `transfer_group`, `destination`) / retrieve transfers
 *   POST /v1/transfers/:id/reversals        reverse part of a transfer (same Idempotency-Key → the same reversal);
 *                                           400 for more than is left, or when the account refuses reversals
 *   POST /__control/settle                  {session, how: "paid" | "expired"}: what the shopper did on the page
 *   POST /__control/account                 {id, charges_enabled?, payouts_enabled?, refuse_transfers?, refuse_reversals?,
 *                                           unavailable_for?}: what onboarding did, or how the account misbehaves
 *   GET  /__transfers, /__reversals         every transfer / reversal made (each once)
 *   GET  /__calls                           every API call seen, in order
 *
 * Ids are random, so test files sharing this process never see each other's objects by id;
 * the list endpoint is global (the store skips sessions it does not know).
 */
export const FAKE_STRIPE_HOST = "fake-stripe.test";
export const FAKE_STRIPE_BASE = `http://${FAKE_STRIPE_HOST}`;
/** A live-mode-looking key: a production store refuses test-mode keys unless told otherwise. */
export const FAKE_STRIPE_LIVE_KEY = "sk_live_local_fake_key";
export const FAKE_STRIPE_WEBHOOK_SECRET = "whsec_local_fake_secret";

export interface FakeStripeSession {
  id: string;
  object: "checkout.session";
  url: string | null;
  status: "open" | "complete" | "expired";
  payment_status: "unpaid" | "paid";
  amount_total: number;
  currency: string;
  payment_intent: string | null;
  metadata: Record<string, string>;
  client_reference_id: string | null;
  created: number;
  expires_at: number;
  livemode: boolean;
}

export interface FakeStripeCall {
  method: string;
  path: string;
  idempotencyKey: string | null;
  /** The form body's fields (or the query string's for a GET). */
  params: Record<string, string>;
}

export interface FakeStripeAccount {
  id: string;
  object: "account";
  type: string;
  email: string | null;
  country: string;
  charges_enabled: boolean;
  payouts_enabled: boolean;
  details_submitted: boolean;
  metadata: Record<string, string>;
  /** Not Stripe's: makes transfers to this account fail, as a closed or restricted account does. */
  refuse_transfers?: boolean;
  /** Not Stripe's: makes reversals of transfers to this account fail, as when its balance is short. */
  refuse_reversals?: boolean;
  /** Not Stripe's: this many next transfer or reversal requests to this account answer 500 (`Stripe-Should-Retry: false`). */
  unavailable_for?: number;
}

const sessions = new Map<string, FakeStripeSession>();
const accounts = new Map<string, FakeStripeAccount>();
/** Every transfer made (each once, however often its key was sent). */
export const fakeTransfers: {
  id: string;
  amount: number;
  currency: string;
  destination: string;
  transfer_group: string | null;
  source_transaction: string | null;
  key: string | null;
}[] = [];
/** PaymentIntents of paid sessions, each with the charge that paid it. */
const intents = new Map<
  string,
  {
    id: string;
    object: "payment_intent";
    amount: number;
    currency: string;
    status: string;
    latest_charge: string;
    transfer_group: string | null;
    metadata: Record<string, string>;
  }
>();
const chargeIds = new Set<string>();
const transferGroups = new Map<string, string | null>();
/** Every transfer reversal made (each once, however often its key was sent). */
export const fakeReversals: { id: string; amount: number; transfer: string; key: string | null }[] = [];
const transfersById = new Map<string, { id: string; amount: number; destination: string; amount_reversed: number; body: Record<string, unknown> }>();
const byKey = new Map<string, unknown>();
const calls: FakeStripeCall[] = [];

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json", "Request-Id": `req_${crypto.randomUUID().slice(0, 12)}` } });
const stripeError = (status: number, message: string, code?: string) => json({ error: { type: "invalid_request_error", message, code } }, status);
const rid = (prefix: string) => `${prefix}_${crypto.randomUUID().replace(/-/g, "").slice(0, 20)}`;

function createSession(p: Record<string, string>, livemode: boolean): FakeStripeSession {
  let total = 0;
  for (let i = 0; p[`line_items[${i}][quantity]`] !== undefined; i++) {
    total += Number(p[`line_items[${i}][quantity]`]) * Number(p[`line_items[${i}][price_data][unit_amount]`]);
  }
  const id = rid(livemode ? "cs_live" : "cs_test");
  const session: FakeStripeSession = {
    id,
    object: "checkout.session",
    url: `https://checkout.fake-stripe.test/pay/${id}`,
    status: "open",
    payment_status: "unpaid",
    amount_total: total,
    currency: p["line_items[0][price_data][currency]"] ?? "usd",
    payment_intent: null,
    metadata: { orderId: p["metadata[orderId]"] ?? "", paymentId: p["metadata[paymentId]"] ?? "" },
    client_reference_id: p.client_reference_id ?? null,
    created: Math.floor(Date.now() / 1000),
    expires_at: Number(p.expires_at ?? Math.floor(Date.now() / 1000) + 86_400),
    livemode,
  };
  sessions.set(id, session);
  transferGroups.set(id, p["payment_intent_data[transfer_group]"] ?? null);
  return session;
}

/** What the shopper did on the hosted page (called by the control route, or directly from node-side code). */
export function settleFakeSession(id: string, how: "paid" | "expired"): FakeStripeSession | undefined {
  const s = sessions.get(id);
  if (!s) return undefined;
  if (how === "paid") {
    Object.assign(s, { status: "complete", payment_status: "paid", payment_intent: s.payment_intent ?? rid("pi"), url: null });
    const pi = s.payment_intent as string;
    if (!intents.has(pi)) {
      const charge = rid("ch");
      chargeIds.add(charge);
      intents.set(pi, {
        id: pi,
        object: "payment_intent",
        amount: s.amount_total,
        currency: s.currency,
        status: "succeeded",
        latest_charge: charge,
        transfer_group: transferGroups.get(id) ?? null,
        metadata: s.metadata,
      });
    }
  } else if (s.status === "open") Object.assign(s, { status: "expired", url: null });
  return s;
}

export async function fakeStripe(request: Request): Promise<Response> {
  const url = new URL(request.url);
  const path = url.pathname;
  const raw = request.method === "GET" ? url.searchParams.toString() : await request.text();
  if (path === "/__control/settle" && request.method === "POST") {
    const body = JSON.parse(raw) as { session: string; how: "paid" | "expired" };
    const s = settleFakeSession(body.session, body.how);
    return s ? json(s) : stripeError(404, `No such checkout.session: '${body.session}'`);
  }
  if (path === "/__calls") return json(calls);
  if (path === "/__transfers") return json(fakeTransfers);
  if (path === "/__reversals") return json(fakeReversals);
  if (path === "/__control/account" && request.method === "POST") {
    const body = JSON.parse(raw) as Partial<FakeStripeAccount> & { id: string };
    const account = accounts.get(body.id);
    if (!account) return stripeError(404, `No such account: '${body.id}'`);
    Object.assign(account, body, { details_submitted: true });
    return json(account);
  }

  const params = Object.fromEntries(new URLSearchParams(raw));
  const idempotencyKey = request.headers.get("idempotency-key");
  calls.push({ method: request.method, path, idempotencyKey, params });
  const auth = request.headers.get("authorization") ?? "";
  if (!/^Bearer (sk|rk)_(live|test)_\w+$/.test(auth)) return stripeError(401, "Invalid API Key provided");
  const livemode = auth.includes("_live_");
  // Stripe answers a repeated key with the first answer (for 24 h): no second session, no second refund.
  if (request.method === "POST" && idempotencyKey && byKey.has(`${path}:${idempotencyKey}`)) return json(byKey.get(`${path}:${idempotencyKey}`));
  const remember = (body: unknown) => {
    if (request.method === "POST" && idempotencyKey) byKey.set(`${path}:${idempotencyKey}`, body);
    return json(body);
  };

  if (path === "/v1/checkout/sessions" && request.method === "POST") return remember(createSession(params, livemode));
  if (path === "/v1/checkout/sessions" && request.method === "GET") {
    const gte = Number(params["created[gte]"] ?? 0);
    const limit = Math.min(Number(params.limit ?? 10), 100);
    let list = [...sessions.values()].filter((s) => s.created >= gte && s.livemode === livemode).reverse();
    const after = params.starting_after;
    if (after) list = list.slice(list.findIndex((s) => s.id === after) + 1);
    return json({ object: "list", url: "/v1/checkout/sessions", has_more: list.length > limit, data: list.slice(0, limit) });
  }
  const one = /^\/v1\/checkout\/sessions\/(\w+)(\/expire)?$/.exec(path);
  if (one?.[1]) {
    const s = sessions.get(one[1]);
    if (!s) return stripeError(404, `No such checkout.session: '${one[1]}'`, "resource_missing");
    if (!one[2] && request.method === "GET") return json(s);
    if (one[2] && request.method === "POST") {
      if (s.status !== "open")
        return stripeError(400, `Only Checkout Sessions with a status in ["open"] can be expired. This session has a status of "${s.status}".`);
      Object.assign(s, { status: "expired", url: null });
      return remember(s);
    }
  }
  if (path === "/v1/accounts" && request.method === "POST") {
    const account: FakeStripeAccount = {
      id: rid("acct"),
      object: "account",
      type: params.type ?? "express",
      email: params.email ?? null,
      country: params.country ?? "US",
      charges_enabled: false,
      payouts_enabled: false,
      details_submitted: false,
      metadata: { vendorId: params["metadata[vendorId]"] ?? "" },
    };
    accounts.set(account.id, account);
    return remember(account);
  }
  const acct = /^\/v1\/accounts\/(\w+)$/.exec(path);
  if (acct?.[1] && request.method === "GET") {
    const account = accounts.get(acct[1]);
    return account ? json(account) : stripeError(404, `No such account: '${acct[1]}'`, "resource_missing");
  }
  if (path === "/v1/account_links" && request.method === "POST") {
    if (!accounts.has(params.account ?? "")) return stripeError(400, `No such account: '${params.account}'`, "resource_missing");
    return remember({
      object: "account_link",
      url: `https://connect.fake-stripe.test/setup/${params.account}?return=${encodeURIComponent(params.return_url ?? "")}`,
      created: Math.floor(Date.now() / 1000),
      expires_at: Math.floor(Date.now() / 1000) + 300,
    });
  }
  // An outage of the API for one account's calls: a 500 that tells the SDK not to retry by itself.
  const unavailable = (account: FakeStripeAccount | undefined) => {
    if (!account?.unavailable_for) return null;
    account.unavailable_for -= 1;
    return new Response(JSON.stringify({ error: { type: "api_error", message: "An unknown error occurred (fake outage)." } }), {
      status: 500,
      headers: { "Content-Type": "application/json", "Stripe-Should-Retry": "false" },
    });
  };
  const reversal = /^\/v1\/transfers\/(\w+)\/reversals$/.exec(path);
  if (reversal?.[1] && request.method === "POST") {
    const transfer = transfersById.get(reversal[1]);
    if (!transfer) return stripeError(404, `No such transfer: '${reversal[1]}'`, "resource_missing");
    const account = accounts.get(transfer.destination);
    const outage = unavailable(account);
    if (outage) return outage;
    const amount = Number(params.amount ?? transfer.amount - transfer.amount_reversed);
    if (account?.refuse_reversals) return stripeError(400, "Insufficient funds in the connected account to reverse this transfer.", "insufficient_funds");
    if (!(amount > 0) || amount > transfer.amount - transfer.amount_reversed) {
      return stripeError(400, `Reversal amount ${amount} is more than the ${transfer.amount - transfer.amount_reversed} left on the transfer.`);
    }
    transfer.amount_reversed += amount;
    transfer.body.amount_reversed = transfer.amount_reversed;
    const body = {
      id: rid("trr"),
      object: "transfer_reversal",
      amount,
      currency: "usd",
      transfer: transfer.id,
      metadata: { refund: params["metadata[refund]"] ?? "" },
    };
    fakeReversals.push({ id: body.id, amount, transfer: transfer.id, key: idempotencyKey });
    return remember(body);
  }
  const intent = /^\/v1\/payment_intents\/(\w+)$/.exec(path);
  if (intent?.[1] && request.method === "GET") {
    const found = intents.get(intent[1]);
    return found ? json(found) : stripeError(404, `No such payment_intent: '${intent[1]}'`, "resource_missing");
  }
  if (path === "/v1/transfers" && request.method === "GET") {
    const list = fakeTransfers
      .filter((t) => (!params.transfer_group || t.transfer_group === params.transfer_group) && (!params.destination || t.destination === params.destination))
      .map((t) => transfersById.get(t.id)?.body)
      .reverse();
    return json({ object: "list", url: "/v1/transfers", has_more: false, data: list });
  }
  const oneTransfer = /^\/v1\/transfers\/(\w+)$/.exec(path);
  if (oneTransfer?.[1] && request.method === "GET") {
    const found = transfersById.get(oneTransfer[1]);
    return found ? json(found.body) : stripeError(404, `No such transfer: '${oneTransfer[1]}'`, "resource_missing");
  }
  if (path === "/v1/transfers" && request.method === "POST") {
    if (params.source_transaction && !chargeIds.has(params.source_transaction)) {
      return stripeError(400, `No such charge: '${params.source_transaction}'`, "resource_missing");
    }
    const account = accounts.get(params.destination ?? "");
    if (!account) return stripeError(400, `No such destination: '${params.destination}'`, "resource_missing");
    const outage = unavailable(account);
    if (outage) return outage;
    if (account.refuse_transfers || !account.payouts_enabled) {
      return stripeError(
        400,
        "Your destination account needs to have at least one of the following capabilities enabled: transfers",
        "insufficient_capabilities_for_transfer",
      );
    }
    const transfer = {
      id: rid("tr"),
      object: "transfer",
      amount: Number(params.amount),
      currency: params.currency ?? "usd",
      destination: account.id,
      transfer_group: params.transfer_group ?? null,
      source_transaction: params.source_transaction ?? null,
      amount_reversed: 0,
      metadata: { payoutId: params["metadata[payoutId]"] ?? "", orderId: params["metadata[orderId]"] ?? "" },
    };
    fakeTransfers.push({
      id: transfer.id,
      amount: transfer.amount,
      currency: transfer.currency,
      destination: transfer.destination,
      transfer_group: transfer.transfer_group,
      source_transaction: transfer.source_transaction,
      key: idempotencyKey,
    });
    transfersById.set(transfer.id, { id: transfer.id, amount: transfer.amount, destination: account.id, amount_reversed: 0, body: transfer });
    return remember(transfer);
  }
  if (path === "/v1/refunds" && request.method === "POST") {
    return remember({
      id: rid("re"),
      object: "refund",
      amount: Number(params.amount),
      payment_intent: params.payment_intent,
      status: "succeeded",
      metadata: { paymentId: params["metadata[paymentId]"] ?? "" },
    });
  }
  return stripeError(404, `Unrecognized request URL (${request.method}: ${path})`);
}

/** Wraps an outbound service: the fake Stripe answers its own host, everything else goes to `next`. */
export function outboundWithFakes(next: (request: Request) => Promise<Response>) {
  return (request: Request): Promise<Response> => (new URL(request.url).hostname === FAKE_STRIPE_HOST ? fakeStripe(request) : next(request));
}
