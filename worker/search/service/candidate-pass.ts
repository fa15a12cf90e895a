import type { ProductSort } from "../schema";
import type { DocumentWants, FacetCounts } from "./facets";
import type { ActiveFilter, Dim } from "./filters";
import { CANDIDATE_COLUMNS, type Candidates } from "./listing-query";
import { compareCandidates, firstInOrder } from "./ordering";

export interface CandidatePass {
  /** Filters whose "everything but me" set is counted from these rows (bit i of a row's mask: it passes np[i]). */
  np: ActiveFilter[];
  /** For each active filter, whether its "everything but me" set comes from the facet-count table instead. */
  excludedPrecomputed: Map<Dim, boolean>;
  sort: ProductSort;
  ranked: boolean;
  offset: number;
  perPage: number;
}

/**
 * The candidate pass answered by D1 alone (no document snapshot in this isolate): the first statement's
 * rows that fail at most one filter, one JSON array per column. Every row is counted into `counts` for the
 * dimensions its mask allows; the rows passing every filter are the matches, ordered here, and the shown
 * page's doc ids returned, with the text read's probe (for scaling the counts) when there are words.
 */
export function countCandidates(
  row: Record<string, string | number | null>,
  counts: FacetCounts,
  o: CandidatePass,
): { total: number; shown: number[]; probe: { read: number; lowest: number } | null } {
  const parse = (key: string): unknown[] => JSON.parse(String(row[key] ?? "[]")) as unknown[];
  const c = Object.fromEntries(CANDIDATE_COLUMNS.filter((k) => k in row).map((k) => [k, parse(k)])) as unknown as Candidates;
  // A text search's bounded read: how many full-text rows it read (at most cap + 1) and the lowest doc id among them.
  const [read, lowest] = row.text_probe != null ? (JSON.parse(String(row.text_probe)) as [number, number]) : [];
  const full = (1 << o.np.length) - 1;
  const bitOf = new Map(o.np.map((f, i) => [f.dim, 1 << i]));
  // Passing every filter: counted for every dimension the table does not answer, and listed.
  // Failing exactly filter D: counted only for D's own values.
  const wantsByMask = new Map<number, DocumentWants>();
  const wantsFor = (mask: number) => {
    let w = wantsByMask.get(mask);
    if (!w) {
      const failed = full ^ mask;
      w = counts.documentWants(mask === full ? (dim) => !o.excludedPrecomputed.get(dim) : (dim) => bitOf.get(dim) === failed);
      wantsByMask.set(mask, w);
    }
    return w;
  };
  const matching: number[] = [];
  const size = c.doc_id?.length ?? 0;
  for (let i = 0; i < size; i++) {
    const mask = c.mask[i] ?? 0;
    if (mask === full) matching.push(i);
    counts.addDocument(
      {
        categoryId: c.category_id[i] ?? "",
        brandId: c.brand_id[i] ?? null,
        vendorId: c.vendor_id[i] ?? null,
        price: c.price[i] ?? 0,
        rating: c.rating[i] ?? 0,
        inStock: c.in_stock[i] ?? 0,
        attributeIds: c.attribute_ids[i] ?? ",",
      },
      wantsFor(mask),
    );
  }
  const shown = firstInOrder(matching, o.offset + o.perPage, compareCandidates(c, o.sort, o.ranked))
    .slice(o.offset)
    .map((i) => c.doc_id[i] ?? 0);
  return { total: matching.length, shown, probe: read === undefined ? null : { read, lowest: lowest ?? 0 } };
}
