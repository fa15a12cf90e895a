// The media domain's public surface: uploaded pictures (R2) and the generated product pictures.
export type { UploadedImage } from "./schema";
export { IMAGE_MAX_BYTES, readPrivatePhoto, SHOPPER_PHOTO_TYPES, storePrivatePhoto, storeShopperPhoto, storeUploadedImage } from "./service";
export { UPLOAD_TYPES } from "./store";
