// The store domain's public surface: store-wide settings other domains and pages read or change.
export {
  allowedImageOrigins,
  imageUrlProblem,
  purgeStoreCache,
  securitySettings,
  type StoreSettings,
  storeSettings,
  updateImageOrigins,
  updateNotificationSettings,
  updateSecuritySettings,
  updateStoreSettings,
} from "./service";
export type { SecuritySettings } from "./schema";
