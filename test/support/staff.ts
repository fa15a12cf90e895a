import { env } from "cloudflare:workers";
import { expect } from "vitest";
import type { Role } from "../../worker/accounts/tables";
import { insertUser } from "./factories";
import { call, freshIp, json, postJson } from "./http";
import { keyOf, nextCode, rememberKey } from "./second-factor";

export interface Caller {
  id: string;
  email: string;
  role: Role;
  headers: Record<string, string>;
}

/**
 * Password sign-in the way a person does it: staff accounts (second factor required by default) enrol an
 * authenticator at their first sign-in and give a code from it after that. Answers the final response:
 * the session (200), or the first step's problem when it was not about the second factor.
 */
export async function passwordSignIn(user: { email: string; password: string }, headers: Record<string, string> = {}): Promise<Response> {
  const res = await postJson("/api/auth/login", { email: user.email, password: user.password }, headers);
  if (res.status !== 401) return res;
  const problem = await res.clone().json<{ code: string; challenge?: string; enroll?: { secret: string } }>();
  if (problem.code !== "auth.second_factor_required" || !problem.challenge) return res;
  if (problem.enroll) rememberKey(user.email, problem.enroll.secret);
  const secret = keyOf(user.email);
  if (!secret) throw new Error(`${user.email} has an authenticator this test file did not enrol`);
  return postJson("/api/auth/login/second-factor", { challenge: problem.challenge, code: await nextCode(secret) }, headers);
}

/** A signed-in user of `role` with Bearer headers (no cookies, so no CSRF origin check). */
export async function signIn(role: Role): Promise<Caller> {
  const user = await insertUser(env.DB, { role });
  const res = await passwordSignIn(user, { "CF-Connecting-IP": freshIp() });
  const body = await json(res);
  return { id: user.id, email: user.email, role, headers: { Authorization: `Bearer ${body.accessToken}` } };
}

/** One caller per role, signed in once per test file. */
export async function staffByRole() {
  const [admin, support, customer, vendor] = await Promise.all([signIn("admin"), signIn("support"), signIn("customer"), signIn("vendor")]);
  return { admin, support, customer, vendor };
}

/** A request with a JSON body; a write without one sends `{}` (the API takes writes as JSON only). */
export function send(path: string, method: string, headers: Record<string, string>, body?: unknown): Promise<Response> {
  if (body === undefined && method !== "GET" && method !== "DELETE") body = {};
  return call(path, {
    method,
    headers: { ...(body === undefined ? {} : { "Content-Type": "application/json" }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/**
 * Asserts who may call a route: `allowed` roles get `okStatus`, the other
 * staff/customer/vendor roles 403, anonymous 401.
 */
export async function expectRoleMatrix(
  callers: Awaited<ReturnType<typeof staffByRole>>,
  route: { path: string; method?: string; body?: () => unknown; okStatus?: number },
  allowed: Role[],
) {
  const method = route.method ?? "GET";
  const seen: Record<string, number> = {};
  for (const caller of Object.values(callers)) {
    seen[caller.role] = (await send(route.path, method, caller.headers, route.body?.())).status;
  }
  seen.anonymous = (await send(route.path, method, {}, route.body?.())).status;
  const expected: Record<string, number> = { anonymous: 401 };
  for (const role of ["admin", "support", "customer", "vendor"] as Role[]) expected[role] = allowed.includes(role) ? (route.okStatus ?? 200) : 403;
  expect(seen, `${method} ${route.path}`).toEqual(expected);
}
