// Lighthouse (mobile: emulated phone, throttled network and CPU) on the home page and a product page of the built
// store, through Debian's Chromium. A benchmark, not a test: it prints the scores and what each category lost.
//
//   npm run build && npm run bench:lighthouse -- [--port 9660] [--runs 1] [--products 40]
//
// Starts its own store (a fresh state folder, seeded) on 127.0.0.1:--port and stops it at the end.
import { parseArgs } from "node:util";
import { launch } from "chrome-launcher";
import lighthouse from "lighthouse";
import { startStore } from "../support/store.ts";

const { values: args } = parseArgs({
  options: {
    port: { type: "string", default: "9660" },
    runs: { type: "string", default: "1" },
    products: { type: "string", default: "40" },
  },
});

const CATEGORIES = ["performance", "accessibility", "best-practices", "seo"] as const;

const store = await startStore({ port: Number(args.port), products: Number(args.products), output: "ignore" });
const chrome = await launch({
  chromePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  chromeFlags: ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update"],
});
try {
  const list = (await (await fetch(`${store.baseUrl}/api/products?perPage=1&sort=bestselling`)).json()) as { items: { slug: string }[] };
  const pages = { home: `${store.baseUrl}/`, product: `${store.baseUrl}/p/${list.items[0]?.slug}` };
  for (const [name, url] of Object.entries(pages)) {
    for (let run = 1; run <= Number(args.runs); run++) {
      const result = await lighthouse(url, { port: chrome.port, output: "json", logLevel: "error", onlyCategories: [...CATEGORIES], formFactor: "mobile" });
      const lhr = result?.lhr;
      if (!lhr) throw new Error(`no Lighthouse result for ${url}`);
      const scores = CATEGORIES.map((c) => `${c} ${Math.round((lhr.categories[c]?.score ?? 0) * 100)}`).join(", ");
      console.log(`${name} (run ${run}): ${scores}`);
      const metrics = ["first-contentful-paint", "largest-contentful-paint", "total-blocking-time", "cumulative-layout-shift", "speed-index"];
      console.log(`  ${metrics.map((m) => `${m} ${lhr.audits[m]?.displayValue ?? "?"}`).join(" · ")}`);
      for (const category of CATEGORIES) {
        for (const ref of lhr.categories[category]?.auditRefs ?? []) {
          const audit = lhr.audits[ref.id];
          if (ref.weight > 0 && audit && audit.score !== null && audit.score < 1)
            console.log(`  - ${category}: ${audit.id} (${audit.score}) ${audit.displayValue ?? ""}`);
        }
      }
    }
  }
} finally {
  chrome.kill();
  store.stop();
}
