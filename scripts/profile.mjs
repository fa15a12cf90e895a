// CPU profiles of the local runtime's isolates while something else drives load, for finding where a
// request's time goes (never a test). Start the store with the inspector open, run this, then the load:
//
//   INSPECTOR_PORT=9229 node scripts/serve.mjs --port 8787 &
//   npm run profile -- [--inspector 9229] [--seconds 10] [--isolates core:user:edge-commerce,core:entry] [--top 25] [--out <tmp>/edge-commerce-profiles]
//   npx autocannon -c 10 -d 8 http://127.0.0.1:8787/api/health/live   (in another shell, within the window)
//
// Each isolate's profile is written as <out>/<isolate>.cpuprofile (opens in Chrome DevTools' Performance
// panel), and the functions with the most self time are printed per isolate, with the share of all
// samples each isolate took.
import { mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";

const { values: args } = parseArgs({
  options: {
    inspector: { type: "string", default: process.env.INSPECTOR_PORT ?? "9229" },
    seconds: { type: "string", default: "10" },
    isolates: { type: "string", default: "" },
    top: { type: "string", default: "25" },
    out: { type: "string", default: path.join(tmpdir(), "edge-commerce-profiles") },
    interval: { type: "string", default: "200" },
  },
});

const base = `http://127.0.0.1:${args.inspector}`;
const targets = /** @type {{ id: string; webSocketDebuggerUrl: string }[]} */ (await (await fetch(`${base}/json/list`)).json());
const wanted = args.isolates ? new Set(args.isolates.split(",")) : null;
const chosen = targets.filter((t) => !wanted || wanted.has(t.id));
if (!chosen.length) throw new Error(`no isolate matched; the runtime has: ${targets.map((t) => t.id).join(", ")}`);

/** One DevTools session: sends commands, resolves their answers by id. */
async function session(url) {
  const ws = new WebSocket(url);
  await new Promise((resolve, reject) => {
    ws.addEventListener("open", resolve, { once: true });
    ws.addEventListener("error", reject, { once: true });
  });
  let next = 0;
  const waiting = new Map();
  ws.addEventListener("message", (e) => {
    const msg = JSON.parse(String(e.data));
    const w = waiting.get(msg.id);
    if (!w) return;
    waiting.delete(msg.id);
    if (msg.error) w.reject(new Error(msg.error.message));
    else w.resolve(msg.result);
  });
  const send = (method, params = {}) =>
    new Promise((resolve, reject) => {
      const id = ++next;
      waiting.set(id, { resolve, reject });
      ws.send(JSON.stringify({ id, method, params }));
    });
  return { send, close: () => ws.close() };
}

const sessions = await Promise.all(chosen.map(async (t) => ({ id: t.id, s: await session(t.webSocketDebuggerUrl) })));
for (const { s } of sessions) {
  await s.send("Profiler.enable");
  await s.send("Profiler.setSamplingInterval", { interval: Number(args.interval) });
  await s.send("Profiler.start");
}
console.log(`profiling ${sessions.length} isolate(s) for ${args.seconds} s: drive the load now (profiles go to ${args.out})`);
await new Promise((r) => setTimeout(r, Number(args.seconds) * 1000));

mkdirSync(args.out, { recursive: true });
const results = [];
for (const { id, s } of sessions) {
  const { profile } = await s.send("Profiler.stop");
  s.close();
  writeFileSync(path.join(args.out, `${id.replace(/[^a-z0-9_-]+/gi, "_")}.cpuprofile`), JSON.stringify(profile));
  const self = new Map();
  const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
  const counts = new Map();
  for (const sample of profile.samples) counts.set(sample, (counts.get(sample) ?? 0) + 1);
  let busy = 0;
  for (const [nodeId, n] of counts) {
    const { functionName, url, lineNumber } = byNode.get(nodeId).callFrame;
    if (functionName === "(idle)" || functionName === "(program)") continue;
    busy += n;
    const key = `${functionName || "(anonymous)"} ${url ? `${path.basename(url)}:${lineNumber + 1}` : ""}`.trim();
    self.set(key, (self.get(key) ?? 0) + n);
  }
  results.push({ id, busy, self });
}
const all = results.reduce((sum, r) => sum + r.busy, 0) || 1;
for (const r of results.sort((a, b) => b.busy - a.busy)) {
  if (!r.busy) continue;
  console.log(`\n${r.id}: ${r.busy} busy samples (${((100 * r.busy) / all).toFixed(1)} % of all isolates' busy samples)`);
  for (const [fn, n] of [...r.self].sort((a, b) => b[1] - a[1]).slice(0, Number(args.top))) {
    console.log(`  ${((100 * n) / r.busy).toFixed(1).padStart(5)} %  ${fn}`);
  }
}
