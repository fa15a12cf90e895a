import { fillPlaceholders } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import * as schema from "./schema";

function makeDb(d1: D1Database) {
  return drizzle(d1, { schema });
}

export type Db = ReturnType<typeof makeDb>;

/**
 * One drizzle handle per D1 binding, kept for the isolate's life. Making one is not cheap: drizzle walks every
 * table and relation of the schema, which cost about a tenth of the Worker's CPU on the cart's paths when it ran
 * per call. The handle is a plain query builder over the binding: it holds no request's I/O, stream or promise,
 * so sharing it between requests never makes one request wait on another's I/O.
 */
const handles = new WeakMap<D1Database, Db>();

/** The drizzle handle over the D1 binding (the same one for every call with that binding). */
export function getDb(d1: D1Database): Db {
  let db = handles.get(d1);
  if (!db) {
    db = makeDb(d1);
    handles.set(d1, db);
  }
  return db;
}

/**
 * A query built once per D1 binding and run many times: `build` makes a drizzle prepared query (`.prepare()`, with
 * `sql.placeholder(name)` where values go) and each run binds only the values. Building SQL is most of what
 * drizzle costs per call (its entity checks and SQL assembly were ~15 % of the Worker's CPU on the cart page), so
 * the hottest reads are built once. Like the handle, a prepared query is plain data over the binding: its runs
 * share no request's I/O, stream or promise. A list goes in as one JSON placeholder (`json_each`), so the SQL does
 * not change with its length.
 */
export function preparedQuery<Q>(build: (db: Db) => Q): (d1: D1Database) => Q {
  const built = new WeakMap<D1Database, Q>();
  return (d1) => {
    let query = built.get(d1);
    if (!query) {
      query = build(getDb(d1));
      built.set(d1, query);
    }
    return query;
  };
}

/** What `batchPrepared` needs of a drizzle prepared query (an `all` query from `preparedQuery`). */
interface PreparedAll<R> {
  getQuery(): { sql: string; params: unknown[] };
  mapResult(response: unknown, isFromBatch?: boolean): unknown;
  all(placeholderValues?: Record<string, unknown>): Promise<R>;
}

/**
 * Runs prepared queries with their placeholder values in one D1 batch (one round trip, one transaction, so every
 * answer comes from the same moment) and answers each one's rows as its `all` would.
 */
export async function batchPrepared<const T extends readonly [PreparedAll<unknown>, Record<string, unknown>][]>(
  d1: D1Database,
  items: T,
): Promise<{ -readonly [K in keyof T]: T[K] extends [PreparedAll<infer R>, Record<string, unknown>] ? R : never }> {
  const results = await d1.batch(
    items.map(([query, values]) => {
      const { sql, params } = query.getQuery();
      return d1.prepare(sql).bind(...fillPlaceholders(params, values));
    }),
  );
  return items.map(([query], i) => query.mapResult(results[i], true)) as never;
}
