import { describe, expect, inject, it } from "vitest";

// Concurrent shoppers against the built store over real HTTP, where a client that goes away really cancels
// its request inside the runtime (the vitest pool's in-process fetch does not). Reads must never depend on
// another request staying alive: see docs/caching.md.
const baseUrl = inject("baseUrl");

/** A request's status, or "aborted" when this client gave up on purpose, or "hung" after 15 s without an answer. */
async function request(path: string, abortAfterMs?: number): Promise<number | "aborted" | "hung"> {
  const controller = new AbortController();
  const hung = setTimeout(() => controller.abort(new Error("hung")), 15_000);
  let aborted = false;
  if (abortAfterMs !== undefined) {
    setTimeout(() => {
      aborted = true;
      controller.abort();
    }, abortAfterMs);
  }
  try {
    const res = await fetch(`${baseUrl}${path}`, { signal: controller.signal });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return aborted ? "aborted" : "hung";
  } finally {
    clearTimeout(hung);
  }
}

/**
 * `n` concurrent requests for one cold path, every third one dropped by its client after a few
 * milliseconds (while its handler is loading), then one more request once they are all done.
 */
async function stampede(path: string, n: number) {
  // Uncached listings beside it keep the database busy, so the dropped requests leave with their loads in flight.
  const busy = Array.from({ length: 20 }, (_, i) => request(`/api/products?sort=price_desc&perPage=48&page=${1 + (i % 6)}&minPrice=${path.length * 7 + i}`));
  const answers = await Promise.all(Array.from({ length: n }, (_, i) => request(path, i % 3 === 0 ? 2 + i * 4 : undefined)));
  await Promise.all(busy);
  const kept = answers.filter((a) => a !== "aborted");
  const after = await request(path);
  return { kept, after };
}

async function productSlugs(count: number): Promise<string[]> {
  const res = await fetch(`${baseUrl}/api/products?sort=newest&perPage=48&page=2`);
  const page = (await res.json()) as { items: { slug: string }[] };
  return page.items.slice(0, count).map((p) => p.slug);
}

describe("many shoppers ask for a cold key while some of them hang up", () => {
  it("answers every product API request that was not dropped, and the next one", async () => {
    for (const slug of (await productSlugs(24)).slice(0, 12)) {
      const { kept, after } = await stampede(`/api/products/${slug}`, 30);
      expect({ slug, kept }).toEqual({ slug, kept: kept.map(() => 200) });
      expect({ slug, after }).toEqual({ slug, after: 200 });
    }
  });

  it("answers every product page request that was not dropped, and the next one", async () => {
    for (const slug of (await productSlugs(24)).slice(12, 24)) {
      const { kept, after } = await stampede(`/p/${slug}`, 30);
      expect({ slug, kept }).toEqual({ slug, kept: kept.map(() => 200) });
      expect({ slug, after }).toEqual({ slug, after: 200 });
    }
  });
});
