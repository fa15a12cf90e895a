// The backoffice domain's public surface: staff read models that span domains.
export { settingsOverview } from "./settings";
export type { SettingsOverview } from "./settings-schema";
