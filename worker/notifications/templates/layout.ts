/**
 * The building blocks every email is made of, rendered twice: as a
 * responsive table-layout HTML document with inline styles (what mail
 * clients understand) and as plain text. Every value is escaped here, so a
 * template never writes raw HTML.
 */
import { escapeHtml } from "../../lib/html";
import { formatMoney as formatStoreMoney } from "../../lib/money";

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

export interface Link {
  label: string;
  url: string;
}

/** A receipt line: name (and variant), quantity, and an optional amount already formatted. */
export interface ItemRow {
  name: string;
  detail?: string;
  quantity: number;
  amount?: string;
}

export interface EmailContent {
  subject: string;
  /** The line mail clients show after the subject in the inbox; hidden in the body. */
  preheader: string;
  heading: string;
  paragraphs: string[];
  items?: ItemRow[];
  /** Label/value pairs under the items (totals, carrier, tracking number...). */
  facts?: [label: string, value: string][];
  action?: Link;
  /** Further links below the button (e.g. the carrier's tracking page). */
  links?: Link[];
  after?: string[];
  /** Why the recipient gets this email (footer). */
  reason: string;
}

export interface StoreInfo {
  name: string;
  /** The store's origin for the header link, when known. */
  origin: string | null;
}

export const esc = escapeHtml;

/** Only http(s) links are written into an href; anything else (javascript:, data:) becomes inert. */
export function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : "#";
  } catch {
    return "#";
  }
}

/**
 * `1999, "USD"` → `$19.99`; `1999, "JPY"` → `¥1,999`: the store's one money formatter, so an email
 * shows an amount exactly as the pages do. A code Intl cannot read keeps its minor units as they are
 * (how many decimals it has is unknown, and guessing two would misstate it).
 */
export function formatMoney(minor: number, currency: string): string {
  try {
    return formatStoreMoney({ amount: minor, currency: currency.toUpperCase() });
  } catch {
    return `${minor} ${currency}`;
  }
}

const C = { bg: "#f3eee6", card: "#ffffff", ink: "#241f1a", muted: "#5f564c", border: "#e4dcd0", accent: "#b3471d" };
const FONT = "font-family:system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif";

function itemsHtml(items: ItemRow[]): string {
  const rows = items
    .map(
      (i) =>
        `<tr><td style="padding:10px 0;border-bottom:1px solid ${C.border};font-size:15px;color:${C.ink}">${esc(i.name)}${
          i.detail ? `<br><span style="font-size:13px;color:${C.muted}">${esc(i.detail)}</span>` : ""
        }</td><td style="padding:10px 8px;border-bottom:1px solid ${C.border};font-size:15px;color:${C.muted};white-space:nowrap" align="center">× ${esc(
          i.quantity,
        )}</td><td style="padding:10px 0;border-bottom:1px solid ${C.border};font-size:15px;color:${C.ink};white-space:nowrap" align="right">${esc(i.amount ?? "")}</td></tr>`,
    )
    .join("");
  return `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="margin:8px 0 16px;border-collapse:collapse">${rows}</table>`;
}

function factsHtml(facts: [string, string][]): string {
  const rows = facts
    .map(
      ([label, value], n) =>
        `<tr><td style="padding:4px 0;font-size:15px;color:${C.muted}">${esc(label)}</td><td style="padding:4px 0;font-size:15px;color:${C.ink};${
          n === facts.length - 1 ? "font-weight:700;" : ""
        }" align="right">${esc(value)}</td></tr>`,
    )
    .join("");
  return `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="margin:0 0 16px">${rows}</table>`;
}

/** The HTML document: a centred 600 px card that shrinks to the screen on phones. */
export function renderHtml(store: StoreInfo, c: EmailContent): string {
  const p = (s: string) => `<p style="margin:0 0 16px;font-size:16px;line-height:1.55;color:${C.ink}">${esc(s)}</p>`;
  const storeLink = store.origin
    ? `<a href="${esc(safeUrl(store.origin))}" style="color:${C.ink};text-decoration:none">${esc(store.name)}</a>`
    : esc(store.name);
  const button = c.action
    ? `<table role="presentation" cellpadding="0" cellspacing="0" style="margin:8px 0 16px"><tr><td style="border-radius:8px;background:${C.accent}"><a href="${esc(
        safeUrl(c.action.url),
      )}" style="display:inline-block;padding:12px 22px;font-size:16px;font-weight:600;color:#ffffff;text-decoration:none;border-radius:8px">${esc(
        c.action.label,
      )}</a></td></tr></table><p style="margin:0 0 16px;font-size:13px;line-height:1.5;color:${C.muted};word-break:break-all">Or open this link: <a href="${esc(
        safeUrl(c.action.url),
      )}" style="color:${C.accent}">${esc(c.action.url)}</a></p>`
    : "";
  const links = (c.links ?? [])
    .map((l) => `<p style="margin:0 0 12px;font-size:15px"><a href="${esc(safeUrl(l.url))}" style="color:${C.accent}">${esc(l.label)}</a></p>`)
    .join("");
  return [
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">`,
    `<meta name="color-scheme" content="light"><title>${esc(c.subject)}</title></head>`,
    `<body style="margin:0;padding:0;background:${C.bg};${FONT}">`,
    // The preheader: shown by inbox lists, hidden in the message itself.
    `<div style="display:none;max-height:0;overflow:hidden;opacity:0;mso-hide:all">${esc(c.preheader)}</div>`,
    `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:${C.bg}"><tr><td align="center" style="padding:24px 12px">`,
    `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:600px;background:${C.card};border:1px solid ${C.border};border-radius:12px">`,
    `<tr><td style="padding:20px 28px;border-bottom:1px solid ${C.border};font-size:18px;font-weight:700;${FONT}">${storeLink}</td></tr>`,
    `<tr><td style="padding:24px 28px;${FONT}">`,
    `<h1 style="margin:0 0 16px;font-size:22px;line-height:1.3;color:${C.ink}">${esc(c.heading)}</h1>`,
    c.paragraphs.map(p).join(""),
    c.items?.length ? itemsHtml(c.items) : "",
    c.facts?.length ? factsHtml(c.facts) : "",
    button,
    links,
    (c.after ?? []).map(p).join(""),
    `</td></tr>`,
    `<tr><td style="padding:16px 28px;border-top:1px solid ${C.border};font-size:13px;line-height:1.5;color:${C.muted};${FONT}">${esc(c.reason)}<br>${esc(store.name)}</td></tr>`,
    `</table></td></tr></table></body></html>`,
  ].join("");
}

/** The plain-text twin: same content, links written out in full. */
export function renderText(store: StoreInfo, c: EmailContent): string {
  const lines: string[] = [c.heading, "", ...c.paragraphs.flatMap((p) => [p, ""])];
  if (c.items?.length) {
    for (const i of c.items) lines.push(`- ${i.name}${i.detail ? ` (${i.detail})` : ""} × ${i.quantity}${i.amount ? `  ${i.amount}` : ""}`);
    lines.push("");
  }
  if (c.facts?.length) {
    for (const [label, value] of c.facts) lines.push(`${label}: ${value}`);
    lines.push("");
  }
  if (c.action) lines.push(`${c.action.label}: ${c.action.url}`, "");
  for (const l of c.links ?? []) lines.push(`${l.label}: ${l.url}`, "");
  for (const p of c.after ?? []) lines.push(p, "");
  lines.push("--", c.reason, store.origin ? `${store.name} · ${store.origin}` : store.name);
  return lines.join("\n");
}

export function render(store: StoreInfo, content: EmailContent): RenderedEmail {
  return { subject: content.subject, html: renderHtml(store, content), text: renderText(store, content) };
}
