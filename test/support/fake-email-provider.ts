/**
 * A fake Resend (and Postmark) API for the tests inside workerd, served from the vitest
 * process as Miniflare's outbound service: the Worker's real `fetch` to
 * http://fake-email.test/<scenario>/emails lands here over the same path a
 * production send takes. Each scenario (first path segment) has its own
 * state, so test files running side by side never share counters.
 *
 *   POST /<scenario>/emails       Resend's send: 200 {id}, or 503 while down
 *   POST /<scenario>/email        Postmark's send: 200 {MessageID, ErrorCode: 0}, or 503 while down
 *   POST /<scenario>/__control    {down?: boolean, failNext?: number}
 *   GET  /<scenario>/__requests   every send request seen, in order
 */
export const FAKE_EMAIL_HOST = "fake-email.test";

export interface FakeEmailRequest {
  idempotencyKey: string | null;
  authorization: string | null;
  to: string[];
  from: string;
  subject: string;
  /** "sent" (a new email went out), "replayed" (same key seen before: no second email) or "failed" (answered 503). */
  outcome: "sent" | "replayed" | "failed";
  id: string | null;
  /** The plain-text body, as the recipient's mailbox would get it (tests follow the links in it). */
  text?: string;
}

interface Scenario {
  down: boolean;
  failNext: number;
  requests: FakeEmailRequest[];
  byKey: Map<string, string>;
}

const scenarios = new Map<string, Scenario>();
const scenario = (name: string) => {
  let s = scenarios.get(name);
  if (!s) {
    s = { down: false, failNext: 0, requests: [], byKey: new Map() };
    scenarios.set(name, s);
  }
  return s;
};

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

export async function fakeEmailProvider(request: Request): Promise<Response> {
  const url = new URL(request.url);
  const [, name = "default", action] = url.pathname.split("/");
  const s = scenario(name);
  if (action === "__control" && request.method === "POST") {
    const body = (await request.json()) as { down?: boolean; failNext?: number };
    if (body.down !== undefined) s.down = body.down;
    if (body.failNext !== undefined) s.failNext = body.failNext;
    return new Response(null, { status: 204 });
  }
  if (action === "__requests") return json(s.requests);
  if (action === "email" && request.method === "POST") {
    // Postmark's shape: no idempotency key; the token in X-Postmark-Server-Token.
    const body = (await request.json()) as { To: string; From: string; Subject: string; Metadata?: { idempotencyKey?: string } };
    const seen = {
      idempotencyKey: body.Metadata?.idempotencyKey ?? null,
      authorization: request.headers.get("x-postmark-server-token"),
      to: [body.To],
      from: body.From,
      subject: body.Subject,
    };
    if (s.down || s.failNext > 0) {
      if (s.failNext > 0) s.failNext--;
      s.requests.push({ ...seen, outcome: "failed", id: null });
      return json({ ErrorCode: 100, Message: "The fake provider is down." }, 503);
    }
    const id = crypto.randomUUID();
    s.requests.push({ ...seen, outcome: "sent", id });
    return json({ To: body.To, SubmittedAt: new Date().toISOString(), MessageID: id, ErrorCode: 0, Message: "OK" });
  }
  if (action === "emails" && request.method === "POST") {
    const body = (await request.json()) as { to: string[]; from: string; subject: string; text?: string };
    const key = request.headers.get("idempotency-key");
    const seen = {
      idempotencyKey: key,
      authorization: request.headers.get("authorization"),
      to: body.to,
      from: body.from,
      subject: body.subject,
      text: body.text,
    };
    if (s.down || s.failNext > 0) {
      if (s.failNext > 0) s.failNext--;
      s.requests.push({ ...seen, outcome: "failed", id: null });
      return json({ statusCode: 503, name: "internal_server_error", message: "The fake provider is down." }, 503);
    }
    const known = key ? s.byKey.get(key) : undefined;
    const id = known ?? crypto.randomUUID();
    if (key && !known) s.byKey.set(key, id);
    s.requests.push({ ...seen, outcome: known ? "replayed" : "sent", id });
    return json({ id });
  }
  return json({ statusCode: 404, name: "not_found", message: "No such fake route." }, 404);
}

/** Miniflare `outboundService`: the fake answers its own host; every other request goes out as usual. */
export async function outboundWithFakeEmail(request: Request): Promise<Response> {
  if (new URL(request.url).hostname === FAKE_EMAIL_HOST) return fakeEmailProvider(request);
  // Rebuilt field by field: Miniflare's Request class is not Node's.
  const body = request.method === "GET" || request.method === "HEAD" ? undefined : await request.arrayBuffer();
  return fetch(request.url, { method: request.method, headers: request.headers, body, redirect: "manual" });
}
