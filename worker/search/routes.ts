import { createRoute } from "@hono/zod-openapi";
import { CATALOG_CACHE_CONTROL } from "../catalog/routes";
import { getDb } from "../db/client";
import { createApiApp, problemResponse } from "../lib/openapi";
import { SuggestQuery, SuggestResponse } from "./schema";
import { suggest } from "./service";

const suggestRoute = createRoute({
  method: "get",
  path: "/search/suggest",
  tags: ["Search"],
  summary: "Autocomplete: products, categories and brands for what has been typed",
  description:
    "Asked on every keystroke. The last word is a prefix; products are suggested from three letters on (categories and brands from the first). Case and accents are ignored.",
  request: { query: SuggestQuery },
  responses: {
    200: { description: "Suggestions, best first.", content: { "application/json": { schema: SuggestResponse } } },
    400: problemResponse("`q` is missing, empty or longer than 100 characters, or `limit` is out of range."),
  },
});

export const searchRoutes = createApiApp().openapi(suggestRoute, async (c) => {
  const answer = await suggest(getDb(c.env.DB), c.req.valid("query"));
  c.header("Cache-Control", CATALOG_CACHE_CONTROL);
  return c.json(answer, 200);
});
