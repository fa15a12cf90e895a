// Demo reviews: real rows in `reviews` for the seeded catalog instead of bare rating numbers, then each
// product's rating summary (average ×100, count, count per star) recomputed from the published rows,
// exactly as the store keeps it (worker/catalog/service/rating-summary.ts). Deterministic per seed.
//
// Each active product gets up to MAX_PER_PRODUCT reviews whose stars lean towards the rating the
// generator gave it; the authors are demo reviewers (`usr_seedrev_<n>`, not sign-in accounts) and the
// `order_line_id` of each row is `seed:<review id>` (there are no demo orders to point at).
import { hash32, mulberry32 } from "./generate.ts";

const MAX_PER_PRODUCT = 6;
const NAMES = [
  "Ada L.",
  "Grace H.",
  "Alan T.",
  "Katherine J.",
  "Tim B.",
  "Margaret H.",
  "Linus T.",
  "Barbara L.",
  "Dennis R.",
  "Frances A.",
  "Radia P.",
  "Ken T.",
];
const TITLES: Record<number, string[]> = {
  5: ["Love it", "Exactly what I wanted", "Excellent quality", "Would buy again", "Better than expected"],
  4: ["Very good", "Happy with it", "Good value", "Nice, small quibbles", "Does the job well"],
  3: ["It's okay", "Average", "Fine for the price", "Mixed feelings", "Decent but not great"],
  2: ["Disappointed", "Not as described", "Quality could be better", "Wouldn't buy again"],
  1: ["Poor", "Broke quickly", "Not worth it", "Returned it"],
};
const BODIES: Record<number, string[]> = {
  5: ["Well made and arrived quickly. It looks even better in person.", "Great finish and it feels built to last. Very pleased."],
  4: ["Good quality overall. The colour is slightly different from the photos.", "Solid product, arrived on time. Sizing runs a little small."],
  3: ["It does what it should, nothing more. Packaging could be better.", "Okay for everyday use; the finish is a bit rough in places."],
  2: ["The material feels cheaper than I expected for the price.", "Arrived with a scratch and the fit is off."],
  1: ["Stopped working after a week. Customer service was helpful, though.", "Not what the description promised."],
};

const quote = (s: string) => `'${s.replaceAll("'", "''")}'`;

/** Stars 1–5 drawn around `targetX100` (a 4.4 product gets mostly fours and fives). */
function stars(r: () => number, targetX100: number): number {
  const target = targetX100 / 100 || 4.2;
  const value = Math.round(target + (r() + r() - 1) * 1.6);
  return Math.min(5, Math.max(1, value));
}

/**
 * Writes the demo reviews of every active product (replacing earlier demo reviews) and recomputes every
 * product's rating summary from the published reviews. One batch per ~1,000 products; a few seconds for
 * the default catalog.
 */
export async function seedReviews(db: D1Database, seed: number): Promise<{ reviews: number }> {
  await db.prepare("DELETE FROM reviews WHERE user_id LIKE 'usr_seedrev_%'").run();
  const products = (
    await db
      .prepare("SELECT rowid AS n, id, rating_avg_x100 AS avg, rating_count AS count, created_at FROM products WHERE status = 'active' ORDER BY rowid")
      .all<{
        n: number;
        id: string;
        avg: number;
        count: number;
        created_at: string;
      }>()
  ).results;
  const head =
    "INSERT INTO reviews (id, product_id, user_id, order_line_id, author_name, rating, title, body, photos, status, helpful_count, created_at, updated_at) VALUES ";
  let tuples: string[] = [];
  let total = 0;
  const statements: string[] = [];
  const flush = () => {
    if (tuples.length) statements.push(head + tuples.join(","));
    tuples = [];
  };
  for (const p of products) {
    const r = mulberry32(hash32(seed + 7919, p.n));
    const count = Math.min(p.count, MAX_PER_PRODUCT);
    const since = Date.parse(p.created_at) || Date.UTC(2025, 0, 1);
    for (let k = 0; k < count; k++) {
      const rating = stars(r, p.avg);
      const id = `rev_seed${p.n.toString(36)}x${k}`;
      const reviewer = (p.n * 7 + k) % 5000;
      const at = new Date(since + Math.floor(r() * 300) * 86_400_000 + k * 3_600_000).toISOString();
      const title = TITLES[rating]?.[Math.floor(r() * (TITLES[rating]?.length ?? 1))] ?? "Review";
      const body = BODIES[rating]?.[Math.floor(r() * (BODIES[rating]?.length ?? 1))] ?? "";
      tuples.push(
        `(${[
          quote(id),
          quote(p.id),
          quote(`usr_seedrev_${reviewer}`),
          quote(`seed:${id}`),
          quote(NAMES[reviewer % NAMES.length] as string),
          rating,
          quote(title),
          quote(body),
          "'[]'",
          "'published'",
          Math.floor(r() * r() * 30),
          quote(at),
          quote(at),
        ].join(",")})`,
      );
      total++;
      if (tuples.length >= 400) flush();
    }
  }
  flush();
  for (let i = 0; i < statements.length; i += 20) await db.batch(statements.slice(i, i + 20).map((s) => db.prepare(s)));
  // Every product's summary from its published reviews (none → 0, 0, all zeros).
  await db.batch([
    db.prepare(
      `UPDATE products SET rating_count = s.n, rating_avg_x100 = CAST(round(s.total * 100.0 / s.n) AS INTEGER),
         rating_dist = json_array(s.c1, s.c2, s.c3, s.c4, s.c5)
       FROM (SELECT product_id, count(*) AS n, sum(rating) AS total, sum(rating = 1) AS c1, sum(rating = 2) AS c2, sum(rating = 3) AS c3,
               sum(rating = 4) AS c4, sum(rating = 5) AS c5
             FROM reviews WHERE status = 'published' GROUP BY product_id) AS s
       WHERE products.id = s.product_id`,
    ),
    db.prepare(
      "UPDATE products SET rating_count = 0, rating_avg_x100 = 0, rating_dist = '[0,0,0,0,0]' WHERE id NOT IN (SELECT product_id FROM reviews WHERE status = 'published') AND (rating_count <> 0 OR rating_avg_x100 <> 0)",
    ),
  ]);
  return { reviews: total };
}
