// What the service worker may do with a request and keep of an answer. Pure functions (no service worker
// globals), so test/unit/sw-policy.test.ts checks the rules the shopper's privacy depends on.

/**
 * Paths whose answers are about one person or one session: never read from nor written to the cache,
 * whatever their headers say. Pages and their API twins.
 */
const PRIVATE_PREFIXES = [
  "/account",
  "/checkout",
  "/cart",
  "/orders",
  "/admin",
  "/vendor",
  "/api/account",
  "/api/auth",
  "/api/me",
  "/api/cart",
  "/api/checkout",
  "/api/orders",
  "/api/admin",
  "/api/vendor",
  "/api/webhooks",
  "/api/currency",
  "/api/shipping",
  "/api/analytics",
];

/** Catalog reads that are the same for every shopper (the server marks them `public`). */
const CATALOG_API = [/^\/api\/products(?:\/[^/]+)?$/, /^\/api\/categories$/, /^\/api\/search\/suggest$/];

export type Strategy =
  /** Not ours to handle: the browser goes to the network as if there were no service worker. */
  | "network"
  /** A build file or icon listed in the precache: from the cache, else the network. */
  | "precache"
  /** A page: the network within a short time, else the copy kept from an earlier visit, else the offline page. */
  | "page"
  /** A private page (account, cart, checkout…): the network only, never kept; offline, the offline page. */
  | "private-page"
  /** Catalog JSON and pictures: the kept copy at once, refreshed in the background. */
  | "stale-while-revalidate";

export interface RequestFacts {
  url: string;
  method: string;
  mode: string;
  destination: string;
}

function isPrivatePath(pathname: string): boolean {
  return PRIVATE_PREFIXES.some((prefix) => pathname === prefix || pathname.startsWith(`${prefix}/`) || pathname.startsWith(`${prefix}?`));
}

/** How the service worker answers a request of this page's origin `origin`. */
export function strategyFor(request: RequestFacts, origin: string, precached: ReadonlySet<string>): Strategy {
  if (request.method !== "GET") return "network";
  const url = new URL(request.url);
  if (url.origin !== origin) return "network";
  if (precached.has(url.pathname)) return "precache";
  if (isPrivatePath(url.pathname)) return request.mode === "navigate" ? "private-page" : "network";
  if (request.mode === "navigate") return "page";
  if (CATALOG_API.some((re) => re.test(url.pathname))) return "stale-while-revalidate";
  if (request.destination === "image" && (url.pathname.startsWith("/media/") || url.pathname.startsWith("/icons/"))) return "stale-while-revalidate";
  return "network";
}

export interface ResponseFacts {
  url: string;
  status: number;
  /** `basic` for this origin; `opaque`/`cors` answers are never kept. */
  type: string;
  redirected: boolean;
  headers: { get(name: string): string | null };
}

/**
 * Whether an answer may be written to Cache Storage: a plain 200 of this origin that the server marked
 * `public`, on a path that is not private, that sets no cookie and does not vary on who is asking.
 * Anything `private`, `no-store` or `no-cache`, or without an explicit `public`, stays out: the server
 * is the one that knows whether an answer names a shopper (it marks every such page `private, no-store`).
 */
export function mayStore(response: ResponseFacts): boolean {
  if (response.status !== 200 || response.type !== "basic" || response.redirected) return false;
  if (isPrivatePath(new URL(response.url).pathname)) return false;
  // Browsers hide Set-Cookie from scripts; the check stays for runtimes that do not.
  if (response.headers.get("set-cookie")) return false;
  const cacheControl = (response.headers.get("cache-control") ?? "").toLowerCase();
  if (/\b(?:private|no-store|no-cache)\b/.test(cacheControl)) return false;
  return /\bpublic\b/.test(cacheControl) || /\bimmutable\b/.test(cacheControl);
}
