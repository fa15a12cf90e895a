/** The back office's public surface: staff read models that span domains (pages call these). */
export { AuditQuery, type AuditPage, type Overview, UserOrdersQuery } from "./schema";
export { searchAudit } from "./service/audit";
export { loadOverview, periodStarts, REVENUE_STATUSES } from "./service/dashboard";
export { listUserOrdersForStaff } from "./service/user-orders";
export { settingsOverview } from "./settings";
export type { SettingsOverview } from "./settings-schema";
