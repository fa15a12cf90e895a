/** The analytics domain's public surface: record storefront events, consume the queue, roll up days, read reports. */
export { handleAnalyticsBatch } from "./consumer";
export { dayBounds, localDay } from "./days";
export type {
  AnalyticsEventType,
  AnalyticsReport,
  AnalyticsSettings,
  PeriodReport,
  ReportExport,
  VendorAnalyticsReport,
  VendorFigures,
  VendorPeriodReport,
} from "./schema";
export { countEventsBySubject, pruneAnalyticsEvents, recordEvent } from "./service/events";
export { reportCsv } from "./service/exports";
export { comparisonRange, MAX_REPORT_DAYS, reportRange } from "./service/range";
export { loadAnalyticsReport, loadPeriod } from "./service/reports";
export { ensureRollups, rollupDay, rollupRecentDays } from "./service/rollups";
export { analyticsSettings, updateAnalyticsSettings } from "./service/settings";
export { loadVendorAnalyticsReport } from "./service/vendors";
