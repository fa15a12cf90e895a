// The media domain's public surface: uploaded pictures (R2) and the generated product pictures.
export type { UploadedImage } from "./schema";
export { IMAGE_MAX_BYTES, SHOPPER_PHOTO_TYPES, storeShopperPhoto, storeUploadedImage } from "./service";
