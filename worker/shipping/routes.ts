import { createRoute, z } from "@hono/zod-openapi";
import { getDefaultShippingAddress } from "../accounts";
import { resolveCartId } from "../cart";
import { displayCurrencyFor, requestCountry } from "../currency";
import { AppError } from "../lib/errors";
import { createApiApp, problemResponse } from "../lib/openapi";
import { CountrySchema, QuoteQuery, QuoteSchema } from "./schema";
import { quoteCart, shippingCountries } from "./service/quotes";

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
      c.header("Cache-Control", "public, max-age=300");
      return c.json({ items: await shippingCountries(c.env) }, 200);
    },
  );
