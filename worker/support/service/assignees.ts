import { and, asc, eq, inArray } from "drizzle-orm";
import { users } from "../../accounts/tables";
import { getDb } from "../../db/client";

/** Roles whose members work the support inbox (the same rule `updateTicket` checks an assignee against). */
const SUPPORT_ROLES = ["admin", "support"] as const;

export interface AssignableStaff {
  id: string;
  name: string;
  email: string;
}

/**
 * Every active staff member a ticket may be assigned to (admin and support roles), by name, for the
 * assignee choice on the ticket page. Disabled accounts are left out, as `updateTicket` refuses them.
 */
export async function listAssignableStaff(env: Env): Promise<AssignableStaff[]> {
  return getDb(env.DB)
    .select({ id: users.id, name: users.name, email: users.email })
    .from(users)
    .where(and(inArray(users.role, [...SUPPORT_ROLES]), eq(users.status, "active")))
    .orderBy(asc(users.name), asc(users.email));
}
