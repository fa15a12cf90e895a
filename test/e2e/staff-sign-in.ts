import type { APIRequestContext, Page } from "playwright-core";
import { keyOf, nextCode, rememberKey } from "../support/second-factor";
import { submitAndLoad } from "./browser";

// Signing in as a person does, for staff too: the store asks staff for a second factor (on by default), so
// the first sign-in of a staff account adds an authenticator (the key is read off the page or the API
// answer and remembered per email), and later ones type a code from it.

/**
 * Fills the sign-in form on the current page and submits it; answers the code step (enrolling at the first
 * sign-in, then continuing past the recovery codes) when the account has or needs a second factor.
 */
export async function signInOnPage(page: Page, who: { email: string; password: string }): Promise<void> {
  await page.getByLabel("Email").fill(who.email);
  await page.getByLabel("Password", { exact: true }).fill(who.password);
  await submitAndLoad(page, () => page.getByRole("button", { name: "Sign in", exact: true }).click());
  if ((await page.locator('input[name="challenge"]').count()) === 0) return;
  const shown = await page
    .locator("[data-setup-key]")
    .getAttribute("data-setup-key", { timeout: 1_000 })
    .catch(() => null);
  if (shown) rememberKey(who.email, shown);
  const key = keyOf(who.email);
  if (!key) throw new Error(`${who.email} has an authenticator this test file did not enrol`);
  await page.getByLabel("Code", { exact: true }).fill(await nextCode(key));
  await submitAndLoad(page, () => page.getByRole("button", { name: "Verify and sign in" }).click());
  if (shown) await submitAndLoad(page, () => page.getByRole("link", { name: "Continue" }).click());
}

interface SecondFactorProblem {
  code: string;
  challenge?: string;
  enroll?: { secret: string };
}

/** Password sign-in over HTTP with `fetch`; answers the final response (its Set-Cookie carries the session). */
export async function signInByApi(baseUrl: string, who: { email: string; password: string }, headers: Record<string, string> = {}): Promise<Response> {
  const post = (path: string, body: unknown) =>
    fetch(`${baseUrl}${path}`, { method: "POST", headers: { "Content-Type": "application/json", ...headers }, body: JSON.stringify(body) });
  const first = await post("/api/auth/login", { email: who.email, password: who.password });
  if (first.status !== 401) return first;
  const problem = (await first.clone().json()) as SecondFactorProblem;
  if (problem.code !== "auth.second_factor_required" || !problem.challenge) return first;
  if (problem.enroll) rememberKey(who.email, problem.enroll.secret);
  const key = keyOf(who.email);
  if (!key) throw new Error(`${who.email} has an authenticator this test file did not enrol`);
  return post("/api/auth/login/second-factor", { challenge: problem.challenge, code: await nextCode(key) });
}

/** The same through a browser context's request client (the cookies land in the context); answers the final status. */
export async function signInByRequest(request: APIRequestContext, who: { email: string; password: string }, origin: string): Promise<number> {
  const first = await request.post("/api/auth/login", { data: { email: who.email, password: who.password }, headers: { Origin: origin } });
  if (first.status() !== 401) return first.status();
  const problem = (await first.json()) as SecondFactorProblem;
  if (problem.code !== "auth.second_factor_required" || !problem.challenge) return first.status();
  if (problem.enroll) rememberKey(who.email, problem.enroll.secret);
  const key = keyOf(who.email);
  if (!key) throw new Error(`${who.email} has an authenticator this test file did not enrol`);
  const done = await request.post("/api/auth/login/second-factor", {
    data: { challenge: problem.challenge, code: await nextCode(key) },
    headers: { Origin: origin },
  });
  return done.status();
}
