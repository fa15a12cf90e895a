// The store domain's public surface: store-wide settings other domains and pages read or change.
export {
  allowedImageOrigins,
  imageUrlProblem,
  purgeStoreCache,
  type StoreSettings,
  storeSettings,
  updateImageOrigins,
  updateNotificationSettings,
  updateStoreSettings,
} from "./service";
