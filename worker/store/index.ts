// The store domain's public surface: store-wide settings other domains and pages read or change.
export {
  allowedImageOrigins,
  imageUrlProblem,
  purgeStoreCache,
  securitySettings,
  STOREFRONT_DEFAULTS,
  type StoreSettings,
  storefrontSettings,
  storeSettings,
  updateImageOrigins,
  updateNotificationSettings,
  updateSecuritySettings,
  updateStoreSettings,
  updateStorefrontSettings,
} from "./service";
export type { SecuritySettings, StorefrontSettings } from "./schema";
