/** A drizzle query builder (anything with `toSQL()`) or a raw D1 statement. */
export type BatchItem = D1PreparedStatement | { toSQL(): { sql: string; params: unknown[] } };

/**
 * One D1 batch (a single transaction) of drizzle builders and raw statements.
 * Raw statements are needed for guards drizzle cannot express, such as
 * `where changes() = 1` ("only if the statement before changed a row").
 * Answers each statement's result, with `meta.changes`.
 */
export function runBatch(d1: D1Database, items: BatchItem[]): Promise<D1Result[]> {
  return d1.batch(
    items.map((item) => {
      if (!("toSQL" in item)) return item;
      const query = item.toSQL();
      return d1.prepare(query.sql).bind(...query.params);
    }),
  );
}

export const changesOf = (result: D1Result | undefined): number => result?.meta?.changes ?? 0;
