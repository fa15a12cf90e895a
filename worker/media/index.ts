// The media domain's public surface: uploaded pictures (R2) and the generated product pictures.
export type { UploadedImage } from "./schema";
export {
  APP_ICON_MAX_SIDE,
  APP_ICON_MIN_SIDE,
  IMAGE_MAX_BYTES,
  type PrivatePhotoOwner,
  readPrivatePhoto,
  registerPrivatePhotoOwner,
  resetAppIcon,
  SHOPPER_PHOTO_TYPES,
  storePrivatePhoto,
  storeShopperPhoto,
  storeUploadedImage,
  sweepOrphanPrivatePhotos,
  uploadAppIcon,
} from "./service";
export { pickColor } from "./product-image";
export { type RasterSize, rasterSize, uploadedRasterSize } from "./raster-size";
export { renderShareCard, SHARE_CARD_HEIGHT, SHARE_CARD_WIDTH, type ShareCard } from "./share-card";
export { UPLOAD_TYPES } from "./store";
