// Every table of every domain, for drizzle-kit and for typed queries: the one place the base
// (worker/db) names domains.
export * from "./tables";
export * from "../accounts/tables";
export * from "../analytics/tables";
export * from "../catalog/tables";
export * from "../inventory/tables";
export * from "../notifications/tables";
export * from "../orders/tables";
export * from "../payments/tables";
export * from "../shipping/tables";
export * from "../store/tables";
export * from "../regions/tables";
export * from "../currency/tables";
export * from "../wishlist/tables";
