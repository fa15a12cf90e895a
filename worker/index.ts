import { handle } from "@astrojs/cloudflare/handler";
import { createWorker } from "./worker";

// Durable Object classes are exported here as their issues add them.

/** The one Worker: Hono in front, Astro renders every page path. */
export default createWorker((request, env, ctx) => handle(request, env, ctx));
