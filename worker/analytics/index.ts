/** The analytics domain's public surface: record storefront events, consume the queue, roll up days, read reports. */
export { handleAnalyticsBatch } from "./consumer";
export { countEventsBySubject, pruneAnalyticsEvents, recordEvent } from "./service/events";
export { comparisonRange, loadAnalyticsReport, loadPeriod, MAX_REPORT_DAYS, reportRange } from "./service/reports";
export { reportCsv } from "./service/exports";
export { ensureRollups, rollupDay, rollupRecentDays } from "./service/rollups";
export { analyticsSettings, updateAnalyticsSettings } from "./service/settings";
export { dayBounds, localDay } from "./days";
export type { AnalyticsEventType, AnalyticsReport, AnalyticsSettings, PeriodReport, ReportExport } from "./schema";
