// The cart domain's public surface (what later domains and pages call).
export { resolveCartId } from "./http";
export { viewCart } from "./service";
