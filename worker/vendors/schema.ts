import { z } from "@hono/zod-openapi";
import { MoneySchema, PaginationQuery } from "../lib/openapi";
import { LEDGER_KINDS } from "./tables";

// Marketplace money: the vendor's ledger statement.

export const VendorLedgerQuery = z.object({ ...PaginationQuery }).strict();
export type VendorLedgerQuery = z.infer<typeof VendorLedgerQuery>;

export const VendorLedgerEntry = z
  .object({
    id: z.string(),
    kind: z.enum(LEDGER_KINDS),
    amount: MoneySchema.openapi({ description: "Positive: the store owes the vendor more; negative: less." }),
    balance: MoneySchema.openapi({ description: "The balance after this entry." }),
    orderId: z.string().nullable(),
    vendorOrderId: z.string().nullable(),
    note: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi("VendorLedgerEntry");

export const VendorLedgerPage = z
  .object({
    balance: MoneySchema.openapi({ description: "What the store owes the vendor now (negative: what the vendor owes)." }),
    items: z.array(VendorLedgerEntry),
    total: z.number().int(),
    page: z.number().int(),
    perPage: z.number().int(),
  })
  .openapi("VendorLedgerPage");
