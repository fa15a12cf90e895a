/** What the edge derives from a request for analytics, so that no User-Agent, address or query string is stored. */

const BOT_UA =
  /bot\b|bot\/|crawl|spider|slurp|bingpreview|facebookexternalhit|embedly|quora link preview|whatsapp|telegrambot|discordbot|lighthouse|pingdom|uptime|monitor|curl\/|wget\/|python-requests|python-urllib|go-http-client|java\/|okhttp|axios\/|node-fetch|httpclient|scrapy|phantomjs/i;

/** True for crawlers, link previewers, monitors and scripted clients (and a missing User-Agent). */
export function isBot(userAgent: string | null, verifiedBot = false): boolean {
  if (verifiedBot) return true;
  if (!userAgent || userAgent.length < 10) return true;
  return BOT_UA.test(userAgent);
}

/** A device class from the User-Agent; the string itself is not kept. */
export function deviceOf(userAgent: string | null): "mobile" | "tablet" | "desktop" {
  const ua = userAgent ?? "";
  if (/iPad|Tablet|PlayBook|Silk|(Android(?!.*Mobile))/i.test(ua)) return "tablet";
  if (/Mobi|iPhone|iPod|Android|Windows Phone/i.test(ua)) return "mobile";
  return "desktop";
}

/** ISO alpha-2 country or null. */
export function countryOf(value: unknown): string | null {
  return typeof value === "string" && /^[A-Z]{2}$/.test(value) && value !== "XX" && value !== "T1" ? value : null;
}

/**
 * Search text as counted: lower case, single spaces. Text that looks like an email address or a long number
 * (an order or phone number typed into the search box) is not stored.
 */
export function normalizeSearch(text: string): string {
  const q = text.trim().toLowerCase().replace(/\s+/g, " ").slice(0, 120);
  if (/@/.test(q) || /\d[\d\s-]{5,}\d/.test(q)) return "(withheld: looked like personal data)";
  return q;
}
