import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./context";

/** Added to the policy Astro computes for a page (script/style hashes): what only a header can carry. */
const PAGE_DIRECTIVES =
  "default-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";
/** Everything that is not a page (JSON, problems, redirects): nothing may load or frame it. */
const STRICT = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** The page policy with more origins a form may post to (browsers apply form-action to every redirect after the post too). */
function withFormActionOrigins(policy: string, origins: readonly string[]): string {
  return origins.length ? policy.replace("form-action 'self'", `form-action 'self' ${origins.join(" ")}`) : policy;
}

/**
 * Every response gets a Content-Security-Policy header without 'unsafe-inline'
 * scripts: pages keep Astro's hashes and gain frame-ancestors and friends;
 * other answers get a deny-all policy unless their route set its own.
 * `formActionOrigins` names the other origins a page's form post may end on
 * (a hosted payment page the checkout answers 303 to).
 */
export function contentSecurityPolicy(options: { formActionOrigins?: (env: Env) => readonly string[] } = {}): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    const current = c.res.headers.get("content-security-policy");
    let next_: string | null = null;
    if (!current) next_ = STRICT;
    else if (!current.includes("frame-ancestors"))
      next_ = `${current.trim().replace(/;$/, "")}; ${withFormActionOrigins(PAGE_DIRECTIVES, options.formActionOrigins?.(c.env) ?? [])}`;
    if (!next_) return;
    try {
      c.res.headers.set("Content-Security-Policy", next_);
    } catch {
      // Immutable headers (a passed-through fetch response): copy the response.
      const res = new Response(c.res.body, c.res);
      res.headers.set("Content-Security-Policy", next_);
      c.res = res;
    }
  };
}
