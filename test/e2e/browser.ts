import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";

/**
 * Debian's headless shell (package chromium-headless-shell; .ci/run installs it) where installed, else Debian's
 * Chromium. The shell is the same engine without the desktop browser's process and compositor work: measured on two
 * browser files (2026-12-04), Chromium's CPU went from 41 to 23 s, and Chromium was the suite's largest CPU user on a
 * 2-core machine. `CHROMIUM_PATH` picks another binary.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? (existsSync("/usr/bin/chromium-headless-shell") ? "/usr/bin/chromium-headless-shell" : "/usr/bin/chromium");
export const SCREENSHOTS = path.resolve(import.meta.dirname, "screenshots");

/** Chromium, headless, with the flags this closed network needs. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
      "--disable-sync",
      "--disable-quic",
    ],
  });
}

export const VIEWPORTS = { phone: { width: 390, height: 844 }, desktop: { width: 1280, height: 900 } } as const;

/** Full-page screenshot into test/e2e/screenshots/<name>-<width>.png, for people to look at. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}-${page.viewportSize()?.width ?? 0}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/**
 * Clicks something that loads another document (a form post, a link), then waits until that document has committed
 * and reached `state`. `waitForLoadState` alone settles at once on the page still showing, and a form that posts to
 * its own URL (sign-in, currency, checkout steps) cannot be told apart by URL: on a busy machine the old page was read
 * as the answer, or clicked before the new one's scripts ran.
 */
export async function submitAndLoad(page: Page, click: () => Promise<void>, state: "domcontentloaded" | "load" = "domcontentloaded"): Promise<void> {
  const navigated = page.waitForEvent("framenavigated", { predicate: (frame) => frame === page.mainFrame() });
  await click();
  await navigated;
  await page.waitForLoadState(state);
}
