/**
 * An in-isolate copy of every search document's filter, facet and sort fields (not its text),
 * column by column and indexed by doc id, kept current through the change log that triggers
 * write (search_changes, migrations/0008_search_speed.sql).
 *
 * Why: a text search that matches thousands of products must count facets over every match.
 * Looking each match up in search_documents costs D1 about a microsecond per match (7–10 ms for
 * the broad words of a 100,000-product catalog); reading the same fields from this copy costs
 * the Worker a few nanoseconds. D1 then answers only what it alone can: which documents match
 * the words (and their bm25 scores).
 *
 * Never stale: every search statement also reads the log rows after the copy's position (`seq`),
 * with the current fields of the documents they name, and the copy applies them before it is
 * used. The copy's position is proven with the log row's random token: a database restored, rolled
 * back or pruned past the copy's position does not have it, and then the copy is reloaded whole
 * (about 100k rows: ~0.2 s locally, once per isolate).
 */

import { priceBucket, ratingBucket } from "./facets";

/** Documents per statement when loading (each statement's JSON stays well below D1's 2 MB value limit). */
const LOAD_CHUNK = 10_000;

/** The columns of search_documents the copy holds, in the order the change rows list them. */
const FIELDS = [
  "category_id",
  "category_path",
  "brand_id",
  "vendor_id",
  "price",
  "rating",
  "rating_count",
  "in_stock",
  "featured",
  "sold",
  "created_at",
  "attribute_ids",
] as const;

type Row = [
  categoryId: string | null,
  categoryPath: string,
  brandId: string | null,
  vendorId: string | null,
  price: number,
  rating: number,
  ratingCount: number,
  inStock: number,
  featured: number,
  sold: number,
  createdAt: string,
  attributeIds: string,
];

/** ",12,57," → [12, 57] */
function parseIds(list: string): number[] {
  const out: number[] = [];
  let start = 1;
  for (let end = list.indexOf(",", start); end > 0; end = list.indexOf(",", start)) {
    if (end > start) out.push(Number(list.slice(start, end)));
    start = end + 1;
  }
  return out;
}

/** Strings numbered in order of first sight. */
export class Interned {
  readonly values: string[] = [];
  private readonly index = new Map<string, number>();
  of(value: string): number {
    let i = this.index.get(value);
    if (i === undefined) {
      i = this.values.length;
      this.values.push(value);
      this.index.set(value, i);
    }
    return i;
  }
}

export class DocumentSnapshot {
  /** Position in search_changes the copy reflects (0: before the first logged change). */
  seq = 0;
  /** search_changes.token at `seq` (search_meta.epoch when seq is 0). */
  token = 0;
  /** Bumped by every reload, so a request can tell the copy it started with was replaced. */
  readonly generation: number;

  // Columns, indexed by doc id; categoryId is undefined for ids with no (active) document.
  readonly categoryId: Array<string | undefined> = [];
  readonly categoryPath: string[] = [];
  readonly brandId: Array<string | null> = [];
  readonly vendorId: Array<string | null> = [];
  readonly price: number[] = [];
  readonly rating: number[] = [];
  readonly ratingCount: number[] = [];
  readonly inStock: number[] = [];
  readonly featured: number[] = [];
  readonly sold: number[] = [];
  readonly createdAt: string[] = [];
  readonly attributeIds: number[][] = [];
  /** doc → doc, so the listing's comparators can read these columns by doc id. */
  readonly docId: number[] = [];
  // Small integers for counting facets in typed arrays: interned category, brand and vendor ids
  // (-1 for none), price and rating buckets.
  readonly categoryIdx: number[] = [];
  readonly brandIdx: number[] = [];
  readonly vendorIdx: number[] = [];
  readonly priceBucket: number[] = [];
  readonly ratingBucket: number[] = [];
  readonly categories = new Interned();
  readonly brands = new Interned();
  readonly vendors = new Interned();
  private readonly paths = new Interned();

  constructor(generation: number) {
    this.generation = generation;
  }

  has(doc: number): boolean {
    return this.categoryId[doc] !== undefined;
  }

  set(doc: number, r: Row): void {
    if (r[0] === null) {
      this.categoryId[doc] = undefined;
      return;
    }
    // Interned: the copy's strings are shared by every document (JSON.parse gives each its own).
    const c = this.categories.of(r[0]);
    const b = r[2] === null ? -1 : this.brands.of(r[2]);
    const v = r[3] === null ? -1 : this.vendors.of(r[3]);
    this.categoryId[doc] = this.categories.values[c];
    this.categoryPath[doc] = this.paths.values[this.paths.of(r[1])] as string;
    this.brandId[doc] = b < 0 ? null : (this.brands.values[b] as string);
    this.vendorId[doc] = v < 0 ? null : (this.vendors.values[v] as string);
    this.price[doc] = r[4];
    this.rating[doc] = r[5];
    this.ratingCount[doc] = r[6];
    this.inStock[doc] = r[7];
    this.featured[doc] = r[8];
    this.sold[doc] = r[9];
    this.createdAt[doc] = r[10];
    this.attributeIds[doc] = parseIds(r[11]);
    this.docId[doc] = doc;
    this.categoryIdx[doc] = c;
    this.brandIdx[doc] = b;
    this.vendorIdx[doc] = v;
    this.priceBucket[doc] = priceBucket(r[4]);
    this.ratingBucket[doc] = ratingBucket(r[5]);
  }
}

/**
 * Scalar reads to put in a search statement's SELECT list: the token at the copy's position,
 * the oldest kept log row, and every later change with its document's current fields.
 */
export function syncReads(snapshot: DocumentSnapshot): { sql: string; params: unknown[] } {
  return {
    sql: `(SELECT CASE WHEN ? = 0 THEN (SELECT epoch FROM search_meta) ELSE (SELECT token FROM search_changes WHERE seq = ?) END) AS snap_token,
      (SELECT min(seq) FROM search_changes) AS snap_log_min,
      (SELECT json_group_array(json_array(c.seq, c.token, c.doc_id, ${FIELDS.map((f) => `d.${f}`).join(", ")}))
        FROM search_changes c LEFT JOIN search_documents d ON d.doc_id = c.doc_id WHERE c.seq > ?) AS snap_changes`,
    params: [snapshot.seq, snapshot.seq, snapshot.seq],
  };
}

/**
 * Brings the copy up to the statement's view (the row `syncReads` filled), or answers false when
 * the copy cannot be brought there (the database is not the one it followed): then reload.
 * `seq`/`token` are the position the statement was built with.
 */
export function applySync(snapshot: DocumentSnapshot, seq: number, token: number, row: Record<string, unknown>): boolean {
  const logMin = row.snap_log_min === null || row.snap_log_min === undefined ? null : Number(row.snap_log_min);
  if (Number(row.snap_token) !== token) return false;
  if (seq === 0 && logMin !== null && logMin > 1) return false;
  const changes = JSON.parse(String(row.snap_changes ?? "[]")) as Array<[number, number, number, ...Row]>;
  for (const [changeSeq, changeToken, doc, ...fields] of changes) {
    // A concurrent request may have applied these already; later rows always win.
    if (changeSeq <= snapshot.seq) continue;
    snapshot.set(doc, fields as Row);
    snapshot.seq = changeSeq;
    snapshot.token = changeToken;
  }
  return true;
}

let current: DocumentSnapshot | null = null;
/**
 * When a request last started loading a copy: a plain timestamp, never the load's promise (a load
 * belongs to its request and never settles if that request is cancelled, see lib/memo-cache.ts).
 */
let loadingSince = 0;
let generations = 0;
/** How long a request waits (on its own timer) for a copy another request is loading before loading its own. */
const LOAD_WAIT_MS = 2_000;

/** The isolate's copy, loading it first if there is none. */
export function documentSnapshot(d1: D1Database): Promise<DocumentSnapshot> {
  if (current) return Promise.resolve(current);
  return reloadSnapshot(d1);
}

/** Forgets the copy `stale` (if it is still the current one) and loads a new one. */
export async function reloadSnapshot(d1: D1Database, stale?: DocumentSnapshot): Promise<DocumentSnapshot> {
  if (current && stale && current !== stale) return current;
  current = null;
  // One copy at a time when it can be had: rather than hold a second copy, wait a little for the one
  // being loaded to appear; a loader that went away only costs that wait.
  while (!current && Date.now() - loadingSince < LOAD_WAIT_MS) await new Promise((r) => setTimeout(r, 10));
  if (current) return current;
  loadingSince = Date.now();
  const loaded = await load(d1);
  // Another request may have stored a newer copy meanwhile (TypeScript cannot see that across the await).
  const latest = current as DocumentSnapshot | null;
  if (!latest || latest.generation < loaded.generation) current = loaded;
  loadingSince = 0;
  return current ?? loaded;
}

async function load(d1: D1Database): Promise<DocumentSnapshot> {
  const snapshot = new DocumentSnapshot(++generations);
  const top = await d1.prepare("SELECT coalesce(max(doc_id), 0) AS n FROM search_documents").first<{ n: number }>();
  const chunks = Math.max(1, Math.ceil(((top?.n ?? 0) + 1) / LOAD_CHUNK));
  const columns = ["doc_id", ...FIELDS].map((f) => `json_group_array(${f}) AS ${f}`).join(", ");
  const statements = [
    // Position and documents in one transaction, so they describe the same moment.
    d1.prepare(
      "SELECT coalesce((SELECT max(seq) FROM search_changes), 0) AS seq, coalesce((SELECT token FROM search_changes WHERE seq = (SELECT max(seq) FROM search_changes)), (SELECT epoch FROM search_meta)) AS token",
    ),
    ...Array.from({ length: chunks }, (_, i) =>
      d1
        .prepare(`SELECT ${columns} FROM search_documents WHERE doc_id >= ? AND doc_id < ?`)
        // The last chunk is open-ended: documents inserted since `top` was read belong to it.
        .bind(i * LOAD_CHUNK, i === chunks - 1 ? Number.MAX_SAFE_INTEGER : (i + 1) * LOAD_CHUNK),
    ),
  ];
  const [position, ...parts] = await d1.batch<Record<string, unknown>>(statements);
  const head = position?.results[0] ?? {};
  snapshot.seq = Number(head.seq ?? 0);
  snapshot.token = Number(head.token ?? 0);
  for (const part of parts) {
    const row = part.results[0];
    if (!row) continue;
    const ids = JSON.parse(String(row.doc_id ?? "[]")) as number[];
    const cols = FIELDS.map((f) => JSON.parse(String(row[f] ?? "[]")) as unknown[]);
    const fields = new Array(FIELDS.length) as unknown[];
    for (let i = 0; i < ids.length; i++) {
      for (let f = 0; f < fields.length; f++) fields[f] = (cols[f] as unknown[])[i];
      snapshot.set(ids[i] as number, fields as Row);
    }
  }
  return snapshot;
}
