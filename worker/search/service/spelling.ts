/**
 * "Did you mean": when a query matches nothing, words that are not (the start of) any word in
 * the index are replaced by the closest indexed word. Candidates come from the live vocabulary
 * of the full-text index (fts5vocab), read by first letter — and by second letter, which covers
 * a dropped or extra first letter — so only a small slice of it is read. Each letter's slice is kept
 * in the isolate until the catalog changes: fts5vocab counts every listed word's documents by reading
 * its whole document list, ~50 ms a letter at 1,000,000 products.
 */
import { MemoCache } from "../../lib/memo-cache";

/** How long a letter's words are kept (a catalog write anywhere drops them sooner). */
const VOCABULARY_TTL_MS = 10 * 60_000;
const vocabulary = new MemoCache(64);

/** Drops the kept words (search.ts calls it on every catalog change). */
export function forgetVocabulary(): void {
  vocabulary.purge();
}

type Term = { term: string; doc: number };

/** The index's words starting with `letter`, with how many documents each is in. */
function wordsStartingWith(d1: D1Database, letter: string): Promise<readonly Term[]> {
  return vocabulary.get(letter, VOCABULARY_TTL_MS, async () => {
    const { results } = await d1.prepare("SELECT term, doc FROM search_vocabulary WHERE term >= ? AND term < ?").bind(letter, after(letter)).all<Term>();
    return Object.freeze(results.map((r) => Object.freeze({ term: r.term, doc: r.doc })));
  });
}

/** Optimal-string-alignment distance (Levenshtein plus adjacent swaps), giving up above `max`. */
export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev2: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, (prev2[j - 2] ?? 0) + 1);
      cur.push(v);
      best = Math.min(best, v);
    }
    if (best > max) return max + 1;
    prev2 = prev;
    prev = cur;
  }
  return prev[b.length] ?? max + 1;
}

/** How many edits a word of this length may need: none below 3 letters, then 1, then 2. */
function allowedEdits(word: string): number {
  if (word.length < 3 || /^\d+$/.test(word)) return 0;
  return word.length <= 4 ? 1 : 2;
}

/** Successor of a one-character prefix, for a half-open range scan. */
const after = (prefix: string) => prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);

/**
 * The closest indexed word for `word`, or `word` itself when some indexed word starts with it
 * (every query word is a prefix) or nothing is close enough.
 */
function closest(word: string, terms: readonly Term[]): string {
  if (terms.some((t) => t.term.startsWith(word))) return word;
  const max = allowedEdits(word);
  if (max === 0) return word;
  let best: { term: string; distance: number; doc: number } | null = null;
  for (const { term, doc } of terms) {
    // Whole word, or the start of a longer word (a typo in what is still being typed).
    let distance = editDistance(word, term, max);
    for (let n = word.length - 1; n <= word.length + 1 && distance > 0; n++) {
      if (n > 0 && n < term.length) distance = Math.min(distance, editDistance(word, term.slice(0, n), max) + 0.5);
    }
    if (distance > max) continue;
    if (!best || distance < best.distance || (distance === best.distance && doc > best.doc)) best = { term, distance, doc };
  }
  return best?.term ?? word;
}

/** Corrected words when at least one word changed, else null. */
export async function correctSpelling(d1: D1Database, words: string[]): Promise<string[] | null> {
  const letters = [...new Set(words.filter((w) => allowedEdits(w) > 0).flatMap((w) => [w.charAt(0), w.charAt(1)]))];
  if (letters.length === 0) return null;
  const results = await Promise.all(letters.map((l) => wordsStartingWith(d1, l)));
  const byLetter = new Map(letters.map((l, i) => [l, results[i] ?? []]));
  const corrected = words.map((w) => {
    if (allowedEdits(w) === 0) return w;
    const candidates = [...(byLetter.get(w.charAt(0)) ?? []), ...(byLetter.get(w.charAt(1)) ?? [])];
    return closest(w, candidates);
  });
  return corrected.some((w, i) => w !== words[i]) ? corrected : null;
}
