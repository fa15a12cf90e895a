import { and, eq } from "drizzle-orm";
import { getDb } from "../../db/client";
import { users } from "../tables";
import { revokeAllSessions } from "./users";

/**
 * Moves a marketplace member between the `customer` and `vendor` roles (the vendors domain calls this when a
 * vendor is approved, when someone joins one and when they leave). Staff roles are never touched: an admin who
 * also works for a vendor stays an admin. Sessions end only when the role really changed, because the role
 * travels in the access token. Answers whether it changed.
 */
export async function setMarketplaceRole(env: Env, userId: string, role: "customer" | "vendor"): Promise<boolean> {
  const from = role === "vendor" ? "customer" : "vendor";
  const result = await getDb(env.DB)
    .update(users)
    .set({ role, updatedAt: new Date().toISOString() })
    .where(and(eq(users.id, userId), eq(users.role, from)))
    .run();
  const changed = (result.meta?.changes ?? 0) > 0;
  if (changed) await revokeAllSessions(env, userId);
  return changed;
}
