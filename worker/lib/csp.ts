import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "./context";

/**
 * Origins a page may use beyond its own, per directive. Each entry must be a
 * bare origin (`https://cdn.example.com`) that its owner has validated: the
 * builder only refuses anything that could break out of a source list.
 */
export interface PageSources {
  /** Picture hosts an admin allowed (Settings → Images). */
  img?: readonly string[];
  /** Where a form post may land or be redirected to (a hosted payment page). */
  formAction?: readonly string[];
}

/** A source expression that is one origin and nothing else (no spaces, `;`, `,`, quotes, paths or wildcards). */
const ORIGIN_SOURCE = /^https?:\/\/[a-z0-9.-]+(?::[0-9]{1,5})?$/;

function sourceList(base: string[], extra: readonly string[] | undefined): string {
  const origins = [...new Set((extra ?? []).filter((o) => ORIGIN_SOURCE.test(o)))];
  return [...base, ...origins].join(" ");
}

/**
 * The directives a page gets on top of Astro's script and style hashes:
 * everything from this origin only, plus exactly the extra origins given.
 */
export function pageDirectives(sources: PageSources = {}): string {
  return [
    "default-src 'self'",
    `img-src ${sourceList(["'self'", "data:"], sources.img)}`,
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    `form-action ${sourceList(["'self'"], sources.formAction)}`,
    "frame-ancestors 'none'",
  ].join("; ");
}

/** Everything that is not a page (JSON, problems, redirects): nothing may load or frame it. */
export const STRICT_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

export type PageSourcesLoader = (c: Context<AppEnv>) => PageSources | Promise<PageSources>;

/**
 * Every response gets a Content-Security-Policy header without 'unsafe-inline'
 * scripts: HTML pages keep Astro's hashes and gain `pageDirectives` built from
 * `loadSources` (read per request, and only for pages); other answers that set
 * their own policy (pictures) only gain frame-ancestors; everything else gets
 * a deny-all policy. A failing loader degrades to this origin only.
 */
export function contentSecurityPolicy(loadSources?: PageSourcesLoader): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    const current = c.res.headers.get("content-security-policy");
    let policy: string | null = null;
    if (!current) policy = STRICT_POLICY;
    else if (!current.includes("frame-ancestors")) {
      const own = current.trim().replace(/;$/, "");
      if (/^text\/html\b/i.test(c.res.headers.get("content-type") ?? "")) {
        let sources: PageSources = {};
        try {
          sources = (await loadSources?.(c)) ?? {};
        } catch (error) {
          console.error(JSON.stringify({ msg: "csp.sources_failed", requestId: c.get("requestId"), error: String(error) }));
        }
        policy = `${own}; ${pageDirectives(sources)}`;
      } else policy = `${own}; frame-ancestors 'none'`;
    }
    if (!policy) return;
    try {
      c.res.headers.set("Content-Security-Policy", policy);
    } catch {
      // Immutable headers (a passed-through fetch response): copy the response.
      const res = new Response(c.res.body, c.res);
      res.headers.set("Content-Security-Policy", policy);
      c.res = res;
    }
  };
}
