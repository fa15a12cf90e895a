import { AppError } from "../lib/errors";
import { GenericTrackingEvent } from "./schema";
import type { TrackingUpdate } from "./service/shipments";
import type { ShipmentStatus } from "./tables";

/** Signatures older or newer than this are refused (replays). */
export const TOLERANCE_SECONDS = 300;

const enc = new TextEncoder();

async function hmacKey(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", enc.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
}

function hexBytes(hex: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[0-9a-f]{64}$/i.test(hex)) return null;
  return Uint8Array.from(hex.match(/../g) ?? [], (h) => Number.parseInt(h, 16));
}

/** Constant-time check of a hex HMAC-SHA256 (WebCrypto `verify` compares in constant time). */
async function verifyHex(key: CryptoKey, hex: string, message: string): Promise<boolean> {
  const bytes = hexBytes(hex);
  return bytes ? crypto.subtle.verify("HMAC", key, bytes, enc.encode(message)) : false;
}

export async function hmacHex(secret: string, message: string): Promise<string> {
  const sig = await crypto.subtle.sign("HMAC", await hmacKey(secret), enc.encode(message));
  return Buffer.from(sig).toString("hex");
}

const invalid = (detail: string) => new AppError("webhooks.invalid_signature", 401, detail);

/** The secret of a webhook source from `SHIPPING_WEBHOOK_SECRET_<SOURCE>`, or 404 when that source is not configured. */
export function webhookSecret(env: Env, source: string): string {
  const name = `SHIPPING_WEBHOOK_SECRET_${source.toUpperCase()}`;
  const secret = (env as unknown as Record<string, string | undefined>)[name];
  if (!/^[a-z][a-z0-9_]{1,30}$/.test(source) || !secret) throw new AppError("webhooks.not_configured", 404, `No shipping webhook is configured for ${source}.`);
  return secret;
}

/**
 * The generic format: `X-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`
 * (several v1 values allowed during a secret rotation), at most 5 minutes off.
 */
export async function verifyGenericSignature(secret: string, header: string | undefined, raw: string, now = Date.now()): Promise<void> {
  if (!header) throw invalid("The X-Signature header is missing.");
  const parts = header.split(",").map((p) => p.trim().split("="));
  const t = parts.find(([k]) => k === "t")?.[1];
  const signatures = parts.filter(([k]) => k === "v1").map(([, v]) => v ?? "");
  if (!t || !/^\d{1,12}$/.test(t) || !signatures.length) throw invalid("X-Signature must be t=<unix seconds>,v1=<hex>.");
  if (Math.abs(now / 1000 - Number(t)) > TOLERANCE_SECONDS) throw invalid("The signature's timestamp is more than 5 minutes away from now.");
  const key = await hmacKey(secret);
  for (const sig of signatures) if (await verifyHex(key, sig, `${t}.${raw}`)) return;
  throw invalid("The signature does not match this body.");
}

/**
 * EasyPost: `X-Hmac-Signature: hmac-sha256-hex=<hex HMAC-SHA256 of the raw body>`, keyed by the
 * webhook secret (NFKD-normalised), as EasyPost's client libraries' `validateWebhook` check it.
 * Newer deliveries may also carry `X-Hmac-Signature-V2` with `X-Timestamp` (RFC 2822) and
 * `X-Path`; when present, the timestamp must be within 5 minutes and the v2 signature (HMAC of
 * timestamp + method + path + body) is accepted too.
 */
export async function verifyEasyPostSignature(secret: string, headers: (name: string) => string | undefined, raw: string, now = Date.now()): Promise<void> {
  const key = await hmacKey(secret.normalize("NFKD"));
  const strip = (v: string) => v.trim().replace(/^hmac-sha256-hex=/i, "");
  const timestamp = headers("x-timestamp");
  const v2 = headers("x-hmac-signature-v2");
  if (timestamp) {
    const at = Date.parse(timestamp);
    if (Number.isNaN(at) || Math.abs(now - at) > TOLERANCE_SECONDS * 1000)
      throw invalid("X-Timestamp is missing, unreadable or more than 5 minutes away from now.");
    const path = headers("x-path");
    if (v2 && path && (await verifyHex(key, strip(v2), `${timestamp}POST${path}${raw}`))) return;
  }
  const v1 = headers("x-hmac-signature");
  if (!v1) throw invalid("The X-Hmac-Signature header is missing.");
  if (!(await verifyHex(key, strip(v1), raw))) throw invalid("The signature does not match this body.");
}

/** EasyPost tracker statuses → parcel statuses (null: nothing to move, e.g. unknown or still a label). */
export const EASYPOST_STATUS: Record<string, ShipmentStatus | null> = {
  pre_transit: "label_created",
  in_transit: "in_transit",
  out_for_delivery: "out_for_delivery",
  available_for_pickup: "out_for_delivery",
  delivered: "delivered",
  return_to_sender: "returned",
  failure: "exception",
  error: "exception",
  cancelled: "exception",
  unknown: null,
};

interface EasyPostDetail {
  datetime?: string;
  message?: string;
  status?: string;
  tracking_location?: { city?: string | null; state?: string | null; country?: string | null; zip?: string | null } | null;
}

/**
 * Reads an EasyPost Event. `tracker.created` / `tracker.updated` carry a Tracker in `result`
 * (tracking_code, status, carrier, tracking_details[]); the update's time is the newest
 * tracking detail's `datetime` (else the tracker's `updated_at`). Other events answer null.
 */
export function parseEasyPostEvent(raw: string): TrackingUpdate | null {
  let body: {
    id?: string;
    object?: string;
    description?: string;
    created_at?: string;
    result?: { object?: string; tracking_code?: string; status?: string; carrier?: string; updated_at?: string; tracking_details?: EasyPostDetail[] };
  };
  try {
    body = JSON.parse(raw);
  } catch {
    throw new AppError("webhooks.invalid_body", 400, "The body is not JSON.");
  }
  if (body.object !== "Event" || !body.id)
    throw new AppError("webhooks.invalid_body", 400, "Not an EasyPost Event.", [{ path: "object", message: "Expected Event" }]);
  if (body.description !== "tracker.updated" && body.description !== "tracker.created") return null;
  const tracker = body.result;
  if (tracker?.object !== "Tracker" || !tracker.tracking_code)
    throw new AppError("webhooks.invalid_body", 400, "The event carries no Tracker.", [{ path: "result", message: "Expected a Tracker" }]);
  const details = [...(tracker.tracking_details ?? [])].filter((d) => d.datetime).sort((a, b) => Date.parse(a.datetime ?? "") - Date.parse(b.datetime ?? ""));
  const latest = details.at(-1);
  const place = latest?.tracking_location;
  const location = place ? [place.city, place.state, place.country].filter(Boolean).join(", ") : "";
  const occurredAt = latest?.datetime ?? tracker.updated_at ?? body.created_at ?? new Date().toISOString();
  return {
    source: "easypost",
    eventId: body.id,
    trackingNumber: tracker.tracking_code,
    carrier: tracker.carrier ?? null,
    status: EASYPOST_STATUS[tracker.status ?? "unknown"] ?? null,
    occurredAt: new Date(occurredAt).toISOString(),
    description: latest?.message ?? null,
    location: location || null,
  };
}

/** Reads a generic tracking event (strict: unknown fields are refused). */
export function parseGenericEvent(source: string, raw: string): TrackingUpdate {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new AppError("webhooks.invalid_body", 400, "The body is not JSON.");
  }
  const parsed = GenericTrackingEvent.safeParse(json);
  if (!parsed.success)
    throw new AppError(
      "webhooks.invalid_body",
      400,
      "The tracking event has invalid fields.",
      parsed.error.issues.map((i) => ({ path: i.path.join(".") || (i.code === "unrecognized_keys" ? i.keys.join(",") : "(root)"), message: i.message })),
    );
  const e = parsed.data;
  return {
    source,
    eventId: e.eventId,
    trackingNumber: e.trackingNumber,
    status: e.status,
    occurredAt: new Date(e.occurredAt).toISOString(),
    description: e.description ?? null,
    location: e.location ?? null,
  };
}
