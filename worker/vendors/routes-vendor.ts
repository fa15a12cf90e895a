import { createRoute, z } from "@hono/zod-openapi";
import { createApiApp, problemResponse, SIGNED_IN } from "../lib/openapi";
import { requireVendor } from "./guard";
import { VendorLedgerPage, VendorLedgerQuery } from "./schema";
import { vendorStatement, vendorStatementCsv } from "./service/ledger";

const denied = {
  401: problemResponse("Not signed in."),
  403: problemResponse("Not a member of a vendor, or the member role may not see its money."),
};

/** The vendor's own money: balance and ledger statement (finance members and the owner). */
export const vendorLedgerRoutes = createApiApp()
  .openapi(
    createRoute({
      method: "get",
      path: "/ledger",
      tags: ["Vendor: payouts"],
      security: SIGNED_IN,
      summary: "The vendor's balance and ledger statement, newest first",
      request: { query: VendorLedgerQuery },
      responses: { 200: { description: "Balance and a page of entries.", content: { "application/json": { schema: VendorLedgerPage } } }, ...denied },
    }),
    async (c) => {
      const { vendorId } = await requireVendor(c, "finance");
      const { page, perPage } = c.req.valid("query");
      return c.json(await vendorStatement(c.env, vendorId, c.env.BASE_CURRENCY, page, perPage), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/ledger/export",
      tags: ["Vendor: payouts"],
      security: SIGNED_IN,
      summary: "The vendor's whole ledger statement as CSV, oldest first",
      description: "Columns: date, kind, amount, currency, balance, order_id, vendor_order_id, note. Amounts as decimals in the currency.",
      responses: { 200: { description: "The CSV file.", content: { "text/csv": { schema: z.string() } } }, ...denied },
    }),
    async (c) => {
      const { vendorId } = await requireVendor(c, "finance");
      const csv = await vendorStatementCsv(c.env, vendorId, c.env.BASE_CURRENCY);
      return c.body(csv, 200, {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": `attachment; filename="ledger-${new Date().toISOString().slice(0, 10)}.csv"`,
      });
    },
  );
