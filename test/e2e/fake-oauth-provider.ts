// A local stand-in for GitHub's OAuth 2.0 endpoints, spoken to over real HTTP by the
// browser (authorize page, redirects) and by the store (token exchange, user API).
// It checks what GitHub checks (client credentials, redirect_uri, one-time codes, the
// PKCE S256 challenge) and records every request so tests can assert on them.
//
//   GET  /github/login/oauth/authorize     consent page with an "Authorize" button
//   POST /github/login/oauth/authorize     the button: redirects to redirect_uri with code + state
//   POST /github/login/oauth/access_token  form-encoded code exchange → {access_token} or 400
//   GET  /github/api/user                  Bearer → {id, login, name}
//   GET  /github/api/user/emails           Bearer → [{email, primary, verified}]
//   PUT  /_test/identity                   JSON: the identity the next authorization signs in as
//   GET  /_test/log                        JSON: every request received, in order
import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";

/** The client the store is registered as at the fake GitHub in the browser tests. */
export const E2E_OAUTH_CLIENT = { clientId: "e2e-github-client", clientSecret: "e2e-github-secret" };

export interface FakeIdentity {
  id: number;
  login: string;
  name: string | null;
  email: string;
  verified: boolean;
}

export interface FakeProviderOptions {
  port: number;
  clientId: string;
  clientSecret: string;
}

/** One request the provider received, with what it decided. */
export interface LoggedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  form: Record<string, string>;
  authorization: string | null;
  /** For the token endpoint: whether base64url(SHA-256(code_verifier)) matched the authorize step's code_challenge. */
  pkce?: "ok" | "mismatch" | "missing";
  status: number;
}

interface PendingCode {
  clientId: string;
  redirectUri: string;
  challenge: string;
  identity: FakeIdentity;
  expires: number;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** Starts the provider on 127.0.0.1:`port`; resolves once it listens. */
export async function startFakeOAuthProvider(options: FakeProviderOptions): Promise<{ server: Server; origin: string; close: () => Promise<void> }> {
  const codes = new Map<string, PendingCode>();
  const tokens = new Map<string, FakeIdentity>();
  const log: LoggedRequest[] = [];
  let identity: FakeIdentity = { id: 1001, login: "octocat", name: "Mona Octocat", email: "mona@example.test", verified: true };

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", `http://${req.headers.host}`);
    const body = req.method === "POST" || req.method === "PUT" ? await readBody(req) : "";
    const isForm = (req.headers["content-type"] ?? "").includes("application/x-www-form-urlencoded");
    const entry: LoggedRequest = {
      method: req.method ?? "GET",
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      form: isForm ? Object.fromEntries(new URLSearchParams(body)) : {},
      authorization: req.headers.authorization ?? null,
      status: 0,
    };
    const send = (status: number, type: string, text: string, headers: Record<string, string> = {}) => {
      entry.status = status;
      if (!url.pathname.startsWith("/_test/")) log.push(entry);
      res.writeHead(status, { "Content-Type": type, "Cache-Control": "no-store", ...headers });
      res.end(text);
    };
    const json = (status: number, value: unknown) => send(status, "application/json", JSON.stringify(value));
    try {
      route(req, url, body, entry, send, json);
    } catch (error) {
      json(500, { error: "server_error", error_description: String(error) });
    }
  });

  function bearer(entry: LoggedRequest): FakeIdentity | undefined {
    const match = /^Bearer (\S+)$/.exec(entry.authorization ?? "");
    return match?.[1] ? tokens.get(match[1]) : undefined;
  }

  function route(
    req: IncomingMessage,
    url: URL,
    body: string,
    entry: LoggedRequest,
    send: (status: number, type: string, text: string, headers?: Record<string, string>) => void,
    json: (status: number, value: unknown) => void,
  ) {
    const path = url.pathname;
    if (req.method === "PUT" && path === "/_test/identity") {
      identity = JSON.parse(body) as FakeIdentity;
      return json(200, identity);
    }
    if (req.method === "GET" && path === "/_test/log") return json(200, log);

    if (path === "/github/login/oauth/authorize") {
      // GET shows the consent page; the button posts the same parameters back.
      const params = req.method === "POST" ? new URLSearchParams(body) : url.searchParams;
      const clientId = params.get("client_id") ?? "";
      const redirectUri = params.get("redirect_uri") ?? "";
      const state = params.get("state") ?? "";
      const challenge = params.get("code_challenge") ?? "";
      if (clientId !== options.clientId) return send(400, "text/plain", "unknown client_id");
      if (!/^http:\/\/127\.0\.0\.1:\d+\/api\/auth\/oauth\/github\/callback$/.test(redirectUri)) return send(400, "text/plain", "redirect_uri not registered");
      if (params.get("response_type") !== "code" || params.get("code_challenge_method") !== "S256" || !challenge || !state) {
        return send(400, "text/plain", "response_type=code, state and an S256 code_challenge are required");
      }
      if (req.method === "GET") {
        const hidden = [...params].map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`).join("");
        return send(
          200,
          "text/html; charset=utf-8",
          `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Authorize application</title></head><body>
<main><h1>Authorize Northwind Goods</h1><p>Signed in to the fake provider as <strong>${escapeHtml(identity.login)}</strong> (${escapeHtml(identity.email)}).</p>
<p>Scopes: ${escapeHtml(params.get("scope") ?? "")}</p>
<form method="post" action="/github/login/oauth/authorize">${hidden}<button type="submit">Authorize</button></form></main></body></html>`,
        );
      }
      const code = randomBytes(16).toString("hex");
      codes.set(code, { clientId, redirectUri, challenge, identity, expires: Date.now() + 60_000 });
      const back = new URL(redirectUri);
      back.searchParams.set("code", code);
      back.searchParams.set("state", state);
      return send(302, "text/plain", "", { Location: back.toString() });
    }

    if (req.method === "POST" && path === "/github/login/oauth/access_token") {
      const form = entry.form;
      const fail = (error: string) => json(400, { error });
      if (form.client_id !== options.clientId || form.client_secret !== options.clientSecret) return fail("incorrect_client_credentials");
      const pending = form.code ? codes.get(form.code) : undefined;
      if (form.code) codes.delete(form.code); // one use, even when the exchange fails
      if (!pending || pending.expires < Date.now()) return fail("bad_verification_code");
      if (form.redirect_uri !== pending.redirectUri) return fail("redirect_uri_mismatch");
      if (!form.code_verifier) {
        entry.pkce = "missing";
        return fail("invalid_grant");
      }
      const computed = createHash("sha256").update(form.code_verifier).digest("base64url");
      entry.pkce = computed === pending.challenge ? "ok" : "mismatch";
      if (entry.pkce !== "ok") return fail("invalid_grant");
      const token = `gho_${randomBytes(18).toString("hex")}`;
      tokens.set(token, pending.identity);
      return json(200, { access_token: token, token_type: "bearer", scope: "read:user,user:email" });
    }

    if (req.method === "GET" && (path === "/github/api/user" || path === "/github/api/user/emails")) {
      const who = bearer(entry);
      if (!who) return json(401, { message: "Bad credentials" });
      if (path === "/github/api/user") return json(200, { id: who.id, login: who.login, name: who.name });
      return json(200, [
        { email: who.email, primary: true, verified: who.verified, visibility: "private" },
        { email: `${who.id}+${who.login}@users.noreply.example.test`, primary: false, verified: true, visibility: null },
      ]);
    }

    return send(404, "text/plain", "not found");
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, "127.0.0.1", () => resolve());
  });
  return {
    server,
    origin: `http://127.0.0.1:${options.port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
