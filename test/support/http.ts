import { exports } from "cloudflare:workers";

/** Calls the Worker under test the way a client would. */
export function call(path: string, init?: RequestInit): Promise<Response> {
  return exports.default.fetch(`http://store.test${path}`, init);
}

/** A JSON body, loosely typed: tests assert its shape explicitly. */
// biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted field by field in tests.
export async function json(res: Response): Promise<any> {
  return res.json();
}

let ipCounter = 0;
/** A fresh client IP per caller, so per-IP limits of one test do not leak into another. */
export function freshIp(): string {
  ipCounter++;
  return `203.0.113.${ipCounter % 250}`;
}

/** Calls a JSON endpoint as a browser on the store's own origin would. */
export function postJson(path: string, body: unknown, headers: Record<string, string> = {}, method = "POST"): Promise<Response> {
  return call(path, { method, headers: { "Content-Type": "application/json", Origin: "http://store.test", ...headers }, body: JSON.stringify(body) });
}

/** The `name=value` pairs of a response's Set-Cookie headers, as a Cookie header. */
export function cookiesFrom(res: Response): string {
  return res.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .filter((c) => c && !c.endsWith("="))
    .join("; ");
}
