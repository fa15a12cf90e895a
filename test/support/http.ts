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
