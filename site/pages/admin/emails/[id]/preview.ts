import { env } from "cloudflare:workers";
import type { APIRoute } from "astro";
import { getEmail } from "../../../../../worker/notifications";
import { requireStaff } from "../../../../lib/admin";
import { emailIdParam } from "../_shared";

/**
 * The stored HTML of one email, for the sandboxed iframe on its admin page.
 * Its own policy: nothing may run or load except inline styles and https
 * images, the document is sandboxed even if opened directly, and only the
 * store's own pages may frame it.
 */
const PREVIEW_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; font-src https: data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'; sandbox";

export const GET: APIRoute = async ({ request, url, params }) => {
  const access = await requireStaff({ request, url, response: { headers: new Headers() } });
  if (access instanceof Response) return access;
  let html: string;
  try {
    html = (await getEmail(env, emailIdParam(params.id))).html;
  } catch {
    return new Response("No such email.", { status: 404, headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "private, no-store" } });
  }
  return new Response(html, {
    headers: {
      "Content-Type": "text/html; charset=utf-8",
      "Content-Security-Policy": PREVIEW_CSP,
      "Cache-Control": "private, no-store",
      "X-Robots-Tag": "noindex",
    },
  });
};
