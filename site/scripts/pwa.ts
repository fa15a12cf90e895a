// The installable app on the page: registers the service worker once the page has loaded, keeps the cart
// readable offline, and shows the install and "new version" prompts of site/components/pwa/PwaControls.astro.

interface CartSnapshot {
  savedAt: string;
  itemCount: number;
  subtotal: string;
  items: { name: string; variant: string | null; quantity: number; total: string; href: string | null }[];
}
/** The event Chromium fires when the page may be installed (not in the DOM typings yet). */
interface BeforeInstallPromptEvent extends Event {
  prompt(): Promise<void>;
  userChoice: Promise<{ outcome: "accepted" | "dismissed" }>;
}

const SNAPSHOT_KEY = "ec:cart-snapshot";
const DISMISSED_KEY = "ec:install-dismissed";

function storage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

function readSnapshot(): CartSnapshot | null {
  try {
    const raw = storage()?.getItem(SNAPSHOT_KEY);
    return raw ? (JSON.parse(raw) as CartSnapshot) : null;
  } catch {
    return null;
  }
}

/** The cart page leaves its contents for offline reading; signing in or out forgets them (another person may use the device next). */
function keepCartSnapshot(): void {
  const source = document.querySelector<HTMLElement>("[data-cart-snapshot]");
  if (source?.dataset.cartSnapshot) storage()?.setItem(SNAPSHOT_KEY, source.dataset.cartSnapshot);
  else if (/^\/account\/(?:login|logout)\b/.test(location.pathname)) storage()?.removeItem(SNAPSHOT_KEY);
}

/** The offline page, served for /cart, shows the saved cart; served for any other page, says what works offline. */
function showOfflineCart(): void {
  const section = document.querySelector<HTMLElement>("[data-offline-cart]");
  if (!section || location.pathname !== "/cart") return;
  document.querySelector<HTMLElement>("[data-offline-general]")?.setAttribute("hidden", "");
  section.hidden = false;
  document.title = document.title.replace(/^Offline/, "Your cart (offline)");
  const snapshot = readSnapshot();
  const list = section.querySelector<HTMLUListElement>("[data-offline-cart-lines]");
  if (!snapshot || snapshot.items.length === 0 || !list) {
    section.querySelector<HTMLElement>("[data-offline-cart-empty]")?.removeAttribute("hidden");
    return;
  }
  const saved = section.querySelector<HTMLElement>("[data-offline-cart-saved]");
  const when = new Date(snapshot.savedAt);
  if (saved && !Number.isNaN(when.getTime())) saved.textContent = ` (${when.toLocaleString()})`;
  list.replaceChildren(
    ...snapshot.items.map((item) => {
      const li = document.createElement("li");
      const name = document.createElement(item.href ? "a" : "span");
      if (item.href && name instanceof HTMLAnchorElement) name.href = item.href;
      name.textContent = `${item.quantity} × ${item.name}${item.variant ? ` (${item.variant})` : ""}`;
      const total = document.createElement("span");
      total.textContent = item.total;
      li.appendChild(name);
      li.appendChild(total);
      return li;
    }),
  );
  const subtotal = section.querySelector<HTMLElement>("[data-offline-cart-subtotal]");
  if (subtotal) subtotal.textContent = snapshot.subtotal;
  section.querySelector<HTMLElement>("[data-offline-cart-totals]")?.removeAttribute("hidden");
}

/** Pages kept for offline reading were rendered without the cart: offline, the header counts the saved one. */
function showSavedCartCount(): void {
  if (navigator.onLine) return;
  const snapshot = readSnapshot();
  if (!snapshot) return;
  for (const el of document.querySelectorAll<HTMLElement>("[data-cart-count]")) el.textContent = String(snapshot.itemCount);
}

function prompt(name: "install" | "ios" | "update"): HTMLElement | null {
  return document.querySelector<HTMLElement>(`[data-pwa-${name}]`);
}

function setUpInstall(): void {
  const standalone = window.matchMedia("(display-mode: standalone)").matches || (navigator as { standalone?: boolean }).standalone === true;
  if (standalone || storage()?.getItem(DISMISSED_KEY)) return;
  for (const button of document.querySelectorAll<HTMLButtonElement>("[data-pwa-dismiss]")) {
    button.addEventListener("click", () => {
      storage()?.setItem(DISMISSED_KEY, new Date().toISOString());
      button.closest<HTMLElement>(".pwa-prompt")?.setAttribute("hidden", "");
    });
  }
  // Safari on iPhone and iPad offers no prompt: say where "Add to Home Screen" is.
  const ios = /iPad|iPhone|iPod/.test(navigator.userAgent) || (navigator.platform === "MacIntel" && navigator.maxTouchPoints > 1);
  if (ios) {
    const el = prompt("ios");
    if (el) el.hidden = false;
    return;
  }
  window.addEventListener("beforeinstallprompt", (event) => {
    event.preventDefault();
    const offer = event as BeforeInstallPromptEvent;
    const el = prompt("install");
    if (!el) return;
    el.hidden = false;
    el.querySelector<HTMLButtonElement>("[data-pwa-install-button]")?.addEventListener(
      "click",
      async () => {
        el.hidden = true;
        await offer.prompt();
        await offer.userChoice.catch(() => undefined);
      },
      { once: true },
    );
  });
  window.addEventListener("appinstalled", () => prompt("install")?.setAttribute("hidden", ""));
}

/** Set when the shopper presses "Reload": only then does a new worker replacing the controller reload the page. */
let updateAccepted = false;

/** A newer service worker waits until the shopper reloads through the prompt; then every tab moves to it. */
function offerUpdate(waiting: ServiceWorker): void {
  const el = prompt("update");
  if (!el) return;
  el.hidden = false;
  el.querySelector<HTMLButtonElement>("[data-pwa-reload]")?.addEventListener(
    "click",
    () => {
      updateAccepted = true;
      waiting.postMessage({ type: "skip-waiting" });
    },
    { once: true },
  );
}

async function register(): Promise<void> {
  const registration = await navigator.serviceWorker.register("/sw.js", { scope: "/" });
  let reloading = false;
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    // The first install takes over a page without asking (nothing changes on it); an update reloads once accepted.
    if (reloading || !updateAccepted) return;
    reloading = true;
    location.reload();
  });
  if (registration.waiting && navigator.serviceWorker.controller) offerUpdate(registration.waiting);
  registration.addEventListener("updatefound", () => {
    const installing = registration.installing;
    installing?.addEventListener("statechange", () => {
      if (installing.state === "installed" && navigator.serviceWorker.controller) offerUpdate(installing);
    });
  });
}

keepCartSnapshot();
showOfflineCart();
showSavedCartCount();
setUpInstall();
if ("serviceWorker" in navigator) {
  // After the load event and then an idle moment: the worker's precache downloads never compete with the
  // page's own requests, and registering never lands in the middle of the islands' hydration.
  const later = () => {
    const go = () => void register().catch(() => undefined);
    if ("requestIdleCallback" in window) requestIdleCallback(go, { timeout: 5000 });
    else setTimeout(go, 500);
  };
  if (document.readyState === "complete") later();
  else window.addEventListener("load", later, { once: true });
}
