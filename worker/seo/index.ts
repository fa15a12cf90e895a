// SEO's public surface: structured data, social tags' facts and share links for the pages, and the
// sitemaps and robots.txt the front door serves.
export { APP_LINK_PATHS, appleAppSiteAssociation, assetLinks } from "./app-links";
export { offerShipping, productSeller, productStructuredData, sellerName } from "./facts";
export { seoRoutes } from "./routes";
export {
  breadcrumbJsonLd,
  type JsonLd,
  jsonLdText,
  knownImageSize,
  type OfferShipping,
  type ProductFacts,
  productJsonLd,
  publishedReviewFacts,
  type ReviewFacts,
  type ShareLink,
  shareLinks,
  storeJsonLd,
} from "./service";
export { type ShareSubject, type SocialImage, shareCardPath, shareCardPng, shareImagePath, socialImage } from "./share-images";
export { robotsTxt, SITEMAP_KINDS, SITEMAP_MAX_URLS, type SitemapKind, sitemapFile, sitemapIndex, siteOrigin } from "./sitemaps";
