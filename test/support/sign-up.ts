import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { listOutboxFor } from "../../worker/notifications";
import { cookiesFrom, freshIp, json, postJson } from "./http";

export const SIGN_UP_PASSWORD = "saffron kettle 7 quietly";

/** The newest email of `template` to `to`, once the queue consumer has put it in the outbox. */
export async function emailTo(to: string, template: string) {
  let found: Awaited<ReturnType<typeof listOutboxFor>> = [];
  await expect
    .poll(
      async () => {
        found = await listOutboxFor(env, to, template);
        return found.length;
      },
      { timeout: 10_000, interval: 100 },
    )
    .toBeGreaterThan(0);
  return found[0] as NonNullable<(typeof found)[number]>;
}

/** The one-time token of the newest sign-up link emailed to `email`. */
export async function signUpToken(email: string): Promise<string> {
  const mail = await emailTo(email, "finish_registration");
  const token = /finish-sign-up\?token=([A-Za-z0-9_-]+)/.exec(mail.text)?.[1];
  if (!token) throw new Error(`no sign-up link in:\n${mail.text}`);
  return token;
}

/**
 * Signs a new shopper up the way a person does: asks for an account (202, no session), reads the link
 * from the emailed message in the outbox and follows it (201: the account exists, its email verified,
 * signed in). Answers what a sign-up used to: the session body, its cookies and bearer token.
 */
export async function signUp(overrides: { email?: string; name?: string; password?: string } = {}, headers: Record<string, string> = {}) {
  const email = overrides.email ?? `shopper-${crypto.randomUUID().slice(0, 8)}@example.test`;
  const password = overrides.password ?? SIGN_UP_PASSWORD;
  const asked = await postJson("/api/auth/register", { email, password, name: overrides.name ?? "Ada Shopper" }, { "CF-Connecting-IP": freshIp(), ...headers });
  expect(asked.status).toBe(202);
  const res = await postJson("/api/auth/register/confirm", { token: await signUpToken(email) }, headers);
  expect(res.status).toBe(201);
  const body = await json(res);
  return { email, password, body, cookie: cookiesFrom(res), token: body.accessToken as string };
}
