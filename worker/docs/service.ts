/**
 * /api/docs: a self-contained page (no CDN scripts, works offline) that
 * fetches /api/openapi.json and lists every operation with its parameters,
 * bodies and responses. Its inline style and script are allowed by hash.
 */
const STYLE = `
:root{--fg:#1c1917;--muted:#57534e;--line:#e7e5e4;--accent:#0f766e;font-family:system-ui,sans-serif;color:var(--fg)}
body{margin:0 auto;max-width:960px;padding:24px;line-height:1.5}
h1{font-size:1.6rem;margin:0 0 4px}.op{border:1px solid var(--line);border-radius:8px;margin:12px 0;padding:0}
summary{cursor:pointer;padding:10px 14px;display:flex;gap:12px;align-items:baseline;flex-wrap:wrap}
.m{font:600 .8rem ui-monospace,monospace;text-transform:uppercase;color:#fff;background:var(--accent);border-radius:4px;padding:2px 8px}
.m.post{background:#1d4ed8}.m.patch,.m.put{background:#b45309}.m.delete{background:#b91c1c}
code,pre{font-family:ui-monospace,monospace;font-size:.85rem}pre{background:#fafaf9;border:1px solid var(--line);padding:10px;overflow:auto;border-radius:6px}
.body{padding:0 14px 14px}.muted{color:var(--muted)}table{border-collapse:collapse;width:100%}td,th{text-align:left;border-top:1px solid var(--line);padding:4px 6px;vertical-align:top}
`;

const SCRIPT = `
const spec = await (await fetch("/api/openapi.json")).json();
const esc = (s) => String(s ?? "").replace(/[&<>"]/g, (c) => ({"&":"&amp;","<":"&lt;",">":"&gt;",'"':"&quot;"})[c]);
const resolve = (s) => s && s.$ref ? spec.components.schemas[s.$ref.split("/").pop()] : s;
const out = [];
for (const [path, ops] of Object.entries(spec.paths)) for (const [method, op] of Object.entries(ops)) {
  const params = (op.parameters ?? []).map((p) => "<tr><td><code>" + esc(p.name) + "</code></td><td>" + esc(p.in) + (p.required ? ", required" : "") + "</td><td>" + esc(p.description ?? (p.schema && (p.schema.type ?? ""))) + "</td></tr>").join("");
  const body = op.requestBody ? "<h4>Body</h4><pre>" + esc(JSON.stringify(resolve(op.requestBody.content["application/json"]?.schema), null, 2)) + "</pre>" : "";
  const responses = Object.entries(op.responses ?? {}).map(([code, r]) => "<tr><td>" + esc(code) + "</td><td>" + esc(r.description) + "</td></tr>").join("");
  out.push('<details class="op"><summary><span class="m ' + method + '">' + method + "</span><code>" + esc(path) + "</code><span class=muted>" + esc(op.summary) + "</span></summary><div class=body>" + (op.description ? "<p>" + esc(op.description) + "</p>" : "") + (params ? "<h4>Parameters</h4><table>" + params + "</table>" : "") + body + "<h4>Responses</h4><table>" + responses + "</table></div></details>");
}
document.getElementById("ops").innerHTML = out.join("");
`;

const HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>API reference · Edge Commerce</title>
<style>${STYLE}</style></head><body>
<h1>API reference</h1><p class="muted">Generated from <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI 3.1). Conventions: JSON, camelCase, money in minor units, RFC 9457 errors.</p>
<main id="ops"><noscript>Open <a href="/api/openapi.json">the OpenAPI document</a> directly.</noscript></main>
<script type="module">${SCRIPT}</script></body></html>`;

async function sha256(text: string): Promise<string> {
  return Buffer.from(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text))).toString("base64");
}

// The settled policy, never the promise computing it (see lib/memo-cache.ts for why).
let policy: string | undefined;

/** The page and its Content-Security-Policy (no 'unsafe-inline'). */
export async function docsPage(): Promise<{ html: string; csp: string }> {
  if (policy === undefined) {
    const [script, style] = await Promise.all([sha256(SCRIPT), sha256(STYLE)]);
    policy = `default-src 'none'; script-src 'sha256-${script}'; style-src 'sha256-${style}'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'`;
  }
  return { html: HTML, csp: policy };
}
