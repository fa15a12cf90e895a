import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { parseCsv, toCsv } from "../../worker/catalog/csv";
import { CSV_COLUMNS } from "../../worker/catalog/service/admin-csv";
import { insertBrand, insertCategory, insertProduct, insertUser } from "../support/factories";
import { call, cookiesFrom, freshIp, json } from "../support/http";
import { passwordSignIn } from "../support/staff";

type Headers = Record<string, string>;
async function session(role: "customer" | "vendor" | "support" | "admin"): Promise<Headers> {
  const user = await insertUser(env.DB, { role });
  const res = await passwordSignIn(user, { "CF-Connecting-IP": freshIp() });
  return { Cookie: cookiesFrom(res), Origin: "http://store.test" };
}
let admin: Headers;
const upload = (csv: string, dryRun: boolean, headers: Headers = {}) =>
  call(`/api/admin/products/import?dryRun=${dryRun}`, { method: "POST", headers: { "Content-Type": "text/csv", ...admin, ...headers }, body: csv });
const HEADER = "product_slug,product_name,status,category_slug,brand,attributes,images,sku,variant_title,options,price_minor,compare_at_minor,weight_grams";
const count = async (sql: string, ...binds: unknown[]) =>
  (
    await env.DB.prepare(sql)
      .bind(...binds)
      .first<{ n: number }>()
  )?.n ?? 0;

beforeAll(async () => {
  const category = await insertCategory(env.DB, { slug: "lighting" });
  await insertCategory(env.DB, { slug: "desk-lamps" }, category);
  await insertBrand(env.DB, "lumen", "Lumen");
  await insertProduct(env.DB, {
    category,
    slug: "arc-floor-lamp",
    name: 'Arc Floor Lamp, 180 cm "tall"',
    description: "Line one\nline two, with a comma",
    attributes: { finish: "brass" },
    variants: [
      { sku: "ARC-BRASS", title: "Brass", options: { finish: "Brass" }, price: 12900, compareAtPrice: 14900, stockAvailable: 0 },
      { sku: "ARC-BLACK", title: "Black", options: { finish: "Black" }, price: 11900, stockAvailable: 0 },
    ],
  });
  await insertProduct(env.DB, {
    category,
    slug: "formula-lamp",
    name: "=HYPERLINK(evil)",
    variants: [{ sku: "FORMULA-1", title: "Default", options: {}, price: 500 }],
  });
  admin = await session("admin");
  // Pictures by address must come from an origin the admin allowed (Settings → Images).
  const allowed = await call("/api/admin/settings/image-origins", {
    method: "PUT",
    headers: { "Content-Type": "application/json", ...admin },
    body: JSON.stringify({ origins: ["https://img.example"] }),
  });
  if (allowed.status !== 200) throw new Error(`allowing https://img.example: ${allowed.status}`);
}, 20_000);

describe("CSV reader and writer", () => {
  it("reads quotes, doubled quotes, line breaks in cells, CRLF, a BOM and a missing last line end", () => {
    const text = '\uFEFFa,b,c\r\n"x, y","say ""hi""","two\r\nlines"\r\n\r\n1,,3';
    expect(parseCsv(text)).toEqual([
      { row: 1, cells: ["a", "b", "c"] },
      { row: 2, cells: ["x, y", 'say "hi"', "two\r\nlines"] },
      { row: 4, cells: ["1", "", "3"] },
    ]);
    expect(() => parseCsv('a,"open')).toThrow(/never closed/);
    expect(() => parseCsv('a,b"c')).toThrow(/quote inside/);
    expect(parseCsv(toCsv([["=1+1", 'q"', "a,b", 3]]))[0]?.cells).toEqual(["'=1+1", 'q"', "a,b", "3"]);
  });
});

describe("GET /api/admin/products/export", () => {
  it("answers every variant as one CSV row with the documented columns, quoting and neutralising formulas", async () => {
    const res = await call("/api/admin/products/export", { headers: admin });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="products-\d{4}-\d{2}-\d{2}\.csv"$/);
    const records = parseCsv(await res.text());
    expect(records[0]?.cells).toEqual([...CSV_COLUMNS]);
    const col = (name: string) => CSV_COLUMNS.indexOf(name as (typeof CSV_COLUMNS)[number]);
    const arc = records.filter((r) => r.cells[col("product_slug")] === "arc-floor-lamp");
    expect(arc.map((r) => r.cells[col("sku")])).toEqual(["ARC-BRASS", "ARC-BLACK"]);
    expect(arc[0]?.cells[col("product_name")]).toBe('Arc Floor Lamp, 180 cm "tall"');
    expect(arc[0]?.cells[col("description")]).toBe("Line one\nline two, with a comma");
    expect(arc[0]?.cells[col("options")]).toBe("finish=Brass");
    expect(arc[0]?.cells[col("attributes")]).toBe("finish=brass");
    expect(arc[0]?.cells[col("price_minor")]).toBe("12900");
    expect(arc[0]?.cells[col("compare_at_minor")]).toBe("14900");
    const formula = records.find((r) => r.cells[col("product_slug")] === "formula-lamp");
    expect(formula?.cells[col("product_name")]).toBe("'=HYPERLINK(evil)");
  });
});

describe("POST /api/admin/products/import", () => {
  it("round-trips the export: a changed price is imported and the storefront shows it", async () => {
    const exported = await (await call("/api/admin/products/export", { headers: admin })).text();
    const changed = exported.replace(/,ARC-BLACK,Black,finish=Black,11900,/, ",ARC-BLACK,Black,finish=Black,9900,");
    expect(changed).not.toBe(exported);
    const dry = await json(await upload(changed, true));
    expect(dry).toMatchObject({ dryRun: true, ok: true, errors: [] });
    expect(dry.updated).toEqual(expect.arrayContaining(["arc-floor-lamp", "formula-lamp"]));
    expect((await json(await call("/api/products/arc-floor-lamp"))).priceRange.min.amount).toBe(11900);
    const real = await upload(changed, false);
    expect(real.status).toBe(200);
    const product = await json(await call("/api/products/arc-floor-lamp"));
    expect(product.priceRange.min.amount).toBe(9900);
    expect(product.name).toBe('Arc Floor Lamp, 180 cm "tall"');
    expect(product.description).toBe("Line one\nline two, with a comma");
    // The formula guard is undone on the way in.
    const formula = await env.DB.prepare("select name from products where slug = 'formula-lamp'").first();
    expect(formula).toEqual({ name: "=HYPERLINK(evil)" });
  });

  it("creates products by slug with a BOM and CRLF, a new brand, and audits each product and the import", async () => {
    const csv =
      "\uFEFF" +
      [
        HEADER,
        'tilt-desk-lamp,Tilt Desk Lamp,active,desk-lamps,Nordlicht,"material=steel; colour=white",https://img.example/tilt.jpg,TILT-WHITE,,colour=White,4500,,900',
        "tilt-desk-lamp,,,,,,,TILT-GREEN,,colour=Green,4700,5200,900",
        'pebble-lamp,"Pebble Lamp, small",draft,desk-lamps,lumen,,,PEBBLE-1,Default,,2500,,300',
      ].join("\r\n") +
      "\r\n";
    const res = await upload(csv, false);
    expect(await json(res)).toMatchObject({ ok: true, rows: 3, created: ["tilt-desk-lamp", "pebble-lamp"], updated: [] });
    const tilt = await json(await call("/api/products/tilt-desk-lamp"));
    expect(tilt).toMatchObject({ name: "Tilt Desk Lamp", brand: { name: "Nordlicht" }, category: { slug: "desk-lamps" } });
    expect(tilt.variants.map((v: { sku: string; title: string }) => [v.sku, v.title])).toEqual([
      ["TILT-WHITE", "White"],
      ["TILT-GREEN", "Green"],
    ]);
    expect(tilt.attributes).toEqual(expect.arrayContaining([{ name: "material", value: "steel" }]));
    expect((await call("/api/products/pebble-lamp")).status).toBe(404); // a draft
    expect(await count("select count(*) as n from brands where slug = 'lumen'")).toBe(1);
    expect(await count("select count(*) as n from audit_log where action = 'product.create' and after like '%tilt-desk-lamp%'")).toBe(1);
    expect(await count("select count(*) as n from audit_log where action = 'product.import'")).toBeGreaterThan(0);
    expect((await json(await call("/api/products?q=tilt"))).items.map((p: { slug: string }) => p.slug)).toContain("tilt-desk-lamp");
  });

  it("lists every bad row with its row number, column and message, and writes nothing — not even the good rows", async () => {
    const csv = [
      HEADER,
      "good-lamp,Good Lamp,active,desk-lamps,,,,GOOD-1,,,1000,,100",
      "bad-lamp-1,Bad Lamp,active,no-such-category,,,,BAD-1,,,12.50,,100",
      "bad-lamp-2,Bad Lamp 2,sold,desk-lamps,,,,bad sku,,,1000,900,-3",
      "bad-lamp-3,Bad Lamp 3,active,desk-lamps,,notpairs,,GOOD-1,,size,1000,,100",
      ",No Slug,active,desk-lamps,,,,NOSLUG-1,,,1000,,100",
      "arc-floor-lamp,Arc,active,lighting,,,,TILT-WHITE,,,1000,,100",
      'broken-lamp,"Broken" Lamp,active,desk-lamps,,,,BROKEN-1,,,1000,,100',
    ].join("\n");
    const dry = await json(await upload(csv.split("\n").slice(0, 7).join("\n"), true));
    expect(dry.ok).toBe(false);
    const cells = dry.errors.map((e: { row: number; column: string }) => `${e.row}:${e.column}`);
    expect(cells).toEqual(
      expect.arrayContaining([
        "3:category_slug",
        "3:price_minor",
        "4:status",
        "4:sku",
        "4:compare_at_minor",
        "4:weight_grams",
        "5:attributes",
        "5:options",
        "5:sku",
        "6:product_slug",
        "7:sku",
      ]),
    );
    expect(cells).not.toContain("2:sku");
    expect(dry.errors.find((e: { row: number; column: string }) => e.row === 7 && e.column === "sku").message).toBe("Another product uses this SKU");
    expect(dry.errors.find((e: { row: number; column: string }) => e.row === 5 && e.column === "sku").message).toBe("Same SKU as row 2");
    const real = await upload(csv.split("\n").slice(0, 7).join("\n"), false);
    expect(real.status).toBe(400);
    const problem = await json(real);
    expect(problem.code).toBe("catalog.import_invalid");
    expect(problem.errors.map((e: { path: string }) => e.path)).toContain("3.price_minor");
    expect(await count("select count(*) as n from products where slug = 'good-lamp'")).toBe(0);
    // A quote in the middle of an unquoted cell is a syntax error with its row.
    const syntax = await json(await upload(csv, true));
    expect(syntax.errors).toEqual([{ row: 8, column: "", message: expect.stringContaining("quote") }]);
  });

  it("refuses unknown or missing columns, an empty file, a wrong content type and files over 2 MiB; takes files far over 64 KiB", async () => {
    const cols = await json(await upload("product_slug,product_name,colour\r\nx,y,z\r\n", true));
    expect(cols.errors.map((e: { row: number; column: string }) => `${e.row}:${e.column}`).sort()).toEqual([
      "1:category_slug",
      "1:colour",
      "1:price_minor",
      "1:sku",
    ]);
    expect((await json(await upload("", true))).errors[0].message).toMatch(/empty/);
    const wrongType = await call("/api/admin/products/import?dryRun=true", { method: "POST", headers: { "Content-Type": "text/plain", ...admin }, body: "a" });
    expect(wrongType.status).toBe(415);
    const rows = Array.from(
      { length: 3000 },
      (_, i) => `bulk-lamp-${Math.floor(i / 3)},Bulk Lamp ${Math.floor(i / 3)},active,desk-lamps,Lumen,,,BULK-${i},,n=${i % 3},${1000 + i},,250`,
    );
    const big = [HEADER, ...rows].join("\r\n");
    expect(big.length).toBeGreaterThan(200 * 1024);
    const started = Date.now();
    const res = await upload(big, false);
    const took = Date.now() - started;
    expect(res.status).toBe(200);
    expect((await json(res)).created).toHaveLength(1000);
    expect(await count("select count(*) as n from product_variants where sku like 'BULK-%'")).toBe(3000);
    console.log(`imported 3000 rows / 1000 products (${Math.round(big.length / 1024)} KiB) in ${took} ms`);
    // The export streams 1,000 products per chunk: every variant comes out once across chunks.
    const exported = parseCsv(await (await call("/api/admin/products/export", { headers: admin })).text());
    const skus = exported.slice(1).map((r) => r.cells[CSV_COLUMNS.indexOf("sku")]);
    expect(skus.filter((sku) => sku?.startsWith("BULK-"))).toHaveLength(3000);
    expect(new Set(skus).size).toBe(skus.length);
    expect(await count("select count(*) as n from product_variants")).toBe(skus.length);
    const huge = "A".repeat(2 * 1024 * 1024 + 10);
    expect((await upload(huge, true)).status).toBe(413);
  }, 120_000);
});

describe("the featured column", () => {
  const FEATURED = "product_slug,product_name,status,featured,category_slug,sku,price_minor";
  const featuredOf = (slug: string) => count("select featured as n from products where slug = ?", slug);

  it("features and unfeatures products, keeps the flag when the column is left out, and names the column when a cell is neither yes nor no", async () => {
    const bad = await json(await upload([FEATURED, "pick-lamp,Pick Lamp,active,perhaps,desk-lamps,PICK-1,2500"].join("\n"), true));
    expect(bad.ok).toBe(false);
    expect(bad.errors).toContainEqual(expect.objectContaining({ row: 2, column: "featured" }));
    expect(await count("select count(*) as n from products where slug = 'pick-lamp'")).toBe(0);

    expect((await upload([FEATURED, "pick-lamp,Pick Lamp,active,yes,desk-lamps,PICK-1,2500"].join("\n"), false)).status).toBe(200);
    expect(await featuredOf("pick-lamp")).toBe(1);
    const exported = parseCsv(await (await call("/api/admin/products/export", { headers: admin })).text());
    const row = exported.find((r) => r.cells[CSV_COLUMNS.indexOf("product_slug")] === "pick-lamp");
    expect(row?.cells[CSV_COLUMNS.indexOf("featured")]).toBe("yes");
    // A file without the column changes the price and leaves the product featured.
    expect((await upload([HEADER, "pick-lamp,Pick Lamp,active,desk-lamps,,,,PICK-1,,,2600,,"].join("\n"), false)).status).toBe(200);
    expect(await featuredOf("pick-lamp")).toBe(1);
    expect((await upload([FEATURED, "pick-lamp,Pick Lamp,active,no,desk-lamps,PICK-1,2600"].join("\n"), false)).status).toBe(200);
    expect(await featuredOf("pick-lamp")).toBe(0);
  });
});
