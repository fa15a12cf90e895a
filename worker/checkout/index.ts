// Checkout's public surface: turning a cart into an order and starting its payment.
export * from "./schema";
export { HOLD_TTL_MS } from "./service/holds";
export { PAYMENT_WINDOW_MS } from "./service/payment";
export { placeOrder } from "./service/place-order";
