/**
 * Marks a Preact component for Astro's Preact renderer. Astro finds an unmarked component's renderer by rendering
 * it once through each renderer's `check` and then renders it again for the page, so every island on a server-rendered
 * page was rendered twice (Astro's `renderFrameworkComponent`; withastro/astro#8368). With the mark it renders once.
 * Every island calls this on its default export (test/unit/islands.test.ts checks it); in the browser the mark is
 * an unused property.
 */
export function preactIsland(component: object): void {
  Object.defineProperty(component, Symbol.for("astro:renderer"), { value: "@astrojs/preact" });
}
