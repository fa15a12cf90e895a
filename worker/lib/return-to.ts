// Control characters (browsers silently drop tabs and line breaks inside a URL, so "/\t/evil" becomes
// "//evil") and backslashes (browsers read "\" as "/" in http(s) URLs).
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const FORBIDDEN = /[\u0000-\u001f\u007f\\]/;
// An encoded slash or backslash in the path: some servers, proxies and redirect chains decode it once.
const ENCODED_SEPARATOR = /%(?:2f|5c)/i;

/**
 * The one check for every redirect target taken from a request (`returnTo`
 * and the like): answers the path, query and fragment to put in `Location`
 * when `candidate` is a path on `origin`, otherwise `fallback`. Accepted only
 * when the raw text starts with a single "/" followed by something other than
 * "/" or "\" (or is exactly "/"), has no control characters, backslashes,
 * "@" or encoded "/" or "\" in its path, and still resolves to `origin` with a
 * path that does not start with "//" ("/.//evil.example" resolves to
 * "//evil.example", which a browser reads as another host).
 */
export function safeReturnTo(candidate: string | null | undefined, origin: string, fallback = "/"): string {
  if (typeof candidate !== "string" || candidate.length === 0 || candidate.length > 2000) return fallback;
  if (!/^\/(?:$|[^/\\])/.test(candidate) || FORBIDDEN.test(candidate)) return fallback;
  const path = candidate.split(/[?#]/, 1)[0] ?? "";
  if (path.includes("@") || ENCODED_SEPARATOR.test(path)) return fallback;
  let resolved: URL;
  try {
    resolved = new URL(candidate, origin);
  } catch {
    return fallback;
  }
  if (resolved.origin !== new URL(origin).origin || !/^\/(?!\/)/.test(resolved.pathname)) return fallback;
  return `${resolved.pathname}${resolved.search}${resolved.hash}`;
}
