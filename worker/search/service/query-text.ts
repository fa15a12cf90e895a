/**
 * Turning what a shopper typed into an FTS5 query, safely.
 *
 * The text is split into words exactly the way the index's `unicode61 remove_diacritics 2`
 * tokenizer splits it (letters and digits, case and accents folded), and every word is written
 * as a double-quoted FTS5 string. So nothing a shopper types — quotes, `*`, `NEAR`, `-`, `^`,
 * column filters, SQL — is ever read as FTS5 or SQL syntax: it is plain words or nothing.
 */

/** Words considered at most; more are ignored. */
export const MAX_WORDS = 8;
/** A word is cut to this many characters (no catalog word is longer). */
export const MAX_WORD_LENGTH = 40;

/** Dropped when other words remain ("shirt for men" searches "shirt" and "men"). */
const STOPWORDS = new Set(["a", "an", "and", "the", "of", "for", "with", "in", "on", "to", "by", "or", "at", "from"]);

/** Case- and accent-folded words of `text`, in order, duplicates removed. */
export function searchWords(text: string): string[] {
  const folded = text
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase();
  const words: string[] = [];
  for (const match of folded.matchAll(/[\p{L}\p{N}]+/gu)) {
    const word = match[0].slice(0, MAX_WORD_LENGTH);
    if (!words.includes(word)) words.push(word);
    if (words.length === MAX_WORDS * 2) break;
  }
  const meaningful = words.filter((w) => !STOPWORDS.has(w));
  return (meaningful.length > 0 ? meaningful : words).slice(0, MAX_WORDS);
}

/** One word as an FTS5 string; words of two or more characters also match as prefixes. */
function term(word: string, prefix: boolean): string {
  return `"${word.replaceAll('"', '""')}"${prefix ? "*" : ""}`;
}

/**
 * The MATCH expression for `words` (all must occur, in any column), or null when there is
 * nothing to search for. Every word is a prefix ("head" finds "headphones") unless it is a
 * single character, which would match half the catalog.
 */
export function matchExpression(words: readonly string[], columns?: readonly string[]): string | null {
  if (words.length === 0) return null;
  const body = words.map((w) => term(w, w.length >= 2)).join(" ");
  return columns ? `{${columns.join(" ")}}: (${body})` : body;
}
