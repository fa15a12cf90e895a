import { createFrontDoor, type PagesHandler } from "./front-door";
import { handleQueue } from "./queue";
import { handleScheduled } from "./scheduled";
import { receiveSupportEmail } from "./support";

/** Builds the Worker's handlers around a pages renderer. */
export function createWorker(pages: PagesHandler): ExportedHandler<Env> {
  const app = createFrontDoor(pages);
  return {
    fetch: (request, env, ctx) => app.fetch(request, env, ctx),
    queue: (batch, env) => handleQueue(batch, env),
    scheduled: (controller, env) => handleScheduled(controller, env),
    // Email Routing: replies to help-desk emails (docs/support.md). Anything else is bounced.
    email: async (message, env) => {
      const result = await receiveSupportEmail(env, message);
      if (!result.ok) message.setReject(result.reason);
    },
  };
}
