/**
 * An in-isolate copy of every search document's filter, facet and sort fields (not its text),
 * in typed arrays indexed by doc id, kept current through the change log that triggers write
 * (search_changes, migrations/0008_search_speed.sql). Design and measurements: docs/search.md.
 *
 * Why: a text search that matches thousands of products must count facets over every match.
 * Looking each match up in search_documents costs D1 about a microsecond per match; reading the
 * same fields from this copy costs the Worker a few nanoseconds. D1 then answers only what it
 * alone can: which documents match the words (and their bm25 scores).
 *
 * Bounded: 44 bytes per doc id (no JS object or string per document), never more than
 * `SNAPSHOT_BUDGET_BYTES`; a catalog that would need more is searched through D1 alone.
 *
 * Never shared in flight: the copy is published only once it is complete (a plain value). A
 * request that finds none either loads a small catalog's copy itself, or answers through D1 and
 * lets its own `waitUntil` load the copy for later requests. No request ever awaits a load
 * another request started.
 *
 * Never stale: every search statement also reads the log rows after the copy's position (`seq`),
 * with the current fields of the documents they name, and the copy applies them before it is
 * used. The copy's position is proven with the log row's random token: a database restored, rolled
 * back or pruned past the copy's position does not have it, and then the copy is dropped.
 */

import { priceBucket, ratingBucket } from "./facets";

/** Documents per statement when loading (each statement's JSON stays well below D1's 2 MB value limit). */
const LOAD_CHUNK = 10_000;
/** Attribute value ids kept inline per document; more go to an overflow map. */
const ATTRIBUTE_SLOTS = 6;
/** Bytes per doc id slot: the typed columns below plus the attribute slots. */
const BYTES_PER_DOC = 2 + 2 + 2 + 4 + 2 + 4 + 1 + 1 + 4 + 8 + 1 + 1 + 2 * ATTRIBUTE_SLOTS;
/** Interned category, brand, vendor and attribute ids are 16-bit; 0xffff means none. */
export const NONE = 0xffff;

/**
 * Limits of the copy. `budgetBytes`: the most memory it may take (production isolates have
 * 128 MB in all). `inlineDocs`: up to this many doc ids a request loads the copy itself before
 * answering (tens of ms); above it the copy is loaded in the background. `backgroundDocs`: above
 * this many doc ids there is no copy at all and text searches are answered through D1 alone. A
 * text search reads a bounded candidate set (listing.ts `textLimits`), so the copy saves at most
 * that many document lookups per search, while loading it costs seconds of the isolate's CPU
 * (measured at 1,000,000 products: 2 s idle, 15 s on a loaded machine, during which the local
 * runtime held the answer of the request whose waitUntil ran the load; 2.5–3.8 s at 100,000).
 */
export const snapshotLimits = { budgetBytes: 56 * 1024 * 1024, inlineDocs: 25_000, backgroundDocs: 50_000 };

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
  /** The number of `value`, without numbering it (-1 when unseen). */
  find(value: string): number {
    return this.index.get(value) ?? -1;
  }
}

/** The copy cannot hold a value (an id beyond 16 bits, a price beyond 32): search without it. */
class Unrepresentable extends Error {}

export class DocumentSnapshot {
  /** Position in search_changes the copy reflects (0: before the first logged change). */
  seq = 0;
  /** search_changes.token at `seq` (search_meta.epoch when seq is 0). */
  token = 0;
  /** Doc id slots allocated (one past the largest doc id the columns can hold). */
  capacity = 0;

  // Columns indexed by doc id. categoryIdx is NONE for ids with no (active) document.
  categoryIdx = new Uint16Array(0);
  brandIdx = new Uint16Array(0);
  vendorIdx = new Uint16Array(0);
  price = new Int32Array(0);
  /** Average rating × 100. */
  rating = new Int16Array(0);
  ratingCount = new Int32Array(0);
  inStock = new Uint8Array(0);
  featured = new Uint8Array(0);
  sold = new Int32Array(0);
  /** created_at in ms since the epoch. */
  createdAt = new Float64Array(0);
  priceBucket = new Uint8Array(0);
  ratingBucket = new Uint8Array(0);
  /** ATTRIBUTE_SLOTS value ids per document, NONE-padded; documents with more list them all in `moreAttributes`. */
  attributeSlots = new Uint16Array(0);
  readonly moreAttributes = new Map<number, number[]>();

  readonly categories = new Interned();
  readonly brands = new Interned();
  readonly vendors = new Interned();
  /** The category path of each interned category (a category's path is its own). */
  readonly categoryPaths: string[] = [];

  /** Bytes the columns take. */
  get bytes(): number {
    return this.capacity * BYTES_PER_DOC + this.moreAttributes.size * 64;
  }

  has(doc: number): boolean {
    return doc < this.capacity && this.categoryIdx[doc] !== NONE;
  }

  /** The attribute value ids of `doc`. */
  attributesOf(doc: number): readonly number[] {
    const more = this.moreAttributes.get(doc);
    if (more) return more;
    const out: number[] = [];
    const at = doc * ATTRIBUTE_SLOTS;
    for (let i = 0; i < ATTRIBUTE_SLOTS; i++) {
      const id = this.attributeSlots[at + i] as number;
      if (id === NONE) break;
      out.push(id);
    }
    return out;
  }

  /** Makes room for doc ids below `size`; false when that would pass the budget. */
  reserve(size: number): boolean {
    if (size <= this.capacity) return true;
    // Headroom, so documents created one by one do not reallocate every column each time.
    const capacity = Math.max(size, Math.ceil(this.capacity * 1.1), 1024);
    if (capacity * BYTES_PER_DOC > snapshotLimits.budgetBytes) return false;
    const grow = <T extends Uint8Array | Uint16Array | Int16Array | Int32Array | Float64Array>(old: T, make: (n: number) => T, per = 1, fill?: number): T => {
      const next = make(capacity * per);
      if (fill !== undefined) next.fill(fill);
      next.set(old);
      return next;
    };
    this.categoryIdx = grow(this.categoryIdx, (n) => new Uint16Array(n), 1, NONE);
    this.brandIdx = grow(this.brandIdx, (n) => new Uint16Array(n), 1, NONE);
    this.vendorIdx = grow(this.vendorIdx, (n) => new Uint16Array(n), 1, NONE);
    this.price = grow(this.price, (n) => new Int32Array(n));
    this.rating = grow(this.rating, (n) => new Int16Array(n));
    this.ratingCount = grow(this.ratingCount, (n) => new Int32Array(n));
    this.inStock = grow(this.inStock, (n) => new Uint8Array(n));
    this.featured = grow(this.featured, (n) => new Uint8Array(n));
    this.sold = grow(this.sold, (n) => new Int32Array(n));
    this.createdAt = grow(this.createdAt, (n) => new Float64Array(n));
    this.priceBucket = grow(this.priceBucket, (n) => new Uint8Array(n));
    this.ratingBucket = grow(this.ratingBucket, (n) => new Uint8Array(n));
    this.attributeSlots = grow(this.attributeSlots, (n) => new Uint16Array(n), ATTRIBUTE_SLOTS, NONE);
    this.capacity = capacity;
    return true;
  }

  /** A 16-bit interned number, or throws when the catalog has outgrown 16 bits. */
  private small(interned: Interned, value: string): number {
    const i = interned.of(value);
    if (i >= NONE) throw new Unrepresentable(`more than ${NONE} distinct values`);
    return i;
  }

  /** Stores `doc`'s fields (a null category: no active document). False when over budget. */
  set(doc: number, r: Row): boolean {
    if (r[0] === null) {
      if (doc < this.capacity) {
        this.categoryIdx[doc] = NONE;
        this.moreAttributes.delete(doc);
      }
      return true;
    }
    if (!this.reserve(doc + 1)) return false;
    const c = this.small(this.categories, r[0]);
    this.categoryPaths[c] = r[1];
    if (!Number.isSafeInteger(r[4]) || Math.abs(r[4]) > 0x7fffffff || Math.abs(r[9]) > 0x7fffffff || Math.abs(r[6]) > 0x7fffffff) {
      throw new Unrepresentable("a number beyond 32 bits");
    }
    this.categoryIdx[doc] = c;
    this.brandIdx[doc] = r[2] === null ? NONE : this.small(this.brands, r[2]);
    this.vendorIdx[doc] = r[3] === null ? NONE : this.small(this.vendors, r[3]);
    this.price[doc] = r[4];
    this.rating[doc] = r[5];
    this.ratingCount[doc] = r[6];
    this.inStock[doc] = r[7];
    this.featured[doc] = r[8];
    this.sold[doc] = r[9];
    // ISO-8601 text sorts as its time does; the number compares without a string per document.
    this.createdAt[doc] = Date.parse(r[10]) || 0;
    this.priceBucket[doc] = priceBucket(r[4]);
    this.ratingBucket[doc] = ratingBucket(r[5]);
    // ",12,57," → slots
    const list = r[11];
    const at = doc * ATTRIBUTE_SLOTS;
    this.attributeSlots.fill(NONE, at, at + ATTRIBUTE_SLOTS);
    this.moreAttributes.delete(doc);
    let n = 0;
    let ids: number[] | null = null;
    let start = 1;
    for (let end = list.indexOf(",", start); end > 0; end = list.indexOf(",", start)) {
      if (end > start) {
        const id = Number(list.slice(start, end));
        if (id >= NONE) throw new Unrepresentable("an attribute value id beyond 16 bits");
        if (n < ATTRIBUTE_SLOTS) this.attributeSlots[at + n] = id;
        else {
          ids ??= Array.from(this.attributeSlots.subarray(at, at + ATTRIBUTE_SLOTS));
          ids.push(id);
        }
        n++;
      }
      start = end + 1;
    }
    if (ids) this.moreAttributes.set(doc, ids);
    return true;
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
 * the copy cannot be brought there (the database is not the one it followed, or the catalog has
 * outgrown the copy's budget): then the caller drops it. `seq`/`token` are the position the
 * statement was built with.
 */
export function applySync(snapshot: DocumentSnapshot, seq: number, token: number, row: Record<string, unknown>): boolean {
  const logMin = row.snap_log_min === null || row.snap_log_min === undefined ? null : Number(row.snap_log_min);
  if (Number(row.snap_token) !== token) return false;
  if (seq === 0 && logMin !== null && logMin > 1) return false;
  const changes = JSON.parse(String(row.snap_changes ?? "[]")) as Array<[number, number, number, ...Row]>;
  try {
    for (const [changeSeq, changeToken, doc, ...fields] of changes) {
      // A concurrent request may have applied these already; later rows always win.
      if (changeSeq <= snapshot.seq) continue;
      if (!snapshot.set(doc, fields as Row)) return false;
      snapshot.seq = changeSeq;
      snapshot.token = changeToken;
    }
  } catch (error) {
    if (error instanceof Unrepresentable) return false;
    throw error;
  }
  return true;
}

// Module state holds settled plain values only: the published copy, and when a background load
// was last started (so that one isolate does not run several at once; never awaited).
let current: DocumentSnapshot | null = null;
let backgroundLoadSince = 0;
/** Until when the catalog is known not to fit the budget (not re-measured on every search), and that budget. */
let oversizedUntil = 0;
let oversizedBudget = "";
/** The limits an "oversized" verdict was made under (a test may change them). */
const limitsKey = () => `${snapshotLimits.budgetBytes}/${snapshotLimits.backgroundDocs}`;
/** A background load that has not published within this long is presumed dead. */
const BACKGROUND_LOAD_TIMEOUT_MS = 60_000;
const OVERSIZED_RECHECK_MS = 60_000;

/** The isolate's published copy, if any (never a pending one). */
export function publishedSnapshot(): DocumentSnapshot | null {
  return current;
}

/** Drops `stale` if it is still the published copy (it could not be brought up to date). */
export function dropSnapshot(stale: DocumentSnapshot): void {
  if (current === stale) current = null;
}

/** Whether `max(doc_id)` fits the copy's budget. */
function fits(top: number): boolean {
  return (top + 1) * BYTES_PER_DOC <= snapshotLimits.budgetBytes;
}

/**
 * The copy a text search may use now: the published one, or, when there is none and the
 * catalog is small, one this request loads itself (and publishes). Null means "answer through D1
 * alone"; the caller then calls `loadSnapshotLater` once it has its answer.
 */
export async function snapshotForSearch(d1: D1Database): Promise<DocumentSnapshot | null> {
  if (current) return current;
  const now = Date.now();
  if (now < oversizedUntil && oversizedBudget === limitsKey()) return null;
  const head = await d1.prepare("SELECT coalesce(max(doc_id), 0) AS n FROM search_documents").first<{ n: number }>();
  const top = head?.n ?? 0;
  if (!fits(top) || top > snapshotLimits.backgroundDocs) {
    oversizedUntil = now + OVERSIZED_RECHECK_MS;
    oversizedBudget = limitsKey();
    return null;
  }
  if (top > snapshotLimits.inlineDocs) return null;
  const loaded = await loadSnapshot(d1);
  current ??= loaded;
  return loaded;
}

/**
 * Starts loading the copy in `background` (this request's `waitUntil`), unless one is published,
 * the catalog does not fit the budget, or a load started recently in this isolate is still
 * running. Called after the request has its answer, so the load does not delay it.
 */
export function loadSnapshotLater(d1: D1Database, background: (work: Promise<unknown>) => void): void {
  const now = Date.now();
  if (current || (now < oversizedUntil && oversizedBudget === limitsKey())) return;
  if (now - backgroundLoadSince < BACKGROUND_LOAD_TIMEOUT_MS) return;
  backgroundLoadSince = now;
  background(
    loadSnapshot(d1)
      .then((loaded) => {
        current ??= loaded;
        const ms = Date.now() - now;
        console.log(JSON.stringify({ level: "info", msg: "search snapshot loaded", docIds: loaded?.capacity ?? 0, bytes: loaded?.bytes ?? 0, ms }));
      })
      .catch((error) => console.error(JSON.stringify({ level: "error", msg: "search snapshot load failed", error: String(error) })))
      .finally(() => {
        backgroundLoadSince = 0;
      }),
  );
}

/**
 * Reads a complete copy (chunk by chunk, so no more than one chunk's JSON is held at a time), or
 * null when the catalog does not fit the budget. Not published: the caller decides.
 */
export async function loadSnapshot(d1: D1Database): Promise<DocumentSnapshot | null> {
  const snapshot = new DocumentSnapshot();
  // The position first: a document changed while the chunks are read is also in the log after
  // this position, and the first search that uses the copy applies its current fields.
  const head = await d1
    .prepare(
      "SELECT coalesce((SELECT max(seq) FROM search_changes), 0) AS seq, coalesce((SELECT token FROM search_changes WHERE seq = (SELECT max(seq) FROM search_changes)), (SELECT epoch FROM search_meta)) AS token, (SELECT coalesce(max(doc_id), 0) FROM search_documents) AS top",
    )
    .first<{ seq: number; token: number; top: number }>();
  snapshot.seq = Number(head?.seq ?? 0);
  snapshot.token = Number(head?.token ?? 0);
  const top = Number(head?.top ?? 0);
  if (!snapshot.reserve(top + 1)) return null;
  const columns = ["doc_id", ...FIELDS].map((f) => `json_group_array(${f}) AS ${f}`).join(", ");
  const chunks = Math.max(1, Math.ceil((top + 1) / LOAD_CHUNK));
  try {
    for (let i = 0; i < chunks; i++) {
      const row = await d1
        .prepare(`SELECT ${columns} FROM search_documents WHERE doc_id >= ? AND doc_id < ?`)
        // The last chunk is open-ended: documents inserted since `top` was read belong to it.
        .bind(i * LOAD_CHUNK, i === chunks - 1 ? Number.MAX_SAFE_INTEGER : (i + 1) * LOAD_CHUNK)
        .first<Record<string, unknown>>();
      if (!row) continue;
      const ids = JSON.parse(String(row.doc_id ?? "[]")) as number[];
      const cols = FIELDS.map((f) => JSON.parse(String(row[f] ?? "[]")) as unknown[]);
      const fields = new Array(FIELDS.length) as unknown[];
      for (let d = 0; d < ids.length; d++) {
        for (let f = 0; f < fields.length; f++) fields[f] = (cols[f] as unknown[])[d];
        if (!snapshot.set(ids[d] as number, fields as Row)) return null;
      }
    }
  } catch (error) {
    if (error instanceof Unrepresentable) return null;
    throw error;
  }
  return snapshot;
}
