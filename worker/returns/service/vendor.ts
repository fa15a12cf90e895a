import { AppError } from "../../lib/errors";
import { RETURN_STATUS_TEXT } from "../labels";
import type { VendorReturnPage, VendorReturnQuery, VendorReturnView } from "../schema";
import type { ReturnStatus } from "../tables";

/** A return line belongs to a seller when the order line it returns was that seller's at checkout. */
const OWN_LINE = "exists (select 1 from return_lines rl join order_lines ol on ol.id = rl.order_line_id where rl.return_id = r.id and ol.vendor_id = ?)";

/**
 * The returns that include at least one of the seller's order lines, newest first, counting only its units.
 * A seller never sees the shopper's contact details, photos or other sellers' items.
 */
export async function listVendorReturns(env: Env, vendorId: string, q: VendorReturnQuery): Promise<VendorReturnPage> {
  const where = [OWN_LINE];
  const args: unknown[] = [vendorId];
  if (q.status) {
    where.push("r.status = ?");
    args.push(q.status);
  }
  const clause = `where ${where.join(" and ")}`;
  const total = await env.DB.prepare(`select count(*) as n from returns r ${clause}`)
    .bind(...args)
    .first<{ n: number }>();
  const rows = await env.DB.prepare(
    `select r.id, r.number, o.number as orderNumber, r.status, r.resolution, r.created_at as createdAt,
       (select coalesce(sum(rl.quantity), 0) from return_lines rl join order_lines ol on ol.id = rl.order_line_id
         where rl.return_id = r.id and ol.vendor_id = ?) as units
     from returns r join orders o on o.id = r.order_id ${clause} order by r.created_at desc, r.id limit ? offset ?`,
  )
    .bind(vendorId, ...args, q.perPage, (q.page - 1) * q.perPage)
    .all<Omit<VendorReturnPage["items"][number], "statusText">>();
  return {
    items: rows.results.map((r) => ({ ...r, statusText: RETURN_STATUS_TEXT[r.status as ReturnStatus] })),
    total: total?.n ?? 0,
    page: q.page,
    perPage: q.perPage,
  };
}

/** One return as the seller sees it: only its own lines. A return with none of them is 404, as if it did not exist. */
export async function vendorReturnDetail(env: Env, vendorId: string, id: string): Promise<VendorReturnView> {
  const ret = await env.DB.prepare(
    `select r.id, r.number, o.number as orderNumber, r.status, r.resolution, r.created_at as createdAt, r.updated_at as updatedAt,
       r.received_at as receivedAt
     from returns r join orders o on o.id = r.order_id where r.id = ?`,
  )
    .bind(id)
    .first<Omit<VendorReturnView, "statusText" | "lines" | "vendorOrderId">>();
  const lines = ret
    ? (
        await env.DB.prepare(
          `select rl.id, rl.sku, rl.name, rl.quantity, rl.reason, rl.note, rl.exchange_sku as exchangeSku, rl.inspection,
             rl.inspection_note as inspectionNote, ol.vendor_order_id as vendorOrderId
           from return_lines rl join order_lines ol on ol.id = rl.order_line_id
           where rl.return_id = ? and ol.vendor_id = ? order by rl.name, rl.id`,
        )
          .bind(ret.id, vendorId)
          .all<VendorReturnView["lines"][number] & { vendorOrderId: string | null }>()
      ).results
    : [];
  if (!ret || lines.length === 0) throw new AppError("returns.not_found", 404, "No such return of your items.");
  return {
    ...ret,
    statusText: RETURN_STATUS_TEXT[ret.status],
    vendorOrderId: lines[0]?.vendorOrderId ?? null,
    lines: lines.map(({ vendorOrderId: _vendorOrderId, ...line }) => line),
  };
}
