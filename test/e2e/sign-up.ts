import type { APIRequestContext, APIResponse } from "playwright-core";
import { linkIn, waitForEmail } from "./outbox";

// Signing up as a person does: the store answers every sign-up "check your email" (the same whether or not
// the address has an account), and the account exists once the emailed link is followed. These read the
// link from the served store's outbox and follow it.

export interface NewShopper {
  email: string;
  password: string;
  name: string;
}

/** A served store: where it answers, and the state folder its outbox is read from. */
export interface StoreRef {
  baseUrl: string;
  persist: string;
  /**
   * Where the emailed link is read when the store sends through a real provider (the outbox then keeps
   * the link hidden): the sign-up link's path for an email address.
   */
  readSignUpLink?: (email: string) => Promise<string>;
}

/** The sign-up link's path (with its token) emailed to `email`. */
export async function signUpLink(persist: string, email: string): Promise<string> {
  const mail = await waitForEmail(persist, email, "finish_registration");
  return linkIn(mail.text, "/account/finish-sign-up?token=");
}

const tokenOf = (link: string) => new URL(link, "http://store.invalid").searchParams.get("token") ?? "";

const postJson = (store: StoreRef, path: string, body: unknown, headers: Record<string, string>) =>
  fetch(`${store.baseUrl}${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Origin: store.baseUrl, ...headers },
    body: JSON.stringify(body),
  });

const linkFor = (store: StoreRef, email: string) => (store.readSignUpLink ? store.readSignUpLink(email) : signUpLink(store.persist, email));

/** The first half of a sign-up: asks for an account (202, nothing created yet; the link is emailed). */
export async function askToSignUp(store: StoreRef, who: NewShopper, headers: Record<string, string> = {}): Promise<void> {
  const asked = await postJson(store, "/api/auth/register", who, headers);
  if (asked.status !== 202) throw new Error(`sign-up of ${who.email} answered ${asked.status}: ${await asked.text()}`);
}

/** The second half: follows the emailed link; answers 201 with the new session (Set-Cookie and `{ user, accessToken }`). */
export async function followSignUpLink(store: StoreRef, email: string, headers: Record<string, string> = {}): Promise<Response> {
  return postJson(store, "/api/auth/register/confirm", { token: tokenOf(await linkFor(store, email)) }, headers);
}

/**
 * Signs up over HTTP with `fetch` and follows the emailed link; answers the link's response (201 with the
 * session's Set-Cookie and `{ user, accessToken }`, or `refreshToken` too with `X-Auth-Mode: token`).
 */
export async function signUpByApi(store: StoreRef, who: NewShopper, headers: Record<string, string> = {}): Promise<Response> {
  await askToSignUp(store, who, headers);
  return followSignUpLink(store, who.email, headers);
}

/** The same through a browser context's request client: the session's cookies land in the context. */
export async function signUpByRequest(request: APIRequestContext, store: StoreRef, who: NewShopper): Promise<APIResponse> {
  const headers = { Origin: store.baseUrl };
  const asked = await request.post(`${store.baseUrl}/api/auth/register`, { data: who, headers });
  if (asked.status() !== 202) throw new Error(`sign-up of ${who.email} answered ${asked.status()}: ${await asked.text()}`);
  const token = tokenOf(await linkFor(store, who.email));
  return request.post(`${store.baseUrl}/api/auth/register/confirm`, { data: { token }, headers });
}

/** The `name=value` pairs a response set, as a Cookie header (the signed-up session, for later `fetch` calls). */
export function cookieHeader(res: Response): string {
  return res.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .filter((c) => c && !c.endsWith("="))
    .join("; ");
}
