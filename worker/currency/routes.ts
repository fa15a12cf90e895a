import { createRoute } from "@hono/zod-openapi";
import { createApiApp, problemResponse } from "../lib/openapi";
import { safeReturnTo } from "../lib/return-to";
import { displayCurrencyFor } from "./http";
import { CurrencyListSchema, SelectCurrencyQuery } from "./schema";
import { CURRENCY_COOKIE, choosableCurrency, listCurrencies } from "./service";

const TAGS = ["Shipping"];

export const currencyRoutes = createApiApp()
  .openapi(
    createRoute({
      method: "get",
      path: "/currencies",
      tags: TAGS,
      summary: "Display currencies with their rates to the base currency, and the one this request shows prices in",
      responses: { 200: { description: "Currencies.", content: { "application/json": { schema: CurrencyListSchema } } } },
    }),
    async (c) => {
      const [list, selected] = await Promise.all([listCurrencies(c.env), displayCurrencyFor(c.env, c.req.raw)]);
      c.header("Cache-Control", "private, no-store");
      return c.json({ base: list.base, selected: selected.code, currencies: list.currencies }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/currency/select",
      tags: TAGS,
      summary: "Choose the display currency (sets a cookie) and go back to the page (a plain form submits here without JavaScript)",
      request: { query: SelectCurrencyQuery },
      responses: { 303: { description: "Back to returnTo with the cookie set." }, 400: problemResponse("Unknown currency.") },
    }),
    async (c) => {
      const { code, returnTo } = c.req.valid("query");
      const chosen = await choosableCurrency(c.env, code);
      const to = safeReturnTo(returnTo, new URL(c.req.url).origin, "/");
      c.header("Set-Cookie", `${CURRENCY_COOKIE}=${chosen}; Path=/; Max-Age=31536000; SameSite=Lax; Secure`);
      c.header("Cache-Control", "no-store");
      return c.redirect(to, 303);
    },
  );
