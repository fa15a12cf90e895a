import { env } from "cloudflare:workers";
import type { ZodType } from "zod";
import { getPageSession, type IssuedSession, type RequestContext, requestContextOf, sessionCookies } from "../../worker/accounts";
import { AppError, type FieldError, fieldErrorsFromZod } from "../../worker/lib/errors";
import { safeReturnTo } from "../../worker/lib/return-to";

/** Where a sign-in or sign-up page sends the shopper afterwards: a path on this site, else their account. */
export function accountReturnTo(candidate: string | null | undefined, url: URL): string {
  return safeReturnTo(candidate, url.origin, "/account");
}

/** Account pages show personal data: never stored by a browser cache or a shared cache. */
export const ACCOUNT_CACHE_CONTROL = "private, no-store";

export type PageSession = Awaited<ReturnType<typeof getPageSession>>;

const sessions = new WeakMap<Request, Promise<PageSession>>();

/**
 * The signed-in shopper of a page request, looked up once per request (the
 * page and the layout share the answer). Without a session cookie this is
 * null at once, with no D1 query.
 */
export function currentSession(request: Request): Promise<PageSession> {
  let found = sessions.get(request);
  if (!found) {
    found = getPageSession(request, env);
    sessions.set(request, found);
  }
  return found;
}

/** Client IP, user agent and origin for the services' rate limits and emailed links. */
export function requestContext(request: Request): RequestContext {
  return requestContextOf(request.headers, request.url);
}

/** 303 See Other (the answer to a form post), optionally setting cookies. */
export function redirect(to: string, cookies: string[] = []): Response {
  return new Response(null, {
    status: 303,
    headers: [["Location", to], ["Cache-Control", ACCOUNT_CACHE_CONTROL], ...cookies.map((c): [string, string] => ["Set-Cookie", c])],
  });
}

/** 303 to `to` with the cookies of a new session. */
export function redirectSignedIn(to: string, session: Pick<IssuedSession, "accessToken" | "refreshToken">): Response {
  return redirect(to, sessionCookies(session));
}

/** The sign-in page, coming back to `url` afterwards. */
export function loginUrl(url: URL): string {
  return `/account/login?returnTo=${encodeURIComponent(url.pathname + url.search)}`;
}

/** A form's text fields (files are ignored). Values are kept as typed; schemas trim. */
export async function readForm(request: Request): Promise<Record<string, string>> {
  const data = await request.formData();
  const out: Record<string, string> = {};
  for (const [key, value] of data) if (typeof value === "string" && !(key in out)) out[key] = value;
  return out;
}

/** What went wrong with a form post: a sentence for the summary and the fields to mark. */
export interface FormProblem {
  /** The AppError code, e.g. `auth.email_taken`. */
  code: string;
  message: string;
  errors: FieldError[];
  /** The status the re-rendered page answers with (400, 401, 409, 429…). */
  status: number;
  retryAfter?: string;
}

/**
 * Validates a form's values with one of the API's zod schemas; throws an
 * AppError with every invalid field, like the API's 400.
 */
export function parseWith<T>(schema: ZodType<T>, values: unknown): T {
  const result = schema.safeParse(values);
  if (!result.success) throw new AppError("request.invalid", 400, "Some details need fixing.", fieldErrorsFromZod(result.error));
  return result.data;
}

/** Turns what a form action threw into what the page shows; rethrows anything that is not an AppError. */
export function formProblem(error: unknown): FormProblem {
  if (!(error instanceof AppError)) throw error;
  const retryAfter = error.headers["Retry-After"];
  return { code: error.code, message: error.message, errors: error.errors, status: error.status, ...(retryAfter ? { retryAfter } : {}) };
}

/** The first message for one field, if any. */
export function errorFor(problem: FormProblem | null, path: string): string | undefined {
  return problem?.errors.find((e) => e.path === path)?.message;
}

/** The account's first name, for greetings. */
export function firstName(name: string): string {
  return name.trim().split(/\s+/)[0] ?? name;
}
