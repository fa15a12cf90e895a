/**
 * The statement that sets a product's rating summary (average ×100, count, and the count per star 1–5)
 * from a list of ratings the caller selects, for the caller's D1 batch: the reviews domain passes the
 * SELECT of the product's published ratings, so the summary is recomputed inside the same transaction
 * as the review change and two concurrent publishes cannot leave a stale count. `ratingsSql` selects one
 * integer column named `rating` and takes `params` for its `?` placeholders. Call `catalogChanged`
 * after the batch commits.
 */
export function ratingSummaryStatement(d1: D1Database, productId: string, ratingsSql: string, params: unknown[]): D1PreparedStatement {
  return d1
    .prepare(
      `UPDATE products SET
         rating_count = s.n,
         rating_avg_x100 = CASE WHEN s.n = 0 THEN 0 ELSE CAST(round(s.total * 100.0 / s.n) AS INTEGER) END,
         rating_dist = json_array(s.c1, s.c2, s.c3, s.c4, s.c5)
       FROM (
         SELECT count(*) AS n, coalesce(sum(r.rating), 0) AS total,
           coalesce(sum(r.rating = 1), 0) AS c1, coalesce(sum(r.rating = 2), 0) AS c2, coalesce(sum(r.rating = 3), 0) AS c3,
           coalesce(sum(r.rating = 4), 0) AS c4, coalesce(sum(r.rating = 5), 0) AS c5
         FROM (${ratingsSql}) AS r
       ) AS s
       WHERE products.id = ?`,
    )
    .bind(...params, productId);
}
