import { createRoute, z } from "@hono/zod-openapi";
import { createApiApp, problemResponse } from "../lib/openapi";
import { applyStripeWebhook } from "./service/payment-outcome";
import { receiveCarrierWebhook } from "./service/carrier-webhooks";

const Received = z
  .object({
    received: z.boolean(),
    outcome: z.enum(["applied", "duplicate", "stale", "ignored", "unknown_tracking_number"]),
  })
  .openapi("ShippingWebhookResult");

export const webhookRoutes = createApiApp()
  .openapi(
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
      const { applied } = await applyStripeWebhook(c.env, await c.req.text(), c.req.header("stripe-signature"), new URL(c.req.url).origin);
      return c.json({ received: true, applied }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/webhooks/shipping/{carrier}",
      tags: ["Webhooks"],
      summary:
        "Carrier tracking events: `easypost` (EasyPost Event, X-Hmac-Signature) or any other carrier name in the generic format (X-Signature: t=…,v1=…); deduplicated by event id, out-of-order safe",
      request: {
        params: z.object({
          carrier: z
            .string()
            .max(32)
            .openapi({ param: { name: "carrier", in: "path" }, example: "easypost" }),
        }),
        headers: z.object({
          "x-signature": z.string().optional().openapi({ description: "Generic format: t=<unix seconds>,v1=<hex HMAC-SHA256 of `<t>.<raw body>`>." }),
          "x-hmac-signature": z.string().optional().openapi({ description: "EasyPost: hmac-sha256-hex=<hex HMAC-SHA256 of the raw body>." }),
        }),
      },
      responses: {
        200: {
          description: "Applied, or already seen / older than what the parcel shows (nothing changed).",
          content: { "application/json": { schema: Received } },
        },
        202: { description: "Recorded, but no shipment has this tracking number: nothing changed.", content: { "application/json": { schema: Received } } },
        400: problemResponse("Body is not a valid event."),
        401: problemResponse("Signature missing, wrong or too old."),
        404: problemResponse("No webhook secret configured for this carrier."),
      },
    }),
    async (c) => {
      // The raw body, byte for byte: the signature covers exactly these bytes.
      const result = await receiveCarrierWebhook(
        c.env,
        c.req.valid("param").carrier,
        (name) => c.req.header(name),
        await c.req.text(),
        new URL(c.req.url).origin,
      );
      if (result.outcome === "unknown_tracking_number") return c.json({ received: true, outcome: result.outcome }, 202);
      return c.json({ received: true, outcome: result.outcome }, 200);
    },
  );
