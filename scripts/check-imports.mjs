#!/usr/bin/env node
// The import rules of docs/architecture.md, checked over worker/, site/ and durable-objects/.
//
//   node scripts/check-imports.mjs [root]      (part of `npm run check`; exit 1 on any violation)
//
// The layer order is read from docs/architecture.md (the list between the `layers:start` and
// `layers:end` markers), so the document and the check cannot drift apart.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

/** Files a domain may expose to other domains and to pages: its public surface. */
const PUBLIC_FILES = new Set(["index.ts", "schema.ts"]);
/** Display strings with no server code, which islands may bundle for the browser. */
const BROWSER_SAFE_FILES = new Set(["labels.ts"]);
/** Other domains may also read (join) an earlier domain's tables; writes go through its service. */
const READABLE_FILES = new Set(["tables.ts"]);
const ROUTE_FILES = new Set(["routes.ts", "routes-admin.ts", "routes-vendor.ts", "routes-webhooks.ts"]);
const SOURCE = /\.(ts|tsx|mts|mjs|js|astro)$/;

/** The ordered domain names from the architecture document. */
export function readLayers(root) {
  const doc = readFileSync(path.join(root, "docs/architecture.md"), "utf8");
  const block = /<!-- layers:start -->([\s\S]*?)<!-- layers:end -->/.exec(doc);
  if (!block) throw new Error("docs/architecture.md has no <!-- layers:start --> … <!-- layers:end --> block");
  const layers = [];
  for (const line of block[1].split("\n")) {
    const m = /^\s*\d+\.\s+`([a-z][a-z0-9-]*)`/.exec(line);
    if (m) layers.push(m[1]);
  }
  return layers;
}

function walk(dir, out = []) {
  if (!existsSync(dir)) return out;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(p, out);
    else if (SOURCE.test(entry.name) && !entry.name.endsWith(".d.ts")) out.push(p);
  }
  return out;
}

/** Import specifiers of a file with their line and whether they are type-only. */
export function importsOf(source) {
  const found = [];
  const patterns = [
    /(^|\n)\s*(import|export)\s+(type\s+)?([^'";]*?)\s*from\s*["']([^"']+)["']/g,
    /(^|\n)\s*import\s+["']([^"']+)["']/g,
    /import\(\s*["']([^"']+)["']\s*\)/g,
  ];
  for (const [i, re] of patterns.entries()) {
    for (const m of source.matchAll(re)) {
      const spec = i === 0 ? m[5] : i === 1 ? m[2] : m[1];
      const clause = i === 0 ? m[4] : "";
      // `import type { A }` and `import { type A, type B }` bring no runtime dependency.
      const typeOnly =
        i === 0 &&
        (Boolean(m[3]) ||
          (/^\{[^}]*\}$/.test(clause.trim()) &&
            clause
              .replace(/[{}\s]/g, "")
              .split(",")
              .filter(Boolean)
              .every((n) => n.startsWith("type"))));
      const at = m.index + (m[1] === "\n" ? 1 : 0);
      const line = source.slice(0, at).split("\n").length;
      found.push({ spec, typeOnly, line });
    }
  }
  return found;
}

function resolve(fromFile, spec) {
  const base = path.resolve(path.dirname(fromFile), spec);
  const candidates = [base, `${base}.ts`, `${base}.tsx`, `${base}.mjs`, `${base}.js`, path.join(base, "index.ts")];
  for (const c of candidates) if (existsSync(c) && statSync(c).isFile()) return c;
  return base.replace(/\.js$/, ".ts");
}

/** Where a repository-relative path sits in the architecture. */
function placeOf(rel) {
  const parts = rel.split("/");
  if (parts[0] === "durable-objects") return { kind: "durable-object" };
  if (parts[0] === "site") return { kind: "site" };
  if (parts[0] !== "worker") return { kind: "other" };
  if (parts.length === 2) return { kind: "root", file: parts[1] };
  if (parts[1] === "lib" || parts[1] === "db") return { kind: "base", area: parts[1], file: parts.slice(2).join("/") };
  return { kind: "domain", domain: parts[1], file: parts.slice(2).join("/"), top: parts.length === 3 ? parts[2] : null };
}

const isService = (place) => place.kind === "domain" && (place.file === "service.ts" || place.file.startsWith("service/"));

/** Every violation of the import rules under `root`, as `{ file, line, rule, message }`. */
export function checkImports(root) {
  const layers = readLayers(root);
  const rank = new Map(layers.map((d, i) => [d, i]));
  const files = [...walk(path.join(root, "worker")), ...walk(path.join(root, "site")), ...walk(path.join(root, "durable-objects"))];
  const violations = [];
  const graph = new Map();
  const add = (file, line, rule, message) => violations.push({ file, line, rule, message });

  // Shape of each domain folder.
  const workerDir = path.join(root, "worker");
  if (existsSync(workerDir)) {
    for (const entry of readdirSync(workerDir, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name === "lib" || entry.name === "db") continue;
      const dir = path.join(workerDir, entry.name);
      const rel = `worker/${entry.name}`;
      if (!rank.has(entry.name)) add(rel, 0, "unknown-domain", `the domain "${entry.name}" is not in the layer order of docs/architecture.md`);
      const names = readdirSync(dir);
      if (names.includes("service.ts") && names.includes("service")) add(rel, 0, "service-shape", "has both service.ts and service/: keep one");
      for (const n of names) {
        if (n.startsWith("routes") && !ROUTE_FILES.has(n)) add(`${rel}/${n}`, 0, "route-file-name", `route files are named ${[...ROUTE_FILES].join(", ")}`);
      }
    }
  }

  for (const file of files) {
    const rel = path.relative(root, file).split(path.sep).join("/");
    const from = placeOf(rel);
    const source = readFileSync(file, "utf8");
    const edges = [];
    for (const { spec, typeOnly, line } of importsOf(source)) {
      if (from.kind === "durable-object" && !spec.startsWith(".") && !spec.startsWith("cloudflare:") && !typeOnly) {
        add(rel, line, "durable-object-imports", `a Durable Object imports only cloudflare:* and shared contract types, not "${spec}"`);
      }
      if (isService(from) && (spec === "hono" || spec.startsWith("hono/") || spec.startsWith("@hono/"))) {
        add(rel, line, "service-no-hono", `services know nothing of Hono ("${spec}"): take env plus plain arguments`);
      }
      if (spec === "stripe" && !typeOnly) {
        add(
          rel,
          line,
          "stripe-types-only",
          'the Worker talks to Stripe through worker/payments/stripe-api.ts: `import type` from "stripe" (its runtime is ~550 KiB)',
        );
      }
      if (from.kind === "site" && (spec === "drizzle-orm" || spec.startsWith("drizzle-orm/"))) {
        add(rel, line, "site-no-sql", "pages run no SQL: call the domain's service");
      }
      if (!spec.startsWith(".")) continue;
      const target = resolve(file, spec);
      const trel = path.relative(root, target).split(path.sep).join("/");
      edges.push(trel);
      const to = placeOf(trel);
      if (from.kind === "base") {
        const schemaBarrel = rel === "worker/db/schema.ts" && to.kind === "domain" && to.file === "tables.ts";
        if (to.kind === "domain" && !schemaBarrel) add(rel, line, "base-knows-no-domain", `worker/${from.area} imports the domain "${to.domain}" (${trel})`);
        if (to.kind === "root") add(rel, line, "base-knows-no-domain", `worker/${from.area} imports ${trel}`);
      } else if (from.kind === "domain" && to.kind === "domain" && to.domain !== from.domain) {
        const a = rank.get(from.domain);
        const b = rank.get(to.domain);
        if (a !== undefined && b !== undefined && b > a) {
          add(rel, line, "layer-order", `"${from.domain}" imports "${to.domain}", which comes later in the layer order (${trel})`);
        }
        if (!PUBLIC_FILES.has(to.file) && !READABLE_FILES.has(to.file)) {
          add(rel, line, "public-surface", `imports ${trel}: other domains import only a domain's index.ts, schema.ts (or tables.ts to read)`);
        }
      } else if (from.kind === "domain" && to.kind === "root") {
        add(rel, line, "domain-imports-root", `a domain imports the Worker's composition root (${trel})`);
      } else if (from.kind === "domain" && to.kind === "site") {
        add(rel, line, "domain-imports-site", `a domain imports a page module (${trel})`);
      } else if (from.kind === "site" && to.kind === "domain" && !PUBLIC_FILES.has(to.file) && !BROWSER_SAFE_FILES.has(to.file)) {
        add(rel, line, "public-surface", `pages import only a domain's index.ts or schema.ts, not ${trel}`);
      } else if (from.kind === "site" && to.kind === "base" && to.area === "db") {
        add(rel, line, "site-no-sql", `pages run no SQL (${trel})`);
      } else if (from.kind === "site" && to.kind === "durable-object" && !typeOnly) {
        add(rel, line, "site-no-durable-object", `pages call no Durable Object (${trel}): call the domain's service`);
      } else if (
        from.kind === "durable-object" &&
        to.kind !== "durable-object" &&
        !(typeOnly && (to.kind === "base" || (to.kind === "domain" && to.file === "schema.ts")))
      ) {
        add(rel, line, "durable-object-imports", `a Durable Object imports only cloudflare:* and shared contract types (${trel})`);
      }
    }
    graph.set(rel, edges);
  }

  // No import circle between files (a cycle means two modules that are really one, or a missing layer).
  for (const cycle of cyclesOf(graph)) {
    add(cycle[0], 0, "file-cycle", `import circle: ${[...cycle, cycle[0]].join(" → ")}`);
  }
  return violations;
}

/** Strongly connected components with more than one file (Tarjan), each as a path through the cycle. */
function cyclesOf(graph) {
  let index = 0;
  const stack = [];
  const on = new Set();
  const idx = new Map();
  const low = new Map();
  const out = [];
  const visit = (v) => {
    idx.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const comp = [];
      let w;
      do {
        w = stack.pop();
        on.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1) out.push(comp.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const root = path.resolve(process.argv[2] ?? path.join(import.meta.dirname, ".."));
  const violations = checkImports(root);
  for (const v of violations) console.error(`${v.file}${v.line ? `:${v.line}` : ""}  [${v.rule}]  ${v.message}`);
  if (violations.length) {
    console.error(`\n${violations.length} import rule violation(s); the rules are in docs/architecture.md.`);
    process.exit(1);
  }
  console.log(`import rules: ok (${readLayers(root).length} domains in order)`);
}
