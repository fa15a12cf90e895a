import { preactIsland } from "../lib/island";
import { useEffect, useState } from "preact/hooks";
import { type Schemas, storeApi } from "../../sdk";
import { type DisplayCurrency, formatPrice } from "../lib/format";

type ProductSummary = Schemas["ProductSummary"];

/** The browser's own list of product ids, newest first: it never leaves the device except to this store's API. */
const STORAGE_KEY = "recently-viewed";
const REMEMBERED = 12;

interface Props {
  /** "recent": the recently viewed products; "for-you": picked from the shopper's orders and wishlist (signed in) and what this browser viewed. */
  mode: "recent" | "for-you";
  title: string;
  display: DisplayCurrency;
  /** The product on this page: remembered as viewed and never listed. */
  productId?: string;
}

function remembered(): string[] {
  try {
    const list = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? "[]");
    return Array.isArray(list) ? list.filter((id): id is string => typeof id === "string" && /^[A-Za-z0-9_-]{1,64}$/.test(id)) : [];
  } catch {
    return [];
  }
}

function remember(productId: string): void {
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify([productId, ...remembered().filter((id) => id !== productId)].slice(0, REMEMBERED)));
  } catch {
    // Storage off (private mode, quota): the shelf just stays empty.
  }
}

/**
 * A row of product cards loaded after the page: pages that are cached for everyone (product, home)
 * cannot carry one shopper's list, so the browser asks for it. Renders nothing until there is something.
 */
export default function ProductShelf({ mode, title, display, productId }: Props) {
  const [items, setItems] = useState<ProductSummary[]>([]);
  useEffect(() => {
    const viewed = remembered();
    if (productId) remember(productId);
    const load = async () => {
      if (mode === "recent") {
        const ids = viewed.filter((id) => id !== productId);
        if (ids.length === 0) return;
        const { data } = await storeApi.GET("/api/recommendations/recently-viewed", {
          params: { query: { ids: ids.join(","), ...(productId ? { except: productId } : {}) } },
        });
        setItems(data?.items ?? []);
      } else {
        const { data } = await storeApi.GET("/api/recommendations/for-you", { params: { query: viewed.length ? { viewed: viewed.join(",") } : {} } });
        setItems(data?.items ?? []);
      }
    };
    load().catch(() => setItems([]));
  }, [mode, productId]);

  if (items.length === 0) return null;
  const headingId = `shelf-${mode}`;
  return (
    <section class="section" aria-labelledby={headingId} data-shelf={mode}>
      <div class="section-header">
        <h2 id={headingId}>{title}</h2>
      </div>
      <ul class="product-grid product-grid--compact">
        {items.map((p) => (
          <li key={p.id}>
            <article class="card">
              <div class="card-media">
                {p.image && <img src={p.image.url} alt={p.image.alt} width={400} height={400} loading="lazy" decoding="async" />}
                {!p.inStock && (
                  <p class="card-badges">
                    <span class="badge badge--muted">Sold out</span>
                  </p>
                )}
              </div>
              <div class="card-body">
                {p.brand && <p class="card-brand">{p.brand.name}</p>}
                <h3 class="card-title">
                  <a class="card-link" href={`/p/${p.slug}`}>
                    {p.name}
                  </a>
                </h3>
                {p.seller && (
                  <p class="card-seller" data-card-seller={p.seller.handle}>
                    Sold by <a href={`/v/${encodeURIComponent(p.seller.handle)}`}>{p.seller.name}</a>
                  </p>
                )}
                <p class="price">
                  <span class="price-now">{formatPrice(p.price, display)}</span>
                </p>
              </div>
            </article>
          </li>
        ))}
      </ul>
    </section>
  );
}

preactIsland(ProductShelf);
