/**
 * What search engines and social networks read: JSON-LD (schema.org) for products, breadcrumbs and the
 * store, Open Graph / Twitter card facts, and plain share links (no third-party script anywhere).
 * Pure functions over what the pages already loaded; the sitemaps are in `sitemaps.ts`.
 */
import type { ProductDetail } from "../catalog";
import { decimalText } from "../lib/money";
import type { RatingSummary, Review } from "../reviews/schema";

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
  /** Individual published reviews to show as `review` (most helpful first, a few at most). */
  reviews: { author: string; rating: number; title: string; body: string; datePublished: string }[];
}

/**
 * THE seam for ratings in structured data: the reviews domain's digest of PUBLISHED reviews only (its
 * summary and its most helpful reviews), so nothing held or rejected ever reaches a search engine. Null
 * when there is nothing to show: schema.org forbids an AggregateRating with no ratings.
 */
export function publishedReviewFacts(digest: { summary: RatingSummary; reviews: Review[] } | null): ReviewFacts | null {
  if (!digest || !(digest.summary.count > 0)) return null;
  return {
    ratingValue: Math.round(digest.summary.average * 100) / 100,
    reviewCount: digest.summary.count,
    reviews: digest.reviews
      .filter((r) => r.status === "published")
      .map((r) => ({ author: r.authorName, rating: r.rating, title: r.title, body: r.body, datePublished: r.createdAt.slice(0, 10) })),
  };
}

/** One offer's shipping to the store's main country: its standard rate for that offer's price and weight. */
export interface OfferShipping {
  country: string;
  /** Minor units of the rate's currency (the base currency, as catalog prices are). */
  amount: number;
  currency: string;
  minDays: number;
  maxDays: number;
}

/** What the product page knows beyond the product itself: published reviews, shipping per SKU, the vendor. */
export interface ProductFacts {
  country?: string;
  reviews?: ReviewFacts | null;
  shipping?: Map<string, OfferShipping>;
  /** The vendor's name for a marketplace product; the store's own products name no seller. */
  seller?: string | null;
}

function shippingDetails(s: OfferShipping): JsonLd {
  return {
    "@type": "OfferShippingDetails",
    shippingRate: { "@type": "MonetaryAmount", value: Number(decimalText({ amount: s.amount, currency: s.currency })), currency: s.currency },
    shippingDestination: { "@type": "DefinedRegion", addressCountry: s.country },
    deliveryTime: {
      "@type": "ShippingDeliveryTime",
      // The rates' day ranges are the whole promise from order to door (dispatch included), so handling is
      // counted inside the transit range rather than guessed separately.
      handlingTime: { "@type": "QuantitativeValue", minValue: 0, maxValue: 0, unitCode: "DAY" },
      transitTime: { "@type": "QuantitativeValue", minValue: s.minDays, maxValue: s.maxDays, unitCode: "DAY" },
    },
  };
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
 * policy, shipping to the main country, the vendor as seller, GTIN/MPN), brand, sku, images, and ratings
 * only from published reviews (`facts.reviews`, built by `publishedReviewFacts`). Pure: the page gathers
 * the facts with `productStructuredData`.
 */
export function productJsonLd(product: ProductDetail, origin: string, options: ProductFacts = {}): JsonLd {
  const url = `${origin}/p/${product.slug}`;
  const absolute = (u: string) => new URL(u, origin).href;
  const facts = options.reviews ?? null;
  const first = product.variants[0];
  const seller = options.seller ? { seller: { "@type": "Organization", name: options.seller } } : {};
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
    // The product-level identifiers are the first variant's; each offer carries its own below.
    ...(first?.gtin ? { gtin: first.gtin } : {}),
    ...(first?.mpn ? { mpn: first.mpn } : {}),
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
      ...(v.gtin ? { gtin: v.gtin } : {}),
      ...(v.mpn ? { mpn: v.mpn } : {}),
      ...(options.shipping?.has(v.sku) ? { shippingDetails: shippingDetails(options.shipping.get(v.sku) as OfferShipping) } : {}),
      ...seller,
    })),
  };
  if (facts) {
    ld.aggregateRating = { "@type": "AggregateRating", ratingValue: facts.ratingValue, reviewCount: facts.reviewCount, bestRating: 5, worstRating: 1 };
    if (facts.reviews.length)
      ld.review = facts.reviews.map((r) => ({
        "@type": "Review",
        author: { "@type": "Person", name: r.author },
        reviewRating: { "@type": "Rating", ratingValue: r.rating, bestRating: 5, worstRating: 1 },
        ...(r.title ? { name: r.title } : {}),
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
