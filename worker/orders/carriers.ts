/** Carriers the store knows by name: display names and public tracking pages. */
export const CARRIERS = {
  ups: { name: "UPS", url: (n: string) => `https://www.ups.com/track?loc=en_US&tracknum=${n}` },
  usps: { name: "USPS", url: (n: string) => `https://tools.usps.com/go/TrackConfirmAction?tLabels=${n}` },
  fedex: { name: "FedEx", url: (n: string) => `https://www.fedex.com/fedextrack/?trknbr=${n}` },
  dhl: { name: "DHL", url: (n: string) => `https://www.dhl.com/global-en/home/tracking/tracking-express.html?submit=1&tracking-id=${n}` },
  royal_mail: { name: "Royal Mail", url: (n: string) => `https://www.royalmail.com/track-your-item#/tracking-results/${n}` },
  canada_post: { name: "Canada Post", url: (n: string) => `https://www.canadapost-postescanada.ca/track-reperage/en#/search?searchFor=${n}` },
} as const satisfies Record<string, { name: string; url: (n: string) => string }>;

export type KnownCarrier = keyof typeof CARRIERS;

/** "Royal Mail", "royal-mail", "ROYALMAIL" → "royal_mail"; unknown names become a slug of themselves. */
export function carrierSlug(input: string): string {
  const slug = input
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
  const compact = slug.replace(/_/g, "");
  for (const key of Object.keys(CARRIERS)) if (key.replace(/_/g, "") === compact) return key;
  if (compact === "fedexground" || compact === "fedexexpress") return "fedex";
  if (compact === "dhlexpress") return "dhl";
  return slug || "other";
}

export function carrierName(slug: string): string {
  return (CARRIERS as Record<string, { name: string }>)[slug]?.name ?? slug.replace(/_/g, " ").replace(/\b\w/g, (c) => c.toUpperCase());
}

/** The carrier's public tracking page for a number, or null for carriers the store does not know. */
export function trackingUrlFor(slug: string, trackingNumber: string): string | null {
  const carrier = (CARRIERS as Record<string, { url: (n: string) => string }>)[slug];
  return carrier ? carrier.url(encodeURIComponent(trackingNumber)) : null;
}
