import { createWorker } from "./worker";

export { CartSession } from "../durable-objects/cart-session";
export { ChatRoom } from "../durable-objects/chat-room";
export { InventoryLedger } from "../durable-objects/inventory-ledger";
export { PromotionCounter } from "../durable-objects/promotion-counter";
export { RateLimiter } from "../durable-objects/rate-limiter";
export { SupportInbox } from "../durable-objects/support-inbox";

/**
 * The Worker without Astro, for API, queue and Durable Object tests (the Astro
 * entry needs a build). Page paths answer 404 here.
 */
export default createWorker(async () => new Response("Pages are not part of the API test entry.", { status: 404 }));
