import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { purgeCatalogCache } from "../../worker/catalog";
import { createFrontDoor } from "../../worker/front-door";
import { insertCategory, insertProduct } from "../support/factories";
import { call } from "../support/http";

// The whole front door (request log, headers, API), with the environment a profiling run gives it.
const frontDoor = createFrontDoor(async () => new Response("page"));
const ctx = { waitUntil() {}, passThroughOnException() {}, props: {} } as unknown as ExecutionContext;
const add = (sku: string, via: (request: Request) => Promise<Response>, cookie = "") =>
  via(
    new Request("http://store.test/api/cart/items", {
      method: "POST",
      headers: { "Content-Type": "application/json", Origin: "http://store.test", ...(cookie ? { Cookie: cookie } : {}) },
      body: JSON.stringify({ sku, quantity: 1 }),
    }),
  );
const profiled = (request: Request) => Promise.resolve(frontDoor.fetch(request, { ...env, LOG_REQUESTS: "timings" }, ctx));

beforeAll(async () => {
  const category = await insertCategory(env.DB, { slug: "timed" });
  await insertProduct(env.DB, {
    slug: "timed-mug",
    name: "Timed Mug",
    category,
    variants: [{ sku: "TIMED-1", title: "Default", options: {}, price: 1500, stockAvailable: 100 }],
  });
  purgeCatalogCache();
});

describe("cart add phase timings (LOG_REQUESTS=timings, for profiling)", () => {
  it("are not sent by default", async () => {
    const res = await add("TIMED-1", (request) => call("/api/cart/items", { method: request.method, headers: request.headers, body: request.body }));
    expect(res.status).toBe(200);
    expect(res.headers.get("Server-Timing")).toBeNull();
  });

  it("name the phases of an add, and whether it started a cart", async () => {
    const started = await add("TIMED-1", profiled);
    expect(started.status).toBe(200);
    const timing = started.headers.get("Server-Timing") ?? "";
    expect(timing).toMatch(/^newcart, sku;dur=[\d.]+, cart;dur=[\d.]+, price;dur=[\d.]+, app;dur=[\d.]+$/);
    const cookie = (started.headers.getSetCookie()[0] ?? "").split(";")[0] ?? "";
    const next = await add("TIMED-1", profiled, cookie);
    expect(next.headers.get("Server-Timing")).toMatch(/^sku;dur=[\d.]+, cart;dur=[\d.]+, price;dur=[\d.]+, app;dur=[\d.]+$/);
    expect((await next.json()) as { itemCount: number }).toMatchObject({ itemCount: 2 });
  });
});
