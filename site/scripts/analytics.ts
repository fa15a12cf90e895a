// Storefront behaviour events: page and product views, searches, filters, cart changes, checkout steps and
// purchases, sent in batches to /api/analytics/events under an anonymous session id. Nothing is sent when the
// browser signals Global Privacy Control, or, when the store asks for consent, before the shopper allows it.
// Pages mark what happened with <span hidden data-analytics-event> (TrackEvent.astro); cart changes are read
// from the cart forms as they are submitted.

interface TrackedEvent {
  type: string;
  subjectId?: string;
  resultCount?: number;
}

const ENDPOINT = "/api/analytics/events";
const SESSION_KEY = "ec-analytics-session";
const CONSENT_KEY = "ec-analytics-consent";
const IDLE_MS = 30 * 60 * 1000;
const FLUSH_DELAY_MS = 1000;
const MAX_BATCH = 50;

function read(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}
function write(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
  } catch {
    // Private modes without storage: the session then lasts for this page only.
  }
}

const config = document.querySelector<HTMLElement>("[data-analytics-config]");
const consentRequired = config?.dataset.consent === "required";
const gpc = (navigator as Navigator & { globalPrivacyControl?: boolean }).globalPrivacyControl === true;

const allowed = () => !gpc && (!consentRequired || read(CONSENT_KEY) === "granted");

let pageSession: { id: string; last: number } | null = null;
/** The session id, renewed after 30 minutes without an event; random, so it names no one. */
function sessionId(): string {
  const now = Date.now();
  let session = pageSession;
  try {
    session = JSON.parse(read(SESSION_KEY) ?? "null") ?? pageSession;
  } catch {
    session = pageSession;
  }
  if (!session || typeof session.id !== "string" || now - session.last > IDLE_MS) session = { id: crypto.randomUUID().replaceAll("-", ""), last: now };
  session.last = now;
  pageSession = session;
  write(SESSION_KEY, JSON.stringify(session));
  return session.id;
}

let queue: TrackedEvent[] = [];
let timer: ReturnType<typeof setTimeout> | undefined;

function flush(): void {
  clearTimeout(timer);
  timer = undefined;
  while (queue.length) {
    const events = queue.slice(0, MAX_BATCH);
    queue = queue.slice(MAX_BATCH);
    // keepalive lets the request outlive the page (a cart form navigates away at once).
    fetch(ENDPOINT, {
      method: "POST",
      keepalive: true,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sessionId: sessionId(), events }),
    }).catch(() => {});
  }
}

function track(event: TrackedEvent, now = false): void {
  if (!allowed()) return;
  queue.push(event);
  if (now || queue.length >= MAX_BATCH) flush();
  else timer ??= setTimeout(flush, FLUSH_DELAY_MS);
}

/** The page as counted: catalog paths as they are; account, order and checkout pages by their section only. */
function pagePath(): string {
  const path = location.pathname;
  if (/^\/(?:$|c\/|p\/|search$|policies\/|wishlist$|cart$|support$)/.test(path)) return path.slice(0, 120);
  return `/${path.split("/")[1] ?? ""}`;
}

function trackPage(): void {
  track({ type: "page_viewed", subjectId: pagePath() });
  for (const el of document.querySelectorAll<HTMLElement>("[data-analytics-event]")) {
    const results = el.dataset.analyticsResults;
    track({
      type: el.dataset.analyticsEvent ?? "",
      ...(el.dataset.analyticsSubject ? { subjectId: el.dataset.analyticsSubject } : {}),
      ...(results !== undefined ? { resultCount: Number(results) } : {}),
    });
  }
}

// Capture phase: counted before the mini-cart script takes the form over.
document.addEventListener(
  "submit",
  (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || form.getAttribute("action") !== "/cart" || form.method.toLowerCase() !== "post") return;
    const data = new FormData(form, (event as SubmitEvent).submitter);
    const sku = String(data.get("sku") ?? "").slice(0, 120);
    if (!sku) return;
    const action = String(data.get("action") ?? "add");
    if (action === "add") track({ type: "cart_item_added", subjectId: sku }, true);
    else if (action === "remove" || (action === "update" && data.get("quantity") === "0")) track({ type: "cart_item_removed", subjectId: sku }, true);
  },
  true,
);
let pageTracked = false;
function trackPageOnce(): void {
  if (pageTracked) return;
  pageTracked = true;
  trackPage();
}
/** Counts the page if the browser never got idle before the shopper left, then sends what is queued. */
function leave(): void {
  trackPageOnce();
  flush();
}
addEventListener("pagehide", leave);
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "hidden") leave();
});

const consentPrompt = document.querySelector<HTMLElement>("[data-analytics-consent]");
if (consentRequired && !gpc && consentPrompt && read(CONSENT_KEY) === null) {
  consentPrompt.hidden = false;
  consentPrompt.addEventListener("click", (event) => {
    const choice = (event.target as HTMLElement).closest<HTMLElement>("[data-consent-choice]")?.dataset.consentChoice;
    if (choice !== "granted" && choice !== "denied") return;
    write(CONSENT_KEY, choice);
    consentPrompt.hidden = true;
    if (choice === "granted") {
      pageTracked = true;
      trackPage();
    }
  });
}
// Counting the page waits for an idle moment: it reads storage and scans the page, work the first paint
// and the shopper's first tap need not wait for (leaving the page counts it at once, see `leave`).
if ("requestIdleCallback" in window) requestIdleCallback(trackPageOnce, { timeout: 3000 });
else setTimeout(trackPageOnce, 1000);

// A module, so its names stay out of the page's global scope.
export {};
