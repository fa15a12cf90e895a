/** The analytics domain's public surface: record a storefront event, consume the queue, read and prune counts. */
export { handleAnalyticsBatch } from "./consumer";
export { countEventsBySubject, pruneAnalyticsEvents, recordEvent } from "./service";
