import type Stripe from "stripe";

// The store's Stripe client: the dozen REST calls it makes, over `fetch`, in Stripe's form encoding. The
// `stripe` package supplies the types only (`import type`); its runtime, every resource of the API, was ~550 KiB
// of the Worker's bundle (~90 KiB gzipped) for these calls. Behaviour kept from the SDK: the API version its types
// describe, network retries with one idempotency key per call, Stripe's `Stripe-Should-Retry` answer, error
// classes by Stripe's error type, list pagination, and webhook signatures checked with a timestamp tolerance.

/** The API version the `stripe` package's types describe (node_modules/stripe/esm/apiVersion.js). */
export const STRIPE_API_VERSION = "2026-10-28.endive";
const DEFAULT_BASE = "https://api.stripe.com";
const MAX_NETWORK_RETRIES = 2;
const TIMEOUT_MS = 80_000;

/** Stripe's error kinds, as the SDK classes them: by HTTP status first, then (for a 400/404) by `error.type`. */
export type StripeErrorKind = "card" | "invalid_request" | "permission" | "authentication" | "rate_limit" | "idempotency" | "api" | "connection";

/** An error Stripe answered (or a call that never got an answer: `kind` "connection"). */
export class StripeApiError extends Error {
  constructor(
    message: string,
    readonly kind: StripeErrorKind,
    readonly statusCode: number | null,
    readonly code: string | null = null,
    readonly param: string | null = null,
  ) {
    super(message);
    this.name = "StripeApiError";
  }
}

/** Whether `err` is an error Stripe answered of one of `kinds`. */
export const isStripeError = (err: unknown, ...kinds: StripeErrorKind[]): err is StripeApiError => err instanceof StripeApiError && kinds.includes(err.kind);

/**
 * The SDK's rule (`generateV1Error`). The status decides, not `error.type`: Stripe answers a 409 "another
 * request with this idempotency key is in progress" with type `invalid_request_error`, and that one is
 * transient ("api"), where a 400 or 404 refusal is permanent ("invalid_request").
 */
export function stripeErrorKind(status: number, type: string | undefined, code: string | undefined): StripeErrorKind {
  if (status === 429 || (status === 400 && code === "rate_limit")) return "rate_limit";
  if (status === 400 || status === 404) return type === "idempotency_error" ? "idempotency" : "invalid_request";
  if (status === 401) return "authentication";
  if (status === 402) return "card";
  if (status === 403) return "permission";
  return "api";
}

type Options = { idempotencyKey?: string };

/** Stripe's form encoding: nested objects as `a[b]`, arrays as `a[0]`, booleans and numbers as text. */
export function encodeStripeParams(params: object): string {
  const out = new URLSearchParams();
  const add = (key: string, value: unknown) => {
    if (value === undefined) return;
    if (value === null) out.append(key, "");
    else if (Array.isArray(value)) for (const [i, v] of value.entries()) add(`${key}[${i}]`, v);
    else if (value instanceof Date) out.append(key, String(Math.floor(value.getTime() / 1000)));
    else if (typeof value === "object") for (const [k, v] of Object.entries(value)) add(`${key}[${k}]`, v);
    else out.append(key, String(value));
  };
  for (const [k, v] of Object.entries(params)) add(k, v);
  return out.toString();
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The SDK's rule: retry what never got an answer, a 409 (lock) or a 5xx, unless Stripe says not to. */
function shouldRetry(res: Response | null): boolean {
  if (!res) return true;
  const told = res.headers.get("stripe-should-retry");
  if (told === "false") return false;
  if (told === "true") return true;
  return res.status === 409 || res.status >= 500;
}

/** A list Stripe pages through with `starting_after`. */
export interface StripeList<T> {
  autoPagingToArray(o: { limit: number }): Promise<T[]>;
}

export interface StripeApi {
  checkout: {
    sessions: {
      create(params: Stripe.Checkout.SessionCreateParams, options?: Options): Promise<Stripe.Checkout.Session>;
      retrieve(id: string): Promise<Stripe.Checkout.Session>;
      expire(id: string, params?: Stripe.Checkout.SessionExpireParams, options?: Options): Promise<Stripe.Checkout.Session>;
      list(params: Stripe.Checkout.SessionListParams): StripeList<Stripe.Checkout.Session>;
    };
  };
  refunds: { create(params: Stripe.RefundCreateParams, options?: Options): Promise<Stripe.Refund> };
  paymentIntents: { retrieve(id: string): Promise<Stripe.PaymentIntent> };
  transfers: {
    create(params: Stripe.TransferCreateParams, options?: Options): Promise<Stripe.Transfer>;
    createReversal(id: string, params: Stripe.TransferCreateReversalParams, options?: Options): Promise<Stripe.TransferReversal>;
  };
  accounts: {
    create(params: Stripe.AccountCreateParams, options?: Options): Promise<Stripe.Account>;
    retrieve(id: string): Promise<Stripe.Account>;
  };
  accountLinks: { create(params: Stripe.AccountLinkCreateParams, options?: Options): Promise<Stripe.AccountLink> };
}

/**
 * A client for `secretKey` against `base` (Stripe itself unless a local fake is named). A POST without an
 * idempotency key gets one per call, so its network retries can never act twice.
 */
export function createStripeApi(secretKey: string, base: string = DEFAULT_BASE): StripeApi {
  const origin = new URL(base).origin;
  async function request<T>(method: "GET" | "POST", path: string, params: object = {}, options: Options = {}): Promise<T> {
    const form = encodeStripeParams(params);
    const url = `${origin}/v1${path}${method === "GET" && form ? `?${form}` : ""}`;
    const headers: Record<string, string> = { Authorization: `Bearer ${secretKey}`, "Stripe-Version": STRIPE_API_VERSION };
    if (method === "POST") {
      headers["Content-Type"] = "application/x-www-form-urlencoded";
      headers["Idempotency-Key"] = options.idempotencyKey ?? `store-retry-${crypto.randomUUID()}`;
    }
    for (let attempt = 0; ; attempt++) {
      let res: Response | null = null;
      let failure: unknown = null;
      try {
        res = await fetch(url, { method, headers, body: method === "POST" ? form : undefined, signal: AbortSignal.timeout(TIMEOUT_MS) });
      } catch (err) {
        failure = err;
      }
      if (res?.ok) {
        try {
          return (await res.json()) as T;
        } catch (err) {
          throw new StripeApiError(`Stripe's answer could not be read: ${String(err)}`, "connection", res.status);
        }
      }
      if (attempt < MAX_NETWORK_RETRIES && shouldRetry(res)) {
        // Drain the answer before asking again, then back off as the SDK does: 0.5 s, then 0.5–1 s.
        await res?.body?.cancel();
        await sleep(Math.max(500, Math.min(500 * 2 ** attempt, 5000) * 0.5 * (1 + Math.random())));
        continue;
      }
      if (!res) throw new StripeApiError(`Stripe could not be reached: ${String(failure)}`, "connection", null);
      const body = (await res.json().catch(() => ({}))) as { error?: { type?: string; message?: string; code?: string; param?: string } };
      const e = body.error ?? {};
      throw new StripeApiError(
        e.message ?? `Stripe answered ${res.status}`,
        stripeErrorKind(res.status, e.type, e.code),
        res.status,
        e.code ?? null,
        e.param ?? null,
      );
    }
  }
  const id = encodeURIComponent;
  return {
    checkout: {
      sessions: {
        create: (params, options) => request("POST", "/checkout/sessions", params, options),
        retrieve: (sessionId) => request("GET", `/checkout/sessions/${id(sessionId)}`),
        expire: (sessionId, params = {}, options) => request("POST", `/checkout/sessions/${id(sessionId)}/expire`, params, options),
        list: (params) => ({
          async autoPagingToArray({ limit }) {
            const out: Stripe.Checkout.Session[] = [];
            let after: string | undefined;
            while (out.length < limit) {
              const page = await request<Stripe.ApiList<Stripe.Checkout.Session>>("GET", "/checkout/sessions", {
                ...params,
                ...(after ? { starting_after: after } : {}),
              });
              out.push(...page.data.slice(0, limit - out.length));
              const last = page.data.at(-1);
              if (!page.has_more || !last) break;
              after = last.id;
            }
            return out;
          },
        }),
      },
    },
    refunds: { create: (params, options) => request("POST", "/refunds", params, options) },
    paymentIntents: { retrieve: (intentId) => request("GET", `/payment_intents/${id(intentId)}`) },
    transfers: {
      create: (params, options) => request("POST", "/transfers", params, options),
      createReversal: (transferId, params, options) => request("POST", `/transfers/${id(transferId)}/reversals`, params, options),
    },
    accounts: {
      create: (params, options) => request("POST", "/accounts", params, options),
      retrieve: (accountId) => request("GET", `/accounts/${id(accountId)}`),
    },
    accountLinks: { create: (params, options) => request("POST", "/account_links", params, options) },
  };
}

const hex = (buf: ArrayBuffer) => Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, "0")).join("");

/** Compares two strings in time that does not depend on where they differ. */
function sameText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/**
 * A webhook's event, once its `Stripe-Signature` (`t=<seconds>,v1=<hex HMAC-SHA256 of "t.body">`, one or more
 * v1) matches `secret` on the raw body and the timestamp is at most `toleranceSeconds` old. Throws otherwise.
 */
export async function verifyStripeWebhook(raw: string, header: string, secret: string, toleranceSeconds: number, now = Date.now()): Promise<Stripe.Event> {
  const parts = header.split(",").map((p) => p.split("="));
  const t = parts.find(([k]) => k === "t")?.[1];
  const signatures = parts.filter(([k]) => k === "v1").map(([, v]) => v ?? "");
  if (!t || !/^\d+$/.test(t) || !signatures.length) throw new Error("Stripe-Signature has no timestamp or no v1 signature");
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const expected = hex(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${t}.${raw}`)));
  if (!signatures.some((s) => sameText(s, expected))) throw new Error("no signature matches the body");
  if (toleranceSeconds > 0 && Math.floor(now / 1000) - Number(t) > toleranceSeconds) throw new Error("the signature's timestamp is too old");
  return JSON.parse(raw) as Stripe.Event;
}
