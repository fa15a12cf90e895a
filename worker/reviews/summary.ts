import { ratingSummaryStatement } from "../catalog";

/**
 * The statement that recomputes a product's rating summary from its published reviews, for the end of
 * the batch that changed a review (so the summary always matches the rows that committed with it).
 */
export function summaryStatement(d1: D1Database, productId: string): D1PreparedStatement {
  return ratingSummaryStatement(d1, productId, "SELECT rating FROM reviews WHERE product_id = ? AND status = 'published'", [productId]);
}

/** "Ada Lovelace" → "Ada L.": the name a review shows (no full surname, no email). */
export function publicName(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  if (!parts.length) return "Customer";
  const first = parts[0] as string;
  const last = parts.length > 1 ? ` ${(parts[parts.length - 1] as string).charAt(0).toUpperCase()}.` : "";
  return `${first.slice(0, 40)}${last}`;
}
