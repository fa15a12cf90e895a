import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { checkImports } from "../../scripts/check-imports.mjs";

type Violation = { file: string; line: number; rule: string; message: string };
const repo = path.resolve(import.meta.dirname, "../..");
const check = (root: string) => checkImports(root) as Violation[];

/** A tiny repository with the real architecture document and two domains in order. */
function fixture(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), "import-rules-"));
  mkdirSync(path.join(root, "docs"));
  cpSync(path.join(repo, "docs/architecture.md"), path.join(root, "docs/architecture.md"));
  const base: Record<string, string> = {
    "worker/lib/errors.ts": "export class AppError extends Error {}\n",
    "worker/db/schema.ts": 'export * from "../catalog/tables";\n',
    "worker/catalog/tables.ts": "export const products = {};\n",
    "worker/catalog/service.ts": 'import { AppError } from "../lib/errors";\nexport const listProducts = () => AppError;\n',
    "worker/catalog/index.ts": 'export { listProducts } from "./service";\n',
    "worker/orders/service.ts":
      'import { listProducts } from "../catalog";\nimport { products } from "../catalog/tables";\nexport const x = [listProducts, products];\n',
    "site/pages/index.astro": '---\nimport { listProducts } from "../../worker/catalog";\n---\n',
  };
  for (const [rel, text] of Object.entries({ ...base, ...files })) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  }
  roots.push(root);
  return root;
}
const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

describe("import rules (scripts/check-imports.mjs, run by npm run check)", () => {
  it("pass on the repository", () => {
    expect(check(repo)).toEqual([]);
  });

  it("pass on a clean layout: a later domain uses an earlier one's public surface", () => {
    expect(check(fixture({}))).toEqual([]);
  });

  it("fail when an earlier domain imports a later one", () => {
    const v = check(fixture({ "worker/catalog/stock.ts": 'import { x } from "../orders/service";\nexport const y = x;\n' }));
    expect(v.map((e) => e.rule)).toContain("layer-order");
    expect(v.find((e) => e.rule === "layer-order")).toMatchObject({ file: "worker/catalog/stock.ts", line: 1 });
  });

  it("fail when the base imports a domain", () => {
    const v = check(fixture({ "worker/lib/auth.ts": 'import { listProducts } from "../catalog";\nexport const a = listProducts;\n' }));
    expect(v).toContainEqual(expect.objectContaining({ rule: "base-knows-no-domain", file: "worker/lib/auth.ts" }));
  });

  it("fail when a domain or a page reaches past a domain's public surface", () => {
    const v = check(
      fixture({
        "worker/orders/admin.ts": 'import { listProducts } from "../catalog/service";\nexport const a = listProducts;\n',
        "site/pages/admin.astro": '---\nimport { listProducts } from "../../worker/catalog/service";\n---\n',
      }),
    );
    expect(
      v
        .filter((e) => e.rule === "public-surface")
        .map((e) => e.file)
        .sort(),
    ).toEqual(["site/pages/admin.astro", "worker/orders/admin.ts"]);
  });

  it("fail when a page runs SQL, a service imports Hono, or a Durable Object imports a domain", () => {
    const v = check(
      fixture({
        "site/pages/pay.astro": '---\nimport { eq } from "drizzle-orm";\nimport { getDb } from "../../worker/db/client";\n---\n',
        "worker/db/client.ts": "export const getDb = () => null;\n",
        "worker/orders/service/refunds.ts": 'import type { Context } from "hono";\nexport type C = Context;\n',
        "durable-objects/ledger.ts":
          'import { DurableObject } from "cloudflare:workers";\nimport { listProducts } from "../worker/catalog";\nexport const l = [DurableObject, listProducts];\n',
      }),
    );
    const rules = v.map((e) => e.rule);
    expect(rules.filter((r) => r === "site-no-sql")).toHaveLength(2);
    expect(rules).toContain("service-no-hono");
    expect(rules).toContain("durable-object-imports");
    // orders has service.ts and service/ now
    expect(rules).toContain("service-shape");
  });

  it("fail when the Worker imports the stripe package's runtime; its types are fine", () => {
    const v = check(
      fixture({
        "worker/orders/pay.ts": 'import Stripe from "stripe";\nexport const s = Stripe;\n',
        "worker/orders/types.ts": 'import type Stripe from "stripe";\nexport type S = Stripe.Event;\n',
      }),
    );
    expect(v.filter((e) => e.rule === "stripe-types-only")).toEqual([expect.objectContaining({ file: "worker/orders/pay.ts", line: 1 })]);
  });

  it("fail on an import circle, an unknown domain and a route file named another way", () => {
    const v = check(
      fixture({
        "worker/orders/a.ts": 'import { b } from "./b";\nexport const a = b;\n',
        "worker/orders/b.ts": 'import { a } from "./a";\nexport const b = a;\n',
        "worker/giftcards/service.ts": "export const r = 1;\n",
        "worker/orders/routes-me.ts": "export const r = 1;\n",
      }),
    );
    const rules = v.map((e) => e.rule);
    expect(rules).toContain("file-cycle");
    expect(v).toContainEqual(expect.objectContaining({ rule: "unknown-domain", file: "worker/giftcards" }));
    expect(v).toContainEqual(expect.objectContaining({ rule: "route-file-name", file: "worker/orders/routes-me.ts" }));
  });
});
