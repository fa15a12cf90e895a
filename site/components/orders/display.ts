/** Order display helpers shared by server pages and the live island (no server imports here). */
// Not orders' index.ts: the island's browser bundle would pull in the whole domain (D1, Durable Objects).
// labels.ts imports types only, so it is the one file of the domain that is safe in the browser.
import { STATUS_TEXT as ORDER_STATUS_TEXT, SHIPMENT_TEXT as PARCEL_STATUS_TEXT } from "../../../worker/orders/labels";

// Record<string, string> so pages can look up any status string the API returns.
export const STATUS_TEXT: Record<string, string> = ORDER_STATUS_TEXT;
export const SHIPMENT_TEXT: Record<string, string> = PARCEL_STATUS_TEXT;

/** The badge tone of an order or parcel status. */
export function statusTone(status: string): "ok" | "warn" | "bad" | "neutral" {
  if (status === "delivered" || status === "paid" || status === "shipped") return "ok";
  if (status === "exception" || status === "returned" || status === "cancelled" || status === "refunded") return "bad";
  if (status === "pending_payment" || status === "partially_refunded") return "warn";
  return "neutral";
}

/** What a timeline row says first: the status for status changes, else what kind of event it was. */
export function eventTitle(e: { kind: string; status: string }): string {
  switch (e.kind) {
    case "shipment":
      return "Parcel shipped";
    case "tracking":
      return "Tracking update";
    case "refund":
      return "Refund";
    case "note":
      return "Note";
    case "payment":
      return "Payment";
    default:
      return STATUS_TEXT[e.status] ?? e.status;
  }
}

const whenFormat = new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });

/** "Nov 24, 2026, 1:05 PM" in UTC: the same text on the server and in the browser. */
export function formatWhen(iso: string): string {
  return whenFormat.format(new Date(iso));
}
