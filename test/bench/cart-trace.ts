// The cart benchmark's `--trace` mode: the same shoppers as the autocannon run (a new guest cart, then
// `items - 1` adds to it, then a new shopper), driven by a small closed-loop client on Node's own HTTP
// agent (one keep-alive socket per connection), which records every add: when it was sent, how long the
// client waited, which add of its cart it was, and the server's own phase timings (`Server-Timing`, sent
// when the store runs with LOG_REQUESTS=timings). It then says where the slowest 1 % spent their time.
import http from "node:http";

interface Sample {
  sentAt: number;
  ms: number;
  /** 1 for the add that starts a cart. */
  index: number;
  status: number;
  /** Server-Timing entries: `app` (whole request in the Worker), `sku` (catalog facts), `cart` (CartSession call), `price`. */
  timing: Record<string, number>;
  newCart: boolean;
}

function parseServerTiming(header: string | string[] | undefined): { timing: Record<string, number>; newCart: boolean } {
  const timing: Record<string, number> = {};
  let newCart = false;
  for (const part of String(header ?? "").split(",")) {
    const [name = "", ...params] = part.trim().split(";");
    if (name === "newcart") newCart = true;
    const dur = params.find((p) => p.startsWith("dur="));
    if (name && dur) timing[name] = Number(dur.slice(4));
  }
  return { timing, newCart };
}

/** Runs the shoppers for `durationS` seconds with `connections` sockets and returns every answered add. */
export async function traceShoppers(
  base: string,
  skus: string[],
  connections: number,
  durationS: number,
  itemsPerCart: number,
  randomCartSizes = false,
): Promise<Sample[]> {
  const url = new URL(base);
  const samples: Sample[] = [];
  const started = performance.now();
  const deadline = started + durationS * 1000;
  const one = (agent: http.Agent, cookie: string | undefined, index: number) =>
    new Promise<{ cookie?: string }>((resolve, reject) => {
      const body = JSON.stringify({ sku: skus[Math.floor(Math.random() * skus.length)], quantity: 1 + Math.floor(Math.random() * 2) });
      const sentAt = performance.now();
      const req = http.request(
        {
          host: url.hostname,
          port: url.port,
          path: "/api/cart/items",
          method: "POST",
          agent,
          headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body), origin: base, ...(cookie ? { cookie } : {}) },
        },
        (res) => {
          res.resume();
          res.on("end", () => {
            const ms = performance.now() - sentAt;
            samples.push({ sentAt: sentAt - started, ms, index, status: res.statusCode ?? 0, ...parseServerTiming(res.headers["server-timing"]) });
            const set = res.headers["set-cookie"]?.[0];
            resolve({ cookie: set ? set.split(";")[0] : undefined });
          });
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  const shopper = async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    while (performance.now() < deadline) {
      let cookie: string | undefined;
      // Random sizes (1 to 2 × items − 1, the same mean) keep the shoppers from starting carts in step.
      const size = randomCartSizes ? 1 + Math.floor(Math.random() * (2 * itemsPerCart - 1)) : itemsPerCart;
      for (let i = 1; i <= size && performance.now() < deadline; i++) cookie = (await one(agent, cookie, i)).cookie ?? cookie;
    }
    agent.destroy();
  };
  await Promise.all(Array.from({ length: connections }, shopper));
  return samples;
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
const f = (n: number) => n.toFixed(1);

/** A plain-text account of the samples: overall percentiles, then what the slowest 1 % have in common. */
export function describeTrace(samples: Sample[], durationS: number): string {
  const ok = samples.filter((s) => s.status === 200);
  const byMs = [...samples].sort((a, b) => a.ms - b.ms);
  const ms = byMs.map((s) => s.ms);
  const out: string[] = [];
  out.push(
    `${samples.length} adds in ${durationS} s: ${Math.round(samples.length / durationS)} req/s, non-200 ${samples.length - ok.length}; client ms p50 ${f(pct(ms, 50))} p90 ${f(pct(ms, 90))} p99 ${f(pct(ms, 99))} max ${f(ms.at(-1) ?? 0)}`,
  );
  const slow = byMs.slice(Math.floor(byMs.length * 0.99));
  const rest = byMs.slice(0, Math.floor(byMs.length * 0.99));
  const describe = (label: string, group: Sample[]) => {
    const share = (pred: (s: Sample) => boolean) => `${Math.round((100 * group.filter(pred).length) / Math.max(1, group.length))}%`;
    const phase = (name: string) => f(mean(group.map((s) => s.timing[name] ?? 0)));
    const outside = f(mean(group.map((s) => s.ms - (s.timing.app ?? 0))));
    return `${label} (${group.length}): client ${f(mean(group.map((s) => s.ms)))} ms = outside the Worker ${outside} + Worker ${phase("app")} (sku ${phase("sku")}, cart ${phase("cart")}, price ${phase("price")}); new carts ${share((s) => s.newCart)}, SKU-facts misses ${share((s) => (s.timing.sku ?? 0) > 0)}, by add # ${[1, 2, 3, 4, 5, 6, 7].map((i) => share((s) => s.index === i)).join("/")}`;
  };
  const later = samples
    .filter((s) => s.sentAt >= 2_000)
    .map((s) => s.ms)
    .sort((a, b) => a - b);
  out.push(`sent after the first 2 s (${later.length}): client ms p50 ${f(pct(later, 50))} p99 ${f(pct(later, 99))}`);
  out.push(describe("slowest 1 %", slow));
  out.push(describe("other 99 %", rest));
  for (const [label, pred] of [
    ["new-cart adds", (s: Sample) => s.newCart],
    ["adds to an existing cart", (s: Sample) => !s.newCart],
  ] as const) {
    const group = samples
      .filter(pred)
      .map((s) => s.ms)
      .sort((a, b) => a - b);
    out.push(`${label}: ${group.length}, client ms p50 ${f(pct(group, 50))} p99 ${f(pct(group, 99))}`);
  }
  // Do the slow ones come in bursts (a stall of the whole runtime: GC, a blocking write) or alone?
  const windows = new Map<number, number>();
  for (const s of slow) windows.set(Math.floor((s.sentAt + s.ms) / 100), (windows.get(Math.floor((s.sentAt + s.ms) / 100)) ?? 0) + 1);
  const bursts = [...windows.entries()].sort((a, b) => b[1] - a[1]).slice(0, 8);
  out.push(`slowest 1 % answered in ${windows.size} distinct 100 ms windows; busiest: ${bursts.map(([w, n]) => `${(w / 10).toFixed(1)} s:${n}`).join(", ")}`);
  return out.join("\n");
}
