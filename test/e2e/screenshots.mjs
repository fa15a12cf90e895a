// Full-page screenshots of the storefront pages at phone and desktop widths, for people to look at.
// Usage: node test/e2e/screenshots.mjs [baseUrl]   (default http://127.0.0.1:8821)
// Writes test/e2e/screenshots/<page>-<width>.png (git-ignored) and reports any horizontal overflow.
import { launchBrowser, SCREENSHOTS, screenshot, VIEWPORTS } from "./browser.ts";

const base = (process.argv[2] ?? process.env.BASE_URL ?? "http://127.0.0.1:8821").replace(/\/$/, "");

async function firstLink(path, prefix) {
  const html = await (await fetch(base + path)).text();
  const match = html.match(new RegExp(`href="(${prefix}[a-z0-9-]+)"`));
  if (!match) throw new Error(`no ${prefix} link on ${path}`);
  return match[1];
}

const category = await firstLink("/", "/c/");
const product = await firstLink(category, "/p/");
const word = product.split("/").pop().split("-")[0];
const pages = [
  ["home", "/"],
  ["category", category],
  ["product", product],
  ["search", `/search?q=${encodeURIComponent(word)}`],
  ["all-products-page-2", "/search?page=2&sort=price_asc"],
  ["search-empty", "/search?q=qwxzv"],
  ["not-found", "/this-page-does-not-exist"],
];

const browser = await launchBrowser();
let problems = 0;
try {
  for (const [name, viewport] of Object.entries(VIEWPORTS)) {
    for (const javaScriptEnabled of [true, false]) {
      const context = await browser.newContext({ viewport, javaScriptEnabled });
      const page = await context.newPage();
      page.on("pageerror", (e) => {
        problems++;
        console.error(`page error on ${page.url()}: ${e.message}`);
      });
      const list = javaScriptEnabled ? pages : pages.filter(([n]) => n === "product");
      for (const [label, path] of list) {
        const response = await page.goto(base + path, { waitUntil: "networkidle" });
        // Lazy images below the fold load only when scrolled into view (without JS they load at once).
        if (javaScriptEnabled)
          await page.evaluate(async () => {
            for (let y = 0; y < document.body.scrollHeight; y += 600) {
              window.scrollTo(0, y);
              await new Promise((r) => setTimeout(r, 40));
            }
            window.scrollTo(0, 0);
          });
        await page.waitForLoadState("networkidle");
        const overflow = javaScriptEnabled ? await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth) : 0;
        const file = await screenshot(page, javaScriptEnabled ? label : `${label}-nojs`);
        const flag = overflow > 0 ? `  OVERFLOW ${overflow}px` : "";
        if (overflow > 0) problems++;
        console.log(`${response?.status()} ${name.padEnd(7)} ${path} -> ${file.replace(`${SCREENSHOTS}/`, "")}${flag}`);
      }
      if (javaScriptEnabled && name === "phone") {
        await page.goto(`${base}/`);
        await page.click(".mobile-menu > summary");
        await screenshot(page, "menu-open");
        console.log("        phone   / (menu open) -> menu-open-390.png");
      }
      await context.close();
    }
  }
} finally {
  await browser.close();
}
if (problems > 0) {
  console.error(`${problems} problem(s)`);
  process.exitCode = 1;
}
