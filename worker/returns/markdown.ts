/**
 * The policy pages' Markdown: a deliberately small subset parsed into plain data (headings, paragraphs,
 * bullet lists; bold, italic and links inside), never into HTML. Pages render the data as elements, so
 * nothing a staff member types can become markup; `blocksToHtml` escapes every character of text for
 * API clients that want HTML. Links must be https, mailto or a path on this site.
 */
import { escapeHtml } from "../lib/html";

export interface Inline {
  text: string;
  bold?: boolean;
  italic?: boolean;
  href?: string;
}
export type Block = { kind: "h2" | "h3" | "p"; inlines: Inline[] } | { kind: "ul"; items: Inline[][] };

/** A link target that is safe to render, or null (javascript:, data:, protocol-relative and the like are dropped). */
export function safeHref(raw: string): string | null {
  const href = raw.trim();
  if (/^\/(?![/\\])[^\s]*$/.test(href)) return href;
  if (/^mailto:[^\s@]+@[^\s@]+$/i.test(href)) return href;
  try {
    const url = new URL(href);
    return url.protocol === "https:" ? url.toString() : null;
  } catch {
    return null;
  }
}

/** Inline marks: `[text](url)`, `**bold**`, `*italic*`; anything else is text. */
export function parseInline(source: string): Inline[] {
  const out: Inline[] = [];
  const re = /\[([^\]]{1,300})\]\(([^)\s]{1,500})\)|\*\*([^*]{1,500})\*\*|\*([^*]{1,500})\*/g;
  let last = 0;
  for (const m of source.matchAll(re)) {
    if (m.index > last) out.push({ text: source.slice(last, m.index) });
    if (m[1] !== undefined) {
      const href = safeHref(m[2] ?? "");
      out.push(href ? { text: m[1], href } : { text: m[1] });
    } else if (m[3] !== undefined) out.push({ text: m[3], bold: true });
    else out.push({ text: m[4] ?? "", italic: true });
    last = m.index + m[0].length;
  }
  if (last < source.length) out.push({ text: source.slice(last) });
  return out;
}

/** Headings (`#`/`##` → h2, `###` → h3), `-`/`*` bullet lists, blank-line separated paragraphs. */
export function parsePolicyMarkdown(source: string): Block[] {
  const blocks: Block[] = [];
  let para: string[] = [];
  let list: Inline[][] | null = null;
  const flush = () => {
    if (para.length) blocks.push({ kind: "p", inlines: parseInline(para.join(" ")) });
    para = [];
    if (list) blocks.push({ kind: "ul", items: list });
    list = null;
  };
  for (const raw of source.replace(/\r\n?/g, "\n").split("\n")) {
    const line = raw.trim();
    const heading = /^(#{1,3})\s+(.+)$/.exec(line);
    const bullet = /^[-*]\s+(.+)$/.exec(line);
    if (!line) flush();
    else if (heading) {
      flush();
      blocks.push({ kind: (heading[1]?.length ?? 1) >= 3 ? "h3" : "h2", inlines: parseInline(heading[2] ?? "") });
    } else if (bullet) {
      if (para.length) {
        blocks.push({ kind: "p", inlines: parseInline(para.join(" ")) });
        para = [];
      }
      list ??= [];
      list.push(parseInline(bullet[1] ?? ""));
    } else {
      if (list) {
        blocks.push({ kind: "ul", items: list });
        list = null;
      }
      para.push(line);
    }
  }
  flush();
  return blocks;
}

const esc = escapeHtml;

function inlineHtml(parts: Inline[]): string {
  return parts
    .map((p) => {
      let h = esc(p.text);
      if (p.bold) h = `<strong>${h}</strong>`;
      if (p.italic) h = `<em>${h}</em>`;
      if (p.href) h = `<a href="${esc(p.href)}">${h}</a>`;
      return h;
    })
    .join("");
}

/** The blocks as HTML with every text and attribute escaped (for API clients). */
export function blocksToHtml(blocks: Block[]): string {
  return blocks
    .map((b) => (b.kind === "ul" ? `<ul>${b.items.map((i) => `<li>${inlineHtml(i)}</li>`).join("")}</ul>` : `<${b.kind}>${inlineHtml(b.inlines)}</${b.kind}>`))
    .join("\n");
}
