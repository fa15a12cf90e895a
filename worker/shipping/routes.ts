import { createRoute, z } from "@hono/zod-openapi";
import { effectiveRule } from "../accounts/address-rules";
import { getDefaultShippingAddress } from "../accounts/service/addresses";
import { resolveCartId } from "../cart";
import { CURRENCY_COOKIE, currencyTable, displayCurrencyFor, requestCountry } from "../currency/service";
import { AppError } from "../lib/errors";
import { createApiApp, problemResponse } from "../lib/openapi";
import { safeReturnTo } from "../lib/return-to";
import { quoteCart } from "./quote";
import { CountrySchema, CurrencyListSchema, QuoteQuery, QuoteSchema, SelectCurrencyQuery } from "./schema";
import { shippingData } from "./service";

const TAGS = ["Shipping"];

export const shippingRoutes = createApiApp()
  .openapi(
    createRoute({
      method: "get",
      path: "/shipping/quote",
      tags: TAGS,
      summary: "Shipping options for the current cart with prices, delivery dates, taxes, duties and totals",
      request: { query: QuoteQuery },
      responses: {
        200: { description: "The zone's options (standard, then express) with totals for each.", content: { "application/json": { schema: QuoteSchema } } },
        400: problemResponse("Invalid country, postal code or region, or no country given or known."),
        422: problemResponse("The store does not ship to that country (shipping.country_not_served)."),
      },
    }),
    async (c) => {
      const q = c.req.valid("query");
      let country = q.country;
      let postalCode = q.postalCode;
      let region = q.region;
      const auth = c.get("auth");
      if (!country && auth) {
        const saved = await getDefaultShippingAddress(c.env, auth.principal.id);
        if (saved) ({ country, postalCode, region } = { country: saved.country, postalCode: saved.postalCode ?? undefined, region: saved.region ?? undefined });
      }
      country ??= requestCountry(c.req.raw) ?? undefined;
      if (!country) throw new AppError("request.invalid", 400, "Say which country to ship to.", [{ path: "country", message: "Required" }]);
      const cartId = await resolveCartId(c, false);
      const display = await displayCurrencyFor(c.env, c.req.raw, q.currency);
      c.header("Cache-Control", "private, no-store");
      return c.json(await quoteCart(c.env, { cartId, country, postalCode, region, display }), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/shipping/countries",
      tags: TAGS,
      summary: "Countries for address forms: postal code format, region field, and whether the store ships there",
      responses: { 200: { description: "Every known country.", content: { "application/json": { schema: z.object({ items: z.array(CountrySchema) }) } } } },
    }),
    async (c) => {
      const data = await shippingData(c.env);
      const items = [...data.countries.values()].map((row) => {
        const rule = effectiveRule(row.code, row);
        return {
          code: row.code,
          name: row.name,
          ships: row.ships === 1 && row.zoneId !== null,
          zone: row.zoneId,
          currency: row.currency,
          postalLabel: rule.postalLabel,
          postalRequired: rule.postalRequired,
          postalPattern: row.postalPattern,
          postalExample: row.postalExample,
          regionRequired: row.regionRequired === 1,
          regionLabel: row.regionLabel,
          regions: rule.regions ?? null,
        };
      });
      c.header("Cache-Control", "public, max-age=300");
      return c.json({ items }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/currencies",
      tags: TAGS,
      summary: "Display currencies with their rates to the base currency, and the one this request shows prices in",
      responses: { 200: { description: "Currencies.", content: { "application/json": { schema: CurrencyListSchema } } } },
    }),
    async (c) => {
      const table = await currencyTable(c.env);
      const selected = await displayCurrencyFor(c.env, c.req.raw);
      c.header("Cache-Control", "private, no-store");
      return c.json(
        { base: table.base.code, selected: selected.code, currencies: [...table.rates.values()].sort((a, b) => a.code.localeCompare(b.code)) },
        200,
      );
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
      const table = await currencyTable(c.env);
      if (!table.rates.has(code))
        throw new AppError("currency.unknown", 400, `Prices cannot be shown in ${code}.`, [{ path: "code", message: "Unknown currency" }]);
      const to = safeReturnTo(returnTo, new URL(c.req.url).origin, "/");
      c.header("Set-Cookie", `${CURRENCY_COOKIE}=${code}; Path=/; Max-Age=31536000; SameSite=Lax; Secure`);
      c.header("Cache-Control", "no-store");
      return c.redirect(to, 303);
    },
  );
