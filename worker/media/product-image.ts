/** Placeholder renderer; replaced by the seed/media work. */
export function renderProductSvg(slug: string, index: number): string {
  const title = slug.replace(/-\d+$/, "").replace(/-/g, " ");
  const escaped = title.replace(/[<>&"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 800 800" role="img" aria-label="${escaped}"><rect width="800" height="800" fill="hsl(${(slug.length * 37 + index * 50) % 360} 40% 85%)"/><text x="400" y="410" font-family="sans-serif" font-size="40" text-anchor="middle">${escaped}</text></svg>`;
}
