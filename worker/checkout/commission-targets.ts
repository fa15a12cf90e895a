import { inArray } from "drizzle-orm";
import { categories, products } from "../catalog/tables";
import { getDb } from "../db/client";
import { registerCommissionTargets } from "../vendors";

// Commission rules (vendors) name catalog products and categories, which the vendors domain may not read; checkout,
// which applies the rules to catalog lines, tells it which exist and what they are called.
registerCommissionTargets(async (env, scope, ids) => {
  const table = scope === "product" ? products : categories;
  const rows = await getDb(env.DB)
    .select({ id: table.id, name: table.name })
    .from(table)
    .where(inArray(table.id, ids.slice(0, 90)));
  return new Map(rows.map((r) => [r.id, r.name]));
});
