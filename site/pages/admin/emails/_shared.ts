/** Shared bits of the admin email pages. */

export const EMAIL_STATUS_TONE: Record<string, "good" | "warn" | "bad" | undefined> = { sent: "good", sending: undefined, failed: "warn", dead: "bad" };

const LABELS: Record<string, string> = {
  welcome: "Welcome",
  verify_email: "Verify email",
  password_reset: "Password reset",
  password_changed: "Password changed",
  finish_registration: "Finish sign-up",
  account_exists: "Already registered",
  order_confirmation: "Order confirmation",
  payment_received: "Payment received",
  order_shipped: "Order shipped",
  order_delivered: "Order delivered",
  order_cancelled: "Order cancelled",
  order_refunded: "Order refunded",
  low_stock: "Low stock (admins)",
};
export const templateLabel = (t: string) => LABELS[t] ?? t;

/** Ids look like `order-confirmed:ord_3k9x`; the colon is fine in a path segment and stays readable. */
export const emailHref = (id: string) => `/admin/emails/${encodeURIComponent(id).replace(/%3A/gi, ":")}`;

/** The id from the route parameter (Astro hands it over still percent-encoded). */
export function emailIdParam(raw: string | undefined): string {
  try {
    return decodeURIComponent(raw ?? "");
  } catch {
    return raw ?? "";
  }
}

/** "24 Nov 2026, 12:57 UTC": staff in several time zones read the same clock. */
export function formatWhen(iso: string | null): string {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toLocaleString("en-GB", { day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", timeZone: "UTC" })} UTC`;
}
