import { handle } from "@astrojs/cloudflare/handler";
import { createWorker } from "./worker";

export { CartSession } from "../durable-objects/cart-session";
export { ChatRoom } from "../durable-objects/chat-room";
export { InventoryLedger } from "../durable-objects/inventory-ledger";
export { PromotionCounter } from "../durable-objects/promotion-counter";
export { RateLimiter } from "../durable-objects/rate-limiter";
export { SupportInbox } from "../durable-objects/support-inbox";

/** The one Worker: Hono in front, Astro renders every page path. */
export default createWorker((request, env, ctx) => handle(request, env, ctx));
