/**
 * Google's merchant-listing rules for Product structured data (developers.google.com, "Merchant listing
 * (Product, Offer) structured data"), as a checker: `required` problems make a page ineligible,
 * `recommended` ones are the fields Google asks for to show more. Shared by the API and browser tests.
 */
type Json = Record<string, unknown>;

const AVAILABILITY = new Set(
  [
    "BackOrder",
    "Discontinued",
    "InStock",
    "InStoreOnly",
    "LimitedAvailability",
    "MadeToOrder",
    "OnlineOnly",
    "OutOfStock",
    "PreOrder",
    "PreSale",
    "SoldOut",
  ].map((v) => `https://schema.org/${v}`),
);
const CONDITION = new Set(["NewCondition", "RefurbishedCondition", "UsedCondition", "DamagedCondition"].map((v) => `https://schema.org/${v}`));

const isText = (v: unknown) => typeof v === "string" && v.trim().length > 0;
const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]);

export function merchantListingProblems(product: Json): { required: string[]; recommended: string[] } {
  const required: string[] = [];
  const recommended: string[] = [];
  if (product["@type"] !== "Product") required.push("@type is not Product");
  if (!isText(product.name)) required.push("name");
  const images = asArray(product.image);
  if (!images.length || !images.every((i) => isText(i) && /^https?:\/\//.test(i as string))) required.push("image (absolute URLs)");
  const offers = asArray(product.offers) as Json[];
  if (!offers.length) required.push("offers");
  offers.forEach((offer, i) => {
    const at = `offers[${i}]`;
    if (offer["@type"] !== "Offer") required.push(`${at}.@type is not Offer`);
    const price = Number(offer.price);
    if (!(typeof offer.price === "string" || typeof offer.price === "number") || !Number.isFinite(price) || price <= 0) required.push(`${at}.price (> 0)`);
    if (typeof offer.price === "string" && !/^\d+(\.\d+)?$/.test(offer.price)) required.push(`${at}.price (plain decimal, no symbol or comma)`);
    if (!(typeof offer.priceCurrency === "string" && /^[A-Z]{3}$/.test(offer.priceCurrency))) required.push(`${at}.priceCurrency (ISO 4217)`);
    if (!AVAILABILITY.has(offer.availability as string)) recommended.push(`${at}.availability`);
    if (!CONDITION.has(offer.itemCondition as string)) recommended.push(`${at}.itemCondition`);
    if (!(isText(offer.url) && /^https?:\/\//.test(offer.url as string))) recommended.push(`${at}.url`);
    if (!offer.hasMerchantReturnPolicy) recommended.push(`${at}.hasMerchantReturnPolicy`);
    if (!offer.shippingDetails) recommended.push(`${at}.shippingDetails`);
  });
  if (!isText(product.description)) recommended.push("description");
  if (!isText(product.sku)) recommended.push("sku");
  const brand = product.brand as Json | undefined;
  if (!brand || !isText(brand.name)) recommended.push("brand.name");
  if (!["gtin", "gtin8", "gtin12", "gtin13", "gtin14", "mpn", "isbn"].some((k) => isText(product[k]))) recommended.push("gtin or mpn");
  const rating = product.aggregateRating as Json | undefined;
  if (rating) {
    const value = Number(rating.ratingValue);
    if (!Number.isFinite(value) || value < 1 || value > 5) required.push("aggregateRating.ratingValue (1–5)");
    if (!(Number(rating.reviewCount) > 0 || Number(rating.ratingCount) > 0)) required.push("aggregateRating.reviewCount or ratingCount (> 0)");
  } else recommended.push("aggregateRating");
  for (const [i, review] of asArray(product.review).entries()) {
    const r = review as Json;
    if (!r.author || !(r.reviewRating as Json | undefined)?.ratingValue) required.push(`review[${i}] (author and reviewRating)`);
  }
  if (!product.review) recommended.push("review");
  return { required, recommended };
}
