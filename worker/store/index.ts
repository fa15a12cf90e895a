// The store domain's public surface: store-wide settings other domains and pages read or change.
export {
  allowedImageOrigins,
  imageUrlProblem,
  purgeStoreCache,
  securitySettings,
  setAppIcons,
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
export type { AppIcons, SecuritySettings, StorefrontSettings } from "./schema";
