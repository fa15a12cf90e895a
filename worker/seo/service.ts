/**
 * What search engines and social networks read: JSON-LD (schema.org) for products, breadcrumbs and the
 * store, Open Graph / Twitter card facts, and plain share links (no third-party script anywhere).
 * Pure functions over what the pages already loaded; the sitemaps are in `sitemaps.ts`.
 */
import type { ProductDetail } from "../catalog";
import { decimalText } from "../lib/money";

export type JsonLd = Record<string, unknown>;

const SCHEMA = "https://schema.org";
const AVAILABILITY = {
  in_stock: `${SCHEMA}/InStock`,
  low_stock: `${SCHEMA}/LimitedAvailability`,
  out_of_stock: `${SCHEMA}/OutOfStock`,
} as const;

/** A picture's size when the store knows it: generated product pictures are 800×800 SVGs. */
export function knownImageSize(url: string): { width: number; height: number } | null {
  return /\/media\/products\/[a-z0-9-]+\/\d+\.svg$/.test(url) ? { width: 800, height: 800 } : null;
}

export interface ReviewFacts {
  ratingValue: number;
  reviewCount: number;
  /** Individual published reviews to show as `review` (newest first, a few at most). */
  reviews: { author: string; rating: number; body: string; datePublished: string }[];
}

/**
 * THE seam for ratings in structured data. Today it reads the rating summary catalog keeps on the
 * product (`product.rating`) and has no individual reviews; when the reviews domain publishes reviews
 * (and keeps that summary from published reviews only), this is the one function to change so that
 * `aggregateRating` and `review` come from them. Null when there is nothing to show: schema.org
 * forbids an AggregateRating with no ratings.
 */
export function publishedReviewFacts(product: Pick<ProductDetail, "rating">): ReviewFacts | null {
  if (!(product.rating.count > 0)) return null;
  return { ratingValue: Math.round(product.rating.average * 100) / 100, reviewCount: product.rating.count, reviews: [] };
}

/** The return promise every product page makes ("Free 30-day returns"), as Google's merchant listings want it. */
function returnPolicy(country: string): JsonLd {
  return {
    "@type": "MerchantReturnPolicy",
    applicableCountry: country,
    returnPolicyCategory: `${SCHEMA}/MerchantReturnFiniteReturnWindow`,
    merchantReturnDays: 30,
    returnMethod: `${SCHEMA}/ReturnByMail`,
    returnFees: `${SCHEMA}/FreeReturn`,
  };
}

/**
 * Product JSON-LD for a product page: one Offer per variant (price as a decimal string in the
 * product's currency, availability, the page's URL with the variant selected, condition, return
 * policy), brand, sku, images, and ratings only through `publishedReviewFacts`.
 */
export function productJsonLd(product: ProductDetail, origin: string, options: { country?: string } = {}): JsonLd {
  const url = `${origin}/p/${product.slug}`;
  const absolute = (u: string) => new URL(u, origin).href;
  const facts = publishedReviewFacts(product);
  const first = product.variants[0];
  const ld: JsonLd = {
    "@context": SCHEMA,
    "@type": "Product",
    "@id": `${url}#product`,
    name: product.name,
    description: product.seo.description || product.description.slice(0, 5000),
    url,
    sku: first?.sku,
    image: product.images.map((i) => absolute(i.url)),
    category: product.category.name || undefined,
    ...(product.brand ? { brand: { "@type": "Brand", name: product.brand.name } } : {}),
    offers: product.variants.map((v) => ({
      "@type": "Offer",
      sku: v.sku,
      name: v.title === "Default" ? product.name : `${product.name} – ${v.title}`,
      url: product.variants.length > 1 ? `${url}?sku=${encodeURIComponent(v.sku)}` : url,
      price: decimalText(v.price),
      priceCurrency: v.price.currency,
      availability: AVAILABILITY[v.stockStatus],
      itemCondition: `${SCHEMA}/NewCondition`,
      hasMerchantReturnPolicy: returnPolicy(options.country ?? "US"),
    })),
  };
  if (facts) {
    ld.aggregateRating = { "@type": "AggregateRating", ratingValue: facts.ratingValue, reviewCount: facts.reviewCount, bestRating: 5, worstRating: 1 };
    if (facts.reviews.length)
      ld.review = facts.reviews.map((r) => ({
        "@type": "Review",
        author: { "@type": "Person", name: r.author },
        reviewRating: { "@type": "Rating", ratingValue: r.rating, bestRating: 5, worstRating: 1 },
        reviewBody: r.body,
        datePublished: r.datePublished,
      }));
  }
  return ld;
}

/** BreadcrumbList from the trail a page shows (the last crumb, the page itself, may have no link). */
export function breadcrumbJsonLd(items: { name: string; href?: string }[], origin: string, currentPath: string): JsonLd {
  return {
    "@context": SCHEMA,
    "@type": "BreadcrumbList",
    itemListElement: items.map((item, i) => ({
      "@type": "ListItem",
      position: i + 1,
      name: item.name,
      item: new URL(item.href ?? currentPath, origin).href,
    })),
  };
}

/** The store as an Organization and its WebSite with a SearchAction (the sitelinks search box), for the home page. */
export function storeJsonLd(storeName: string, origin: string): JsonLd[] {
  return [
    { "@context": SCHEMA, "@type": "Organization", "@id": `${origin}/#organization`, name: storeName, url: `${origin}/`, logo: `${origin}/favicon.svg` },
    {
      "@context": SCHEMA,
      "@type": "WebSite",
      "@id": `${origin}/#website`,
      name: storeName,
      url: `${origin}/`,
      publisher: { "@id": `${origin}/#organization` },
      potentialAction: {
        "@type": "SearchAction",
        target: { "@type": "EntryPoint", urlTemplate: `${origin}/search?q={search_term_string}` },
        "query-input": "required name=search_term_string",
      },
    },
  ];
}

/**
 * JSON for a `<script type="application/ld+json">` block: `<`, `>` and `&` (and the two line
 * separators JavaScript parsers choke on) become \u escapes, so no text from the catalog can close
 * the script element or open a comment. The result is still the same JSON.
 */
export function jsonLdText(data: JsonLd | JsonLd[]): string {
  return JSON.stringify(data).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

export interface ShareLink {
  network: "x" | "facebook" | "pinterest" | "whatsapp" | "email";
  label: string;
  href: string;
}

/** Plain share links (each network's own share URL; nothing is loaded from them until a person clicks). */
export function shareLinks(pageUrl: string, title: string, imageUrl?: string | null): ShareLink[] {
  const u = encodeURIComponent(pageUrl);
  const t = encodeURIComponent(title);
  return [
    { network: "x", label: "Share on X", href: `https://x.com/intent/post?url=${u}&text=${t}` },
    { network: "facebook", label: "Share on Facebook", href: `https://www.facebook.com/sharer/sharer.php?u=${u}` },
    {
      network: "pinterest",
      label: "Save on Pinterest",
      href: `https://www.pinterest.com/pin/create/button/?url=${u}&description=${t}${imageUrl ? `&media=${encodeURIComponent(imageUrl)}` : ""}`,
    },
    { network: "whatsapp", label: "Share on WhatsApp", href: `https://wa.me/?text=${encodeURIComponent(`${title} ${pageUrl}`)}` },
    { network: "email", label: "Share by email", href: `mailto:?subject=${t}&body=${encodeURIComponent(`${title}\n\n${pageUrl}`)}` },
  ];
}
