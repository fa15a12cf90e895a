import { createServer, type IncomingMessage, type Server } from "node:http";

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
}

export interface RecordedCall {
  method: string;
  path: string;
  idempotencyKey: string | undefined;
  authorization: string | undefined;
  form: URLSearchParams;
}

/**
 * A local stand-in for the parts of Stripe's API the store calls: Checkout
 * Sessions (create, retrieve) and Refunds. It speaks Stripe's wire format
 * (form-encoded requests, JSON answers) so the official SDK talks to it
 * unchanged, and records every call for assertions.
 */
export class FakeStripe {
  readonly sessions = new Map<string, FakeSession>();
  readonly calls: RecordedCall[] = [];
  private server: Server | undefined;
  private counter = 0;

  constructor(readonly port: number) {}

  get base(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      void this.handle(req).then(
        ({ status, body }) => {
          res.writeHead(status, { "Content-Type": "application/json", "Request-Id": `req_${++this.counter}` });
          res.end(JSON.stringify(body));
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
    if (how === "paid") Object.assign(s, { status: "complete", payment_status: "paid" });
    else Object.assign(s, { status: "expired" });
    return s;
  }

  private async handle(req: IncomingMessage): Promise<{ status: number; body: unknown }> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const form = new URLSearchParams(Buffer.concat(chunks).toString());
    const path = (req.url ?? "").split("?")[0] ?? "";
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
      };
      this.sessions.set(id, session);
      return { status: 200, body: session };
    }
    const retrieve = /^\/v1\/checkout\/sessions\/([\w]+)$/.exec(path);
    if (req.method === "GET" && retrieve?.[1]) {
      const s = this.sessions.get(retrieve[1]);
      return s ? { status: 200, body: s } : { status: 404, body: { error: { type: "invalid_request_error", message: "No such checkout.session" } } };
    }
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
