// SEO's public surface: structured data, social tags' facts and share links for the pages, and the
// sitemaps and robots.txt the front door serves.
export { seoRoutes } from "./routes";
export {
  breadcrumbJsonLd,
  type JsonLd,
  jsonLdText,
  knownImageSize,
  productJsonLd,
  publishedReviewFacts,
  type ReviewFacts,
  type ShareLink,
  shareLinks,
  storeJsonLd,
} from "./service";
export { robotsTxt, SITEMAP_MAX_URLS, sitemapFile, sitemapIndex, siteOrigin } from "./sitemaps";
