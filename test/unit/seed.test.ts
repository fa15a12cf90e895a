import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { generateCatalog, listProductNouns, REFERENCE_DATE, type SeedProduct, slugify } from "../../scripts/seed/generate.ts";
import { knownShape, PRODUCT_SHAPES, pickColor, renderProductSvg } from "../../worker/media/product-image.ts";

function digest(options: Parameters<typeof generateCatalog>[0]): string {
  const catalog = generateCatalog(options);
  const hash = createHash("sha256");
  hash.update(JSON.stringify([catalog.categories, catalog.brands]));
  for (const chunk of catalog.chunks(97)) hash.update(JSON.stringify(chunk));
  return hash.digest("hex");
}

const defaultCatalog = generateCatalog();
const defaultProducts: SeedProduct[] = [...defaultCatalog.products()];

describe("generateCatalog: determinism", () => {
  it("gives byte-identical output for the same arguments", () => {
    expect(digest({ products: 400, seed: 7 })).toBe(digest({ products: 400, seed: 7 }));
    expect(digest({})).toBe(digest({ products: 1000, seed: 1 }));
  });

  it("gives a different catalog for a different seed", () => {
    expect(digest({ products: 400, seed: 7 })).not.toBe(digest({ products: 400, seed: 8 }));
  });

  it("does not depend on the chunk size, and a smaller catalog is a prefix of a larger one", () => {
    const catalog = generateCatalog({ products: 250, seed: 3 });
    const whole = JSON.stringify([...catalog.products()]);
    expect(JSON.stringify([...catalog.chunks(1)].flat())).toBe(whole);
    expect(JSON.stringify([...catalog.chunks(64)].flat())).toBe(whole);
    const larger = [...generateCatalog({ products: 600, seed: 3 }).products(0, 250)];
    expect(JSON.stringify(larger)).toBe(whole);
  });

  it("produces a range of products lazily", () => {
    const catalog = generateCatalog({ products: 100_000 });
    const [first, ...rest] = [...catalog.products(99_998, 200_000)];
    expect(rest).toHaveLength(1);
    expect(first?.product.slug).toMatch(/-099999$/);
  });
});

describe("generateCatalog: shape of the demo store", () => {
  it("has a two-level tree of at least 20 categories with materialized paths", () => {
    const { categories } = defaultCatalog;
    expect(categories.length).toBeGreaterThanOrEqual(20);
    const byId = new Map(categories.map((c) => [c.id, c]));
    const roots = categories.filter((c) => c.parentId === null);
    expect(roots.length).toBeGreaterThanOrEqual(8);
    for (const c of categories) {
      expect(c.id).toMatch(/^cat_/);
      if (c.parentId === null) {
        expect(c.path).toBe(`/${c.id}/`);
        expect(c.depth).toBe(0);
      } else {
        const parent = byId.get(c.parentId);
        expect(parent?.depth).toBe(0);
        expect(c.path).toBe(`${parent?.path}${c.id}/`);
        expect(c.depth).toBe(1);
      }
    }
    for (const root of roots) {
      const children = categories.filter((c) => c.parentId === root.id).length;
      expect(children).toBeGreaterThanOrEqual(3);
      expect(children).toBeLessThanOrEqual(5);
    }
  });

  it("has 40-60 brands with unique ids and slugs", () => {
    const { brands } = defaultCatalog;
    expect(brands.length).toBeGreaterThanOrEqual(40);
    expect(brands.length).toBeLessThanOrEqual(60);
    expect(new Set(brands.map((b) => b.id)).size).toBe(brands.length);
    expect(new Set(brands.map((b) => b.slug)).size).toBe(brands.length);
  });

  it("makes 1,000 products by default, spread over every leaf category", () => {
    expect(defaultProducts).toHaveLength(1000);
    const leaves = defaultCatalog.categories.filter((c) => c.depth === 1).map((c) => c.id);
    const used = new Set(defaultProducts.map((p) => p.product.categoryId));
    expect([...used].sort()).toEqual([...leaves].sort());
  });
});

describe("generateCatalog: invariants the catalog service relies on", () => {
  const products = defaultProducts.map((p) => p.product);
  const variants = defaultProducts.flatMap((p) => p.variants);
  const images = defaultProducts.flatMap((p) => p.images);
  const categoryById = new Map(defaultCatalog.categories.map((c) => [c.id, c]));
  const brandIds = new Set(defaultCatalog.brands.map((b) => b.id));

  it("uses unique, prefixed ids, unique URL-safe slugs and unique uppercase SKUs", () => {
    const unique = (xs: string[]) => new Set(xs).size === xs.length;
    expect(unique(products.map((p) => p.id))).toBe(true);
    expect(unique(products.map((p) => p.slug))).toBe(true);
    expect(unique(variants.map((v) => v.id))).toBe(true);
    expect(unique(variants.map((v) => v.sku))).toBe(true);
    expect(unique(images.map((i) => i.id))).toBe(true);
    for (const p of products) {
      expect(p.id).toMatch(/^prod_/);
      expect(p.slug).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*-\d{5}$/);
      expect(p.slug.startsWith(slugify(p.name))).toBe(true);
    }
    for (const v of variants) {
      expect(v.id).toMatch(/^var_/);
      expect(v.sku).toMatch(/^[A-Z0-9]+(-[A-Z0-9]+)+$/);
    }
    for (const i of images) expect(i.id).toMatch(/^img_/);
  });

  it("keeps the denormalized product columns equal to what the variants say", () => {
    for (const { product, variants: vs } of defaultProducts) {
      expect(vs.length).toBeGreaterThan(0);
      const prices = vs.map((v) => v.price);
      expect(product.minPrice).toBe(Math.min(...prices));
      expect(product.maxPrice).toBe(Math.max(...prices));
      expect(product.inStock).toBe(vs.some((v) => v.stockAvailable > 0) ? 1 : 0);
      expect(product.categoryPath).toBe(categoryById.get(product.categoryId)?.path);
      expect(categoryById.get(product.categoryId)?.depth).toBe(1);
      expect(brandIds.has(product.brandId ?? "")).toBe(true);
      expect(vs.every((v) => v.productId === product.id)).toBe(true);
      expect(vs.map((v) => v.position)).toEqual(vs.map((_, i) => i));
    }
  });

  it("prices in positive whole cents ending in .99 or .00, compare-at above the price", () => {
    for (const v of variants) {
      expect(Number.isSafeInteger(v.price) && v.price > 0).toBe(true);
      expect([99, 0]).toContain(v.price % 100);
      if (v.compareAtPrice !== null) expect(v.compareAtPrice).toBeGreaterThan(v.price);
      expect(Number.isSafeInteger(v.weightGrams) && v.weightGrams > 0).toBe(true);
      expect(v.stockAvailable).toBeGreaterThanOrEqual(0);
    }
    expect(variants.some((v) => v.compareAtPrice !== null)).toBe(true);
  });

  it("gives variants options that match their title, and one 'Default' variant when there are none", () => {
    for (const { variants: vs } of defaultProducts) {
      const keys = JSON.stringify(Object.keys(vs[0]?.options ?? {}));
      for (const v of vs) {
        expect(JSON.stringify(Object.keys(v.options))).toBe(keys);
        expect(v.title).toBe(Object.keys(v.options).length ? Object.values(v.options).join(" / ") : "Default");
      }
      if (keys === "[]") expect(vs).toHaveLength(1);
      expect(new Set(vs.map((v) => JSON.stringify(v.options))).size).toBe(vs.length);
    }
  });

  it("has believable proportions of status, stock, sale, featured and ratings", () => {
    const share = (pred: (p: (typeof products)[number]) => boolean) => products.filter(pred).length / products.length;
    expect(share((p) => p.status === "active")).toBeGreaterThan(0.93);
    expect(share((p) => p.status === "draft")).toBeGreaterThan(0);
    expect(share((p) => p.status === "archived")).toBeGreaterThan(0);
    expect(share((p) => p.inStock === 0)).toBeGreaterThan(0.02);
    expect(share((p) => p.inStock === 0)).toBeLessThan(0.12);
    expect(share((p) => p.featured === 1)).toBeGreaterThan(0.05);
    expect(share((p) => p.featured === 1)).toBeLessThan(0.15);
    expect(variants.some((v) => v.stockAvailable >= 1 && v.stockAvailable <= 5)).toBe(true);
    for (const p of products) {
      if (p.ratingCount === 0) expect(p.ratingAvg).toBe(0);
      else {
        expect(p.ratingAvg).toBeGreaterThanOrEqual(300);
        expect(p.ratingAvg).toBeLessThanOrEqual(500);
      }
      if (p.featured) expect(p.status).toBe("active");
    }
  });

  it("dates products within the two years before the fixed reference date", () => {
    const end = Date.parse(REFERENCE_DATE);
    const start = end - 731 * 86_400_000;
    for (const p of products) {
      expect(p.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      const created = Date.parse(p.createdAt);
      expect(created).toBeGreaterThanOrEqual(start);
      expect(created).toBeLessThanOrEqual(end);
      expect(Date.parse(p.updatedAt)).toBeGreaterThanOrEqual(created);
    }
  });

  it("gives 2-4 images per product at the media route, and primary-key-unique attributes", () => {
    for (const { product, images: imgs, attributes } of defaultProducts) {
      expect(imgs.length).toBeGreaterThanOrEqual(2);
      expect(imgs.length).toBeLessThanOrEqual(4);
      imgs.forEach((img, n) => {
        expect(img.url).toBe(`/media/products/${product.slug}/${n}.svg`);
        expect(img.position).toBe(n);
        expect(img.alt).toContain(product.name);
      });
      const keys = attributes.map((a) => `${a.name}=${a.value}`);
      expect(new Set(keys).size).toBe(keys.length);
      // Names usable as `attr.<name>` filters on GET /api/products.
      for (const a of attributes) expect(a.name).toMatch(/^[a-z][a-z0-9_]{0,39}$/);
      expect(attributes.length).toBeGreaterThan(0);
    }
  });
});

describe("renderProductSvg", () => {
  const slug = defaultProducts[0]?.product.slug ?? "aurora-merino-crew-sweater-00042";

  it("is deterministic and differs between views", () => {
    expect(renderProductSvg(slug, 0)).toBe(renderProductSvg(slug, 0));
    const views = new Set([0, 1, 2, 3].map((i) => renderProductSvg(slug, i)));
    expect(views.size).toBe(4);
  });

  it("is a small, self-contained SVG with an accessible name", () => {
    for (const { product } of defaultProducts.slice(0, 200)) {
      for (const i of [0, 3]) {
        const svg = renderProductSvg(product.slug, i);
        expect(svg.startsWith("<svg ")).toBe(true);
        expect(svg.endsWith("</svg>")).toBe(true);
        expect(svg).toContain('xmlns="http://www.w3.org/2000/svg"');
        expect(svg).toContain('role="img"');
        expect(svg).toMatch(/aria-label="[^"<>]+"/);
        expect(new TextEncoder().encode(svg).length).toBeLessThan(4096);
        expect(svg).not.toMatch(/<script|<text|href=|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
      }
    }
  });

  it("balances its tags", () => {
    const svg = renderProductSvg(slug, 2);
    const open = [...svg.matchAll(/<([a-zA-Z]+)[^>]*?(\/?)>/g)].filter((m) => m[2] !== "/").map((m) => m[1]);
    const close = [...svg.matchAll(/<\/([a-zA-Z]+)>/g)].map((m) => m[1]);
    expect(open.sort()).toEqual(close.sort());
  });

  it("escapes text taken from the slug", () => {
    const svg = renderProductSvg(`<script>"a" & 'b'</script>-00001`, 0);
    expect(svg).not.toContain("<script");
    expect(svg).toContain("&#60;script&#62;");
    expect(svg).toContain("&#38;");
    expect(svg).toContain("&#34;a&#34;");
  });

  it("draws a known object for every product noun the generator uses", () => {
    for (const noun of listProductNouns()) {
      const shape = knownShape(`aurora-cotton-${slugify(noun)}-00001`);
      expect(shape, noun).not.toBeNull();
      expect(PRODUCT_SHAPES).toContain(shape);
    }
  });

  it("takes the colour from a colour word in the slug", () => {
    expect(pickColor("navy-linen-duvet-cover-00001")).toBe(pickColor("navy-wool-throw-00002"));
    expect(pickColor("red-enamelled-cast-iron-skillet-00001")).not.toBe(pickColor("sage-enamelled-cast-iron-skillet-00001"));
  });
});

describe("generateCatalog: the return promise", () => {
  const descriptions = (returnWindowDays?: number) =>
    [...generateCatalog({ products: 200, returnWindowDays }).products()].map((p) => p.product.description).join("\n");

  it("promises the store's return window, not a fixed 30 days", () => {
    expect(descriptions()).toContain("Backed by our 30-day return promise.");
    const fourteen = descriptions(14);
    expect(fourteen).toContain("Backed by our 14-day return promise.");
    expect(fourteen).not.toContain("30-day");
  });

  it("refuses a window that is not a whole number of days", () => {
    expect(() => generateCatalog({ returnWindowDays: 0 })).toThrow(RangeError);
  });
});
