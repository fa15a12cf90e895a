import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findBrokenPages, formatShoppersTable, loadShopCatalog, runShoppers, type ShoppersResult, shoppersForMachine } from "../bench/shoppers-lib";
import { startStore } from "./store";

// A smaller run of `npm run bench:shoppers` that asserts correctness, never timings: under
// a crowd (a flash crowd on cold caches, then steady arrivals) every answer is an answer
// (no 5xx, nothing hung), and afterwards the store still renders every page the crowd
// opened. The crowd's size follows the machine (shoppersForMachine: 200 on an idle
// 2-core box), so a slow or shared one gets fewer shoppers, not false "hung" requests. Its own store, on a port after
// the ones the other e2e files use (E2E_PORT + 4).
const PORT = Number(process.env.E2E_LOAD_PORT ?? Number(process.env.E2E_PORT ?? 8790) + 4);
const MAX_SHOPPERS = 200;
// Short enough that a shopper finishes the walk (6 think times) well inside the run.
const THINK_MS = 1000;
// Shoppers arriving together at the start, on cold caches (a flash crowd after a sale email).
const MAX_BURST = 50;
const DURATION_MS = 20_000;
// A request the store has not answered in this long counts as hung.
const HUNG_MS = 10_000;

let store: Awaited<ReturnType<typeof startStore>>;
beforeAll(async () => {
  store = await startStore({ port: PORT, products: 40, stockEveryVariant: 1_000_000 });
  // Seeding alone took minutes on a 2-core machine shared with other jobs.
}, 300_000);
afterAll(() => store?.stop());

describe("up to 200 shoppers walking the store for 20 s", () => {
  let result: ShoppersResult;

  it("get no 5xx, no 4xx, no transport error and no hung request on any step", async () => {
    const catalog = await loadShopCatalog(store.baseUrl, 40);
    const shoppers = await shoppersForMachine(store.baseUrl, MAX_SHOPPERS, THINK_MS);
    const burst = Math.min(MAX_BURST, shoppers);
    const errors: string[] = [];
    result = await runShoppers({
      baseUrl: store.baseUrl,
      catalog,
      shoppers,
      thinkMs: THINK_MS,
      burst,
      durationMs: DURATION_MS,
      timeoutMs: HUNG_MS,
      onError: (message) => errors.push(message),
    });
    // The table (timings included) is for the reader of the log; only failures are asserted.
    console.log(`${shoppers} shoppers (+${burst} at once at the start), think ${THINK_MS} ms, ${DURATION_MS / 1000} s\n${formatShoppersTable(result)}`);
    const failures = Object.fromEntries(
      [...result.steps, result.total].map((s) => [s.step, { status5xx: s.status5xx, status4xx: s.status4xx, network: s.network, hung: s.hung }]),
    );
    const none = { status5xx: 0, status4xx: 0, network: 0, hung: 0 };
    expect(failures, errors.join("\n")).toEqual(Object.fromEntries([...result.steps, result.total].map((s) => [s.step, none])));
    // The crowd really walked: every step was reached and whole walks were finished.
    for (const step of result.steps) expect(step.requests, step.step).toBeGreaterThan(0);
    expect(result.completed).toBeGreaterThan(0);
  }, 120_000);

  it("leave every page they opened (home, categories, products) still rendering", async () => {
    expect(result?.visitedPages.length).toBeGreaterThan(0);
    expect(await findBrokenPages(store.baseUrl, result.visitedPages, HUNG_MS)).toEqual([]);
  }, 120_000);
});
