import { createRoute } from "@hono/zod-openapi";
import { clientIp, ipLimitKey, UNKNOWN_IP } from "../lib/client-ip";
import { createApiApp, problemResponse } from "../lib/openapi";
import { RecordEventBody } from "./schema";
import { recordEvent } from "./service/events";

const recordEventRoute = createRoute({
  method: "post",
  path: "/analytics/events",
  tags: ["Analytics"],
  summary: "Report storefront behaviour: one event, or a batch of one anonymous session",
  description:
    "Answers 202 whether or not the events were kept: requests from bots and from browsers sending Global Privacy Control (`Sec-GPC: 1`) are dropped. No personal data: the session id is random, and search texts that look like an email address or a long number are withheld.",
  request: { body: { required: true, content: { "application/json": { schema: RecordEventBody } } } },
  responses: {
    202: { description: "Accepted for processing (or dropped, see above)." },
    400: problemResponse("Invalid event."),
    415: problemResponse("Body is not JSON."),
    429: problemResponse("Too many events from this client; see Retry-After."),
  },
});

export const analyticsRoutes = createApiApp().openapi(recordEventRoute, async (c) => {
  const body = c.req.valid("json");
  const ip = clientIp(c.req.raw.headers);
  const cf = c.req.raw.cf as { country?: unknown; botManagement?: { verifiedBot?: boolean } } | undefined;
  await recordEvent(c.env, body, {
    userAgent: c.req.header("user-agent") ?? null,
    globalPrivacyControl: c.req.header("sec-gpc") === "1",
    verifiedBot: cf?.botManagement?.verifiedBot === true,
    country: cf?.country ?? c.req.header("cf-ipcountry"),
    clientKey: ip === UNKNOWN_IP ? (body.sessionId ?? null) : ipLimitKey(ip),
  });
  return c.body(null, 202);
});
