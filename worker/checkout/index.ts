// Checkout's public surface: turning a cart into an order and starting its payment.
export * from "./schema";
export { HOLD_TTL_MS, PAYMENT_WINDOW_MS, placeOrder } from "./service";
