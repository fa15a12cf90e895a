import { createRoute } from "@hono/zod-openapi";
import { createApiApp, problemResponse } from "../lib/openapi";
import { RecordEventBody } from "./schema";
import { recordEvent } from "./service";

const recordEventRoute = createRoute({
  method: "post",
  path: "/analytics/events",
  tags: ["Analytics"],
  summary: "Report a storefront event (product viewed, search, category viewed)",
  request: { body: { required: true, content: { "application/json": { schema: RecordEventBody } } } },
  responses: {
    202: { description: "Accepted for processing." },
    400: problemResponse("Invalid event."),
    415: problemResponse("Body is not JSON."),
  },
});

export const analyticsRoutes = createApiApp().openapi(recordEventRoute, async (c) => {
  await recordEvent(c.env, c.req.valid("json"));
  return c.body(null, 202);
});
