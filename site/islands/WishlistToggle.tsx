import { preactIsland } from "../lib/island";
import { useEffect, useState } from "preact/hooks";
import { type Schemas, storeApi } from "../../sdk";

type Wishlist = Schemas["Wishlist"];

interface Props {
  /** The SKU to save; or `product` (a slug) when the caller knows no SKU (product cards). */
  sku?: string;
  product?: string;
  name: string;
  /** Variants to choose from (product page with several variants). */
  variants?: { sku: string; title: string }[];
  compact?: boolean;
  /** Where the plain form post comes back to (the page it was sent from). */
  returnTo: string;
  /** Back from a plain form post (`?wished=`): say so next to the button. */
  saved?: boolean;
}

// One read of the caller's list per page, however many buttons hydrate: a listing shows 24 cards.
let current: Promise<Wishlist | null> | null = null;
const listeners = new Set<(list: Wishlist) => void>();

/** The header's wishlist count (cached pages are the same for everyone, so it is filled in here). */
function showCount(list: Wishlist): void {
  const count = document.querySelector<HTMLElement>("[data-wishlist-count]");
  const number = count?.querySelector<HTMLElement>("[data-wishlist-count-number]");
  if (count && number) {
    number.textContent = String(list.itemCount);
    count.hidden = list.itemCount === 0;
  }
}

function loadWishlist(): Promise<Wishlist | null> {
  current ??= storeApi
    .GET("/api/wishlist")
    .then(({ data }) => {
      if (data) showCount(data);
      return data ?? null;
    })
    .catch(() => null);
  return current;
}

/** Every button and the header's count follow the list the API answered last. */
function publish(list: Wishlist): void {
  current = Promise.resolve(list);
  for (const listener of listeners) listener(list);
  showCount(list);
}

/** After a refusal the page may be out of date (another tab changed the list): read it again. */
function refresh(): void {
  current = null;
  loadWishlist().then((list) => {
    if (list) publish(list);
  });
}

function problemMessage(status: number, error: unknown): string {
  refresh();
  if (status === 429) return "Too many changes at once. Wait a moment and try again.";
  const detail = (error as { detail?: unknown } | undefined)?.detail;
  return typeof detail === "string" && detail ? detail : "Your wish list could not be changed. Try again.";
}

/** The SKU a card saves, as the plain form chooses it: the first variant on sale, else the first. */
async function skuOfProduct(slug: string): Promise<string | null> {
  const { data } = await storeApi.GET("/api/products/{slug}", { params: { path: { slug } } });
  if (!data) return null;
  return (data.variants.find((v) => v.stockStatus !== "out_of_stock") ?? data.variants[0])?.sku ?? null;
}

/**
 * The save button of cards and product pages. Rendered on the server as the plain form post to
 * `/wishlist` (so it works without JavaScript); once hydrated it becomes a toggle that calls the
 * wishlist API, shows whether this visitor saved the item and announces each change politely.
 */
export default function WishlistToggle({ sku, product, name, variants = [], compact = false, returnTo, saved = false }: Props) {
  const [list, setList] = useState<Wishlist | null>(null);
  const [chosen, setChosen] = useState(sku ?? variants[0]?.sku ?? "");
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState("");

  useEffect(() => {
    listeners.add(setList);
    loadWishlist().then((loaded) => {
      if (loaded) setList(loaded);
    });
    return () => listeners.delete(setList);
  }, []);

  const ready = list !== null;
  // A card knows no SKU: it is saved when any variant of its product is on the list.
  const savedItem = list?.items.find((item) => (product && !sku ? item.productSlug === product : item.sku === chosen));
  const pressed = !!savedItem;

  const submit = async (event: Event) => {
    if (!ready) return; // Not hydrated with the list yet: the plain form post does the job.
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    try {
      if (savedItem) {
        const { data, error, response } = await storeApi.DELETE("/api/wishlist/items/{sku}", { params: { path: { sku: savedItem.sku } } });
        if (data) {
          publish(data);
          setMessage("Removed");
        } else setMessage(problemMessage(response.status, error));
      } else {
        const target = product && !sku ? await skuOfProduct(product) : chosen;
        if (!target) {
          setMessage("This product is no longer sold.");
          return;
        }
        const { data, error, response } = await storeApi.POST("/api/wishlist/items", { body: { sku: target } });
        if (data) {
          publish(data);
          setMessage("Saved to your wish list");
        } else setMessage(problemMessage(response.status, error));
      }
    } catch {
      setMessage("You seem to be offline. Try again.");
    } finally {
      setBusy(false);
    }
  };

  const id = `wish-${(sku ?? product ?? "x").toLowerCase()}`;
  return (
    <form method="post" action="/wishlist" class={`wish-form${compact ? " wish-form--compact" : ""}`} onSubmit={submit}>
      <input type="hidden" name="action" value="add" />
      <input type="hidden" name="returnTo" value={returnTo} />
      {product && !sku && <input type="hidden" name="product" value={product} />}
      {variants.length > 1 ? (
        <>
          <label class="sr-only" for={id}>
            Variant to save
          </label>
          <select class="select wish-variant" id={id} name="sku" value={chosen} onChange={(e) => setChosen((e.target as HTMLSelectElement).value)}>
            {variants.map((v) => (
              <option key={v.sku} value={v.sku}>
                {v.title}
              </option>
            ))}
          </select>
        </>
      ) : (
        sku && <input type="hidden" name="sku" value={sku} />
      )}
      <button
        class={`button button--secondary${compact ? " button--small" : ""} wish-button`}
        type="submit"
        aria-label={`Save ${name} to your wishlist`}
        aria-pressed={ready ? (pressed ? "true" : "false") : undefined}
        aria-busy={busy ? "true" : undefined}
      >
        <svg aria-hidden="true" viewBox="0 0 24 24" width="18" height="18">
          <path
            d="M12 20.5 4.2 12.8a4.9 4.9 0 0 1 7-7l.8.8.8-.8a4.9 4.9 0 0 1 7 7Z"
            fill={pressed ? "currentColor" : "none"}
            stroke="currentColor"
            stroke-width="1.8"
            stroke-linejoin="round"
          />
        </svg>
        <span>{pressed ? "Saved" : compact ? "Save" : "Save to wishlist"}</span>
      </button>
      <p class="wish-saved small" role="status" aria-live="polite">
        {message ? (
          message
        ) : saved ? (
          <>
            Saved. <a href="/wishlist">View wishlist</a>
          </>
        ) : null}
      </p>
    </form>
  );
}

preactIsland(WishlistToggle);
