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
