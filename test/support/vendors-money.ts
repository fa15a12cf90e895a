import { env } from "cloudflare:workers";
import { purgeCatalogCache } from "../../worker/catalog";
import { getDb } from "../../worker/db/client";
import type { CommissionScope, VendorMemberRole, VendorStatus } from "../../worker/vendors";
import { commissionRules, vendorMembers, vendors } from "../../worker/vendors/tables";
import { insertCategory, insertProduct } from "./factories";
import { signedIn } from "./orders";

let n = 0;

/** A vendor row straight in the base table (applications and review are the vendors domain's own tests). */
export async function insertVendor(overrides: { name?: string; status?: VendorStatus; country?: string } = {}) {
  n += 1;
  const suffix = `${n}${crypto.randomUUID().slice(0, 6)}`;
  const row = {
    id: `ven_t${suffix}`,
    handle: `seller-${suffix}`,
    name: overrides.name ?? `Seller ${suffix}`,
    status: overrides.status ?? ("active" as const),
    contactEmail: `seller-${suffix}@example.test`,
    contactPhone: "+1 555 0100",
    country: overrides.country ?? "US",
  };
  await getDb(env.DB).insert(vendors).values(row);
  return row;
}

/** A signed-in member of `vendorId` (a user of role `vendor`), as a cookie-carrying client. */
export async function vendorMember(vendorId: string, role: VendorMemberRole = "owner") {
  const member = await signedIn("vendor");
  await getDb(env.DB).insert(vendorMembers).values({ vendorId, userId: member.user.id, role });
  return member;
}

/** A single-variant product sold by `vendorId` (null: the store's own) with `stock` units. */
export async function sellerProduct(sku: string, vendorId: string | null, price: number, stock = 500, weightGrams = 500) {
  const category = await insertCategory(env.DB, { slug: `c-${sku.toLowerCase()}` });
  await insertProduct(env.DB, {
    slug: sku.toLowerCase(),
    name: `Item ${sku}`,
    category,
    vendorId,
    variants: [{ sku, title: "Default", options: {}, price, stockAvailable: stock, weightGrams }],
  });
  purgeCatalogCache();
}

/** A commission rule straight in its table (scope `store` takes the target ""). */
export async function insertCommissionRule(rule: {
  scope: CommissionScope;
  target: string;
  kind?: "percent" | "fixed";
  rateBps?: number;
  fixedAmount?: number;
  includeTax?: boolean;
  includeShipping?: boolean;
}) {
  const row = { id: `cr_t${crypto.randomUUID().slice(0, 8)}`, kind: "percent" as const, ...rule };
  await getDb(env.DB).insert(commissionRules).values(row);
  return row;
}
