// The store's service worker, bundled after `astro build` by scripts/pwa/build-sw.mjs into dist/client/sw.js,
// which fills in __PRECACHE__ (every build file with its content hash) and __SW_VERSION__.
//
// Pages: the network first (3 s), else the copy kept from an earlier visit, else the offline page.
// Catalog JSON and pictures: stale-while-revalidate. Build files: from the precache.
// Private paths and any answer not marked `public` are never kept (site/sw/policy.ts).
import { mayStore, strategyFor } from "./policy";

declare const __PRECACHE__: { url: string; revision: string | null }[];
declare const __SW_VERSION__: string;

// The few service worker globals used here (the project's type libraries are the Workers runtime's and the DOM's).
interface ExtendableEvent extends Event {
  waitUntil(promise: Promise<unknown>): void;
}
interface FetchEvent extends ExtendableEvent {
  request: Request;
  respondWith(response: Response | Promise<Response>): void;
}
interface MessageEvent extends ExtendableEvent {
  data: unknown;
}
interface ServiceWorkerScope {
  location: Location;
  registration: { active: unknown };
  clients: { claim(): Promise<void> };
  skipWaiting(): Promise<void>;
  addEventListener(type: "install" | "activate", listener: (event: ExtendableEvent) => void): void;
  addEventListener(type: "fetch", listener: (event: FetchEvent) => void): void;
  addEventListener(type: "message", listener: (event: MessageEvent) => void): void;
}
interface BrowserCache {
  match(request: Request | string, options?: { ignoreVary?: boolean }): Promise<Response | undefined>;
  put(request: Request | string, response: Response): Promise<void>;
  keys(): Promise<readonly Request[]>;
  delete(request: Request): Promise<boolean>;
}
interface BrowserCacheStorage {
  open(name: string): Promise<BrowserCache>;
  keys(): Promise<string[]>;
  delete(name: string): Promise<boolean>;
}
/** A browser request's fields the Workers runtime's `Request` type lacks. */
interface BrowserRequest {
  mode: string;
  destination: string;
}
const sw = self as unknown as ServiceWorkerScope;
const storage = caches as unknown as BrowserCacheStorage;

const PRECACHE = `ec-precache-${__SW_VERSION__}`;
const PAGES = `ec-pages-${__SW_VERSION__}`;
const RUNTIME = "ec-runtime";
const OFFLINE_URL = "/offline";
const PAGE_TIMEOUT_MS = 3_000;
/** Pages kept for offline reading; the oldest go first. */
const MAX_PAGES = 60;
const MAX_RUNTIME = 200;

const precached = new Set(__PRECACHE__.map((entry) => entry.url));

sw.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await storage.open(PRECACHE);
      await Promise.all(
        __PRECACHE__.map(async ({ url }) => {
          // Without cookies: the offline page must be the anonymous one, never a signed-in shopper's.
          const res = await fetch(new Request(url, { credentials: "omit", cache: "reload" }));
          if (!res.ok) throw new Error(`precache ${url}: ${res.status}`);
          await cache.put(url, res);
        }),
      );
      // The first install takes over at once; an update waits until the shopper accepts it (the "new version" prompt).
      if (!sw.registration.active) await sw.skipWaiting();
    })(),
  );
});

sw.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await storage.keys()) {
        if (name.startsWith("ec-") && name !== PRECACHE && name !== PAGES && name !== RUNTIME) await storage.delete(name);
      }
      await sw.clients.claim();
    })(),
  );
});

sw.addEventListener("message", (event) => {
  if (typeof event.data === "object" && event.data !== null && (event.data as { type?: unknown }).type === "skip-waiting") {
    event.waitUntil(sw.skipWaiting());
  }
});

async function keep(cacheName: string, request: Request, response: Response, limit: number): Promise<void> {
  const cache = await storage.open(cacheName);
  await cache.put(request, response);
  const keys = await cache.keys();
  for (const old of keys.slice(0, Math.max(0, keys.length - limit))) await cache.delete(old);
}

async function fromPrecache(event: FetchEvent): Promise<Response> {
  const cached = await (await storage.open(PRECACHE)).match(new URL(event.request.url).pathname);
  return cached ?? fetch(event.request);
}

async function page(event: FetchEvent): Promise<Response> {
  const { request } = event;
  const network = fetch(request).then((res) => {
    if (mayStore(res)) event.waitUntil(keep(PAGES, request, res.clone(), MAX_PAGES));
    return res;
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), PAGE_TIMEOUT_MS);
  });
  try {
    const first = await Promise.race([network, timeout]);
    if (first) return first;
  } catch {
    // Offline or the server unreachable: fall back below.
  } finally {
    clearTimeout(timer);
  }
  const kept = await (await storage.open(PAGES)).match(request, { ignoreVary: true });
  if (kept) return kept;
  try {
    return await network;
  } catch {
    return offlinePage();
  }
}

async function offlinePage(): Promise<Response> {
  return (
    (await (await storage.open(PRECACHE)).match(OFFLINE_URL)) ??
    new Response("You are offline.", { status: 503, headers: { "Content-Type": "text/plain; charset=utf-8" } })
  );
}

/** Never kept nor read from a cache; offline, the offline page (which shows the cart saved on this device for /cart). */
async function privatePage(event: FetchEvent): Promise<Response> {
  try {
    return await fetch(event.request);
  } catch {
    return offlinePage();
  }
}

async function staleWhileRevalidate(event: FetchEvent): Promise<Response> {
  const { request } = event;
  const kept = await (await storage.open(RUNTIME)).match(request, { ignoreVary: true });
  const network = fetch(request).then(async (res) => {
    if (mayStore(res)) await keep(RUNTIME, request, res.clone(), MAX_RUNTIME);
    return res;
  });
  if (kept) {
    event.waitUntil(network.catch(() => undefined));
    return kept;
  }
  return network;
}

sw.addEventListener("fetch", (event) => {
  const { mode, destination } = event.request as unknown as BrowserRequest;
  const strategy = strategyFor({ url: event.request.url, method: event.request.method, mode, destination }, sw.location.origin, precached);
  if (strategy === "precache") event.respondWith(fromPrecache(event));
  else if (strategy === "page") event.respondWith(page(event));
  else if (strategy === "private-page") event.respondWith(privatePage(event));
  else if (strategy === "stale-while-revalidate") event.respondWith(staleWhileRevalidate(event));
});
