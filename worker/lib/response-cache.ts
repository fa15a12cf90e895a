import type { MiddlewareHandler } from "hono";
import { BUILD_ID } from "./build-id";
import { cacheVersion } from "./cache-version";
import type { AppEnv } from "./context";
import { entityTagOf, ifNoneMatchHits } from "./entity-tag";

/**
 * Anonymous catalog answers (pages and API GETs) through two caches that share one key:
 * this isolate's memory (a few seconds of read speed) and the Workers Cache API (`caches.default`,
 * shared by every isolate of a Cloudflare location). The key is the URL plus the catalog version
 * (cache-version.ts) plus the answer's variant (for pages: display currency and shipping zone) plus the
 * build (build-id.ts), so a catalog write or a new exchange rate makes every old copy unreachable at once,
 * everywhere, and a deploy never serves pages that name the previous build's assets. Every stored copy
 * carries a strong ETag of its bytes: a client revalidating with it gets a 304 without the body.
 * See docs/caching.md.
 */
export interface ResponseCacheOptions {
  /**
   * What the answer depends on besides its URL, for a request that carries no session or cart.
   * Passed in from outside lib/ (lib imports no domain). Without it the answer depends on the URL only.
   */
  variant?: (env: Env, request: Request) => Promise<string>;
  /** Headers the answer varies on for browsers and other shared caches (kept on every copy served). */
  vary?: string;
}

interface CachedAnswer {
  status: number;
  headers: [string, string][];
  body: ArrayBuffer;
  expires: number;
}

/** How long this isolate keeps a copy in memory (the Cache API copy lives as long as its `s-maxage`). */
const MEMORY_TTL_MS = 10_000;
const MAX_MEMORY_ENTRIES = 1_000;
/** Settled copies only (status, headers, bytes): never a Response, stream or promise of another request. */
const memory = new Map<string, CachedAnswer>();

/** A session, a refresh token or a cart: the answer may name the shopper, so it is never cached nor served from cache. */
const PERSONAL_COOKIE = /(?:^|;\s*)__Host-(?:at|rt|cart)=/;

/** True when a request carries who it is: an Authorization header or a session or cart cookie. */
export function isPersonalRequest(request: Request): boolean {
  return request.headers.has("authorization") || PERSONAL_COOKIE.test(request.headers.get("cookie") ?? "");
}

/** The cache key of an answer: its URL, the catalog version, its variant and the build that rendered it. */
export function responseCacheKey(requestUrl: string, version: number, variant: string, build: string = BUILD_ID): string {
  const url = new URL(requestUrl);
  url.searchParams.append("__cache_version", String(version));
  if (variant) url.searchParams.append("__cache_variant", variant);
  url.searchParams.append("__cache_build", build);
  return url.toString();
}

/** Forgets this isolate's in-memory copies (the Cache API copies are retired by bumping the catalog version). */
export function purgeResponseCache(): void {
  memory.clear();
}

function withHeaders(body: BodyInit | null, init: { status: number; headers: HeadersInit }, cache: string, vary?: string, layer?: string): Response {
  const res = new Response(body, init);
  res.headers.set("X-Cache", cache);
  if (layer) res.headers.set("X-Cache-Layer", layer);
  if (vary) res.headers.set("Vary", vary);
  return res;
}

/**
 * Headers a 304 drops from the 200 it stands for: those about the bytes of the body it does not carry. It keeps
 * the rest, because a browser updates its stored copy's headers from the 304: the page's Content-Security-Policy
 * must come out the same, and the front door builds a page's policy from Astro's hashes and the Content-Type.
 */
const BODY_HEADERS = /^(?:content-length|content-encoding|content-range)$/i;

/** A stored copy as the answer, or a 304 when the request's `If-None-Match` names the copy's ETag. */
function serve(request: Request, answer: Omit<CachedAnswer, "expires">, cache: string, vary?: string, layer?: string): Response {
  const etag = answer.status === 200 ? answer.headers.find(([name]) => name.toLowerCase() === "etag")?.[1] : undefined;
  if (etag && ifNoneMatchHits(request.headers.get("if-none-match"), etag)) {
    return withHeaders(null, { status: 304, headers: answer.headers.filter(([name]) => !BODY_HEADERS.test(name)) }, cache, vary, layer);
  }
  return withHeaders(answer.body, { status: answer.status, headers: answer.headers }, cache, vary, layer);
}

function executionContext(c: { executionCtx: { waitUntil(promise: Promise<unknown>): void } }): { waitUntil(promise: Promise<unknown>): void } | undefined {
  try {
    return c.executionCtx;
  } catch {
    return undefined;
  }
}

function remember(key: string, answer: CachedAnswer): void {
  if (memory.size >= MAX_MEMORY_ENTRIES) memory.delete(memory.keys().next().value as string);
  memory.set(key, answer);
}

/**
 * Serves GETs of the routes it guards from cache when the request is anonymous. Only answers the
 * route itself marked `public` (200 or 404, no Set-Cookie) are stored, with an ETag. `X-Cache` says what happened:
 * `hit` (with `X-Cache-Layer: isolate` or `edge`), `miss` (rendered, stored if allowed), or
 * `bypass` (a personal request: rendered, never stored).
 */
export function responseCache(options: ResponseCacheOptions = {}): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.req.method !== "GET") return next();
    const request = c.req.raw;
    if (isPersonalRequest(request)) {
      await next();
      c.res = withHeaders(c.res.body, c.res, "bypass", options.vary);
      return;
    }
    const [version, variant] = await Promise.all([cacheVersion(c.env.DB), options.variant?.(c.env, request) ?? ""]);
    const key = responseCacheKey(request.url, version, variant);
    // `caches.default` is the Workers runtime's own (missing from the DOM typing Astro's check sees).
    const edge = typeof caches === "undefined" ? undefined : (caches as unknown as { default: Cache }).default;

    const held = memory.get(key);
    if (held && held.expires > Date.now()) return serve(request, held, "hit", options.vary, "isolate");
    const stored = await edge?.match(key);
    if (stored) {
      const body = await stored.arrayBuffer();
      const headers = [...stored.headers].filter(([name]) => !/^(?:cf-cache-status|age|expires)$/i.test(name));
      const answer = { status: stored.status, headers, body };
      remember(key, { ...answer, expires: Date.now() + MEMORY_TTL_MS });
      return serve(request, answer, "hit", options.vary, "edge");
    }

    await next();
    const res = c.res;
    const cacheControl = res.headers.get("cache-control") ?? "";
    const storable = (res.status === 200 || res.status === 404) && /\bpublic\b/.test(cacheControl) && !res.headers.has("set-cookie");
    if (!storable) {
      c.res = withHeaders(res.body, res, "miss", options.vary);
      return;
    }
    const body = await res.arrayBuffer();
    // The key already names the variant: the stored copy carries no Vary (the Cache API would match on it).
    const headers = [...res.headers].filter(([name]) => name.toLowerCase() !== "vary");
    if (!res.headers.has("etag")) headers.push(["etag", await entityTagOf(body)]);
    remember(key, { status: res.status, headers, body, expires: Date.now() + MEMORY_TTL_MS });
    if (edge) {
      // The store is this request's own I/O, kept alive past its answer by waitUntil (awaited where there is no context).
      const put = edge.put(key, new Response(body, { status: res.status, headers }));
      const ctx = executionContext(c);
      if (ctx) ctx.waitUntil(put);
      else await put;
    }
    c.res = serve(request, { status: res.status, headers, body }, "miss", options.vary);
  };
}
