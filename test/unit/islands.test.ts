import { describe, expect, it } from "vitest";

// Every Preact island, as the pages import it.
const islands = import.meta.glob<{ default: object }>("../../site/islands/*.tsx", { eager: true });

describe("Preact islands", () => {
  it("are each marked for Astro's Preact renderer, so a page renders each island once instead of twice", () => {
    const files = Object.keys(islands);
    expect(files.length).toBeGreaterThanOrEqual(8);
    const markOf = (file: string) => (islands[file]?.default as Record<symbol, unknown> | undefined)?.[Symbol.for("astro:renderer")];
    const unmarked = files.filter((file) => markOf(file) !== "@astrojs/preact");
    expect(unmarked).toEqual([]);
  });
});
