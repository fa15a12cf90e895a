/**
 * A fake GitHub for the workers projects, served in the test process as part of Miniflare's outbound service:
 * the Worker's real OAuth code (token exchange, `/user`, `/user/emails`) reaches it at `OAUTH_GITHUB_BASE_URL`
 * (`http://oauth.invalid/github`). Stateless: the authorization code a test sends to the callback names the
 * identity (`fakeGithubCode`), and the access token the fake hands out is that same code.
 */
export const FAKE_GITHUB_HOST = "oauth.invalid";

/** The code the callback receives when GitHub user `id` with the verified primary `email` authorized the store. */
export function fakeGithubCode(id: number, email: string): string {
  return Buffer.from(JSON.stringify({ id, email })).toString("base64url");
}

function identityOf(token: string | null): { id: number; email: string } | null {
  try {
    return token ? (JSON.parse(Buffer.from(token, "base64url").toString()) as { id: number; email: string }) : null;
  } catch {
    return null;
  }
}

async function fakeGithub(request: Request): Promise<Response> {
  const url = new URL(request.url);
  if (request.method === "POST" && url.pathname === "/github/login/oauth/access_token") {
    const code = new URLSearchParams(await request.text()).get("code");
    return identityOf(code) ? Response.json({ access_token: code, token_type: "bearer" }) : Response.json({ error: "bad_verification_code" });
  }
  const who = identityOf(request.headers.get("authorization")?.replace(/^Bearer /, "") ?? null);
  if (!who) return new Response("Bad credentials", { status: 401 });
  if (url.pathname === "/github/api/user") return Response.json({ id: who.id, login: `gh${who.id}`, name: `GitHub ${who.id}` });
  if (url.pathname === "/github/api/user/emails") return Response.json([{ email: who.email, primary: true, verified: true }]);
  return new Response("Not found", { status: 404 });
}

/** Miniflare's outbound service with the fake GitHub in front of `next`. */
export function outboundWithFakeGithub(next: (request: Request) => Promise<Response>) {
  return (request: Request): Promise<Response> => (new URL(request.url).hostname === FAKE_GITHUB_HOST ? fakeGithub(request) : next(request));
}
