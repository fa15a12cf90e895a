import { createRoute, z } from "@hono/zod-openapi";
import { createApiApp, problemResponse } from "../lib/openapi";
import { applyPaymentOutcome } from "./service";
import { readStripeEvent } from "./stripe";

export const webhookRoutes = createApiApp().openapi(
  createRoute({
    method: "post",
    path: "/webhooks/stripe",
    tags: ["Webhooks"],
    summary: "Stripe events: signature-verified on the raw body, handled once per event id, 2xx only after they are durably applied",
    request: { headers: z.object({ "stripe-signature": z.string().optional() }) },
    responses: {
      200: {
        description: "Handled (or nothing to do).",
        content: { "application/json": { schema: z.object({ received: z.boolean(), applied: z.boolean() }) } },
      },
      400: problemResponse("Bad signature or stale timestamp."),
    },
  }),
  async (c) => {
    // The raw body, byte for byte: parsing first would break the signature.
    const raw = await c.req.text();
    const { outcome } = await readStripeEvent(c.env, raw, c.req.header("stripe-signature"));
    const applied = outcome ? (await applyPaymentOutcome(c.env, outcome, new URL(c.req.url).origin)).applied : false;
    return c.json({ received: true, applied }, 200);
  },
);
