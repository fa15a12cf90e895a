// What the header search box (islands/SearchBox.tsx) shows for what was typed: the options of a suggestions answer,
// grouped, with the typed words in bold. Plain functions of their inputs; the island keeps the state and the requests.
import type { JSX } from "preact";
import type { Schemas } from "../../sdk";
import { type DisplayCurrency, formatCount, formatPrice } from "./format";

export type SuggestResponse = Schemas["SearchSuggestions"];

export interface Option {
  id: string;
  kind: "query" | "category" | "brand" | "product";
  label: string;
  detail?: string;
  href: string;
  image?: string | null;
}

/** Lowercase without accents, position for position, for matching what was typed. */
function fold(text: string): string {
  return text
    .split("")
    .map(
      (ch) =>
        ch
          .normalize("NFKD")
          .replace(/\p{M}+/gu, "")
          .toLowerCase()
          .charAt(0) || ch,
    )
    .join("");
}

/** `label` with the start of each word that begins with a typed word in bold. */
export function highlight(label: string, typed: string): Array<string | JSX.Element> {
  const words = fold(typed)
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
  const folded = fold(label);
  const parts: Array<string | JSX.Element> = [];
  let last = 0;
  for (const match of folded.matchAll(/[\p{L}\p{N}]+/gu)) {
    const start = match.index ?? 0;
    const hit = words.filter((w) => match[0].startsWith(w)).sort((a, b) => b.length - a.length)[0];
    if (!hit) continue;
    if (start > last) parts.push(label.slice(last, start));
    parts.push(<b key={start}>{label.slice(start, start + hit.length)}</b>);
    last = start + hit.length;
  }
  parts.push(label.slice(last));
  return parts;
}

export function optionsOf(answer: SuggestResponse | undefined, typed: string, display: DisplayCurrency | null): Option[] {
  const text = typed.trim();
  if (!text) return [];
  const options: Option[] = [{ id: "q", kind: "query", label: text, href: `/search?q=${encodeURIComponent(text)}` }];
  if (!answer) return options;
  for (const c of answer.categories) {
    options.push({ id: `c-${c.slug}`, kind: "category", label: c.name, detail: `${formatCount(c.count)} products`, href: `/c/${c.slug}` });
  }
  for (const b of answer.brands) {
    options.push({
      id: `b-${b.slug}`,
      kind: "brand",
      label: b.name,
      detail: `${formatCount(b.count)} products`,
      href: `/search?brand=${encodeURIComponent(b.slug)}`,
    });
  }
  for (const p of answer.products) {
    options.push({ id: `p-${p.slug}`, kind: "product", label: p.name, detail: formatPrice(p.price, display), href: `/p/${p.slug}`, image: p.image?.url });
  }
  return options;
}

export const GROUPS: Array<{ kind: Option["kind"]; title: string | null }> = [
  { kind: "query", title: null },
  { kind: "category", title: "Categories" },
  { kind: "brand", title: "Brands" },
  { kind: "product", title: "Products" },
];
