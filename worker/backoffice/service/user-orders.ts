import { staffViewOfUser } from "../../accounts";
import { listOrdersForUser } from "../../orders";
import type { UserOrdersQuery } from "../schema";

/**
 * A customer's orders for staff, newest first, beside the account page: the same list the customer
 * sees. A user id that does not exist answers 404 like the account itself, so staff cannot tell
 * "no orders" from "no such user".
 */
export async function listUserOrdersForStaff(env: Env, userId: string, { page, perPage }: UserOrdersQuery) {
  await staffViewOfUser(env, userId);
  return listOrdersForUser(env, userId, page, perPage);
}
