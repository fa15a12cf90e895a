import { describe, expect, it } from "vitest";
import { EMBEDDING_MODEL, type EmbeddingBindings, embeddingBindings, embeddingNeighbours, embeddingText } from "../../worker/recommendations/embeddings";
import type { ProductDoc } from "../../worker/recommendations/scoring";

// The embedding path of "similar items" runs only where a deployment binds Workers AI and Vectorize, which
// needs a Cloudflare account; here the two bindings are small in-memory stand-ins with the same methods:
// "embeddings" are fixed 3-d vectors per product and the "index" answers cosine neighbours of what was upserted.

const doc = (id: string, name: string): ProductDoc & { text: string } => {
  const d: ProductDoc = { id, name, brandId: null, categoryIds: ["cat"], attributes: [{ name: "Colour", value: "Red" }] };
  return { ...d, text: embeddingText({ ...d, brandName: "Trail", categoryNames: ["Tents"] }) };
};
const VECTORS: Record<string, number[]> = {
  tent2: [1, 0, 0],
  tent3: [0.95, 0.1, 0],
  tent1: [0.9, 0.2, 0],
  mug: [0, 1, 0],
  gone: [1, 0.01, 0],
};

function fakes(opts: { badAnswer?: boolean } = {}) {
  const calls = { run: [] as number[], upsert: [] as number[], queries: 0 };
  const stored = new Map<string, number[]>();
  // A vector of a product that left the catalog, upserted by an earlier refresh.
  stored.set("gone", VECTORS.gone as number[]);
  const cos = (a: number[], b: number[]) => {
    const dot = a.reduce((s, x, i) => s + x * (b[i] as number), 0);
    return dot / (Math.hypot(...a) * Math.hypot(...b));
  };
  const bindings: EmbeddingBindings = {
    ai: {
      async run(model, input) {
        expect(model).toBe(EMBEDDING_MODEL);
        calls.run.push(input.text.length);
        const data = input.text.map((t) => VECTORS[/^(\w+)/.exec(t)?.[1] ?? ""] ?? [0, 0, 1]);
        return { shape: [data.length, 3], data: opts.badAnswer ? data.slice(1) : data };
      },
    },
    index: {
      async upsert(vectors) {
        calls.upsert.push(vectors.length);
        for (const v of vectors) stored.set(v.id, v.values);
        return { mutationId: "m1" };
      },
      async query(vector, { topK }) {
        calls.queries++;
        const matches = [...stored].map(([id, values]) => ({ id, score: cos(vector, values) })).sort((a, b) => b.score - a.score);
        return { matches: matches.slice(0, topK) };
      },
    },
  };
  return { bindings, calls };
}

describe("similar items from embeddings", () => {
  it("is off without both bindings, so local runs and tests use TF-IDF", () => {
    expect(embeddingBindings({} as Env)).toBeNull();
    expect(embeddingBindings({ AI: {} } as unknown as Env)).toBeNull();
    expect(embeddingBindings({ AI: {}, VECTORIZE: {} } as unknown as Env)).not.toBeNull();
  });

  it("embeds what names a product: its name, brand, category and attributes", () => {
    expect(doc("tent2", "tent2 Ridge Tent").text).toBe("tent2 Ridge Tent Brand: Trail. Category: Tents. Colour: Red.");
  });

  it("ranks neighbours by cosine, never the product itself or one that left the catalog, lifted by sales", async () => {
    const { bindings, calls } = fakes();
    const docs = ["tent2", "tent3", "tent1", "mug"].map((id) => doc(id, `${id} item`));
    const plain = await embeddingNeighbours(bindings, docs, new Map(), { popularityExponent: 0 });
    expect(plain.get("tent2")?.map((s) => s.id)).toEqual(["tent3", "tent1", "mug"]);
    expect(calls.run).toEqual([4]);
    expect(calls.upsert).toEqual([4]);
    expect(calls.queries).toBe(4);
    // A best seller that is about as alike overtakes a slightly closer match that does not sell.
    const lifted = await embeddingNeighbours(bindings, docs, new Map([["tent1", 200]]), { popularityExponent: 0.3 });
    expect(
      lifted
        .get("tent2")
        ?.map((s) => s.id)
        .slice(0, 2),
    ).toEqual(["tent1", "tent3"]);
    for (const list of lifted.values()) expect(list.map((s) => s.id)).not.toContain("gone");
  });

  it("sends at most 100 texts per embedding call and 500 vectors per upsert", async () => {
    const { bindings, calls } = fakes();
    const docs = Array.from({ length: 650 }, (_, i) => doc(`p${i}`, `p${i} thing`));
    await embeddingNeighbours(bindings, docs, new Map());
    expect(calls.run).toEqual([100, 100, 100, 100, 100, 100, 50]);
    expect(calls.upsert).toEqual([500, 150]);
  });

  it("throws on an answer with the wrong number of vectors, so the refresh writes TF-IDF rows instead", async () => {
    const { bindings } = fakes({ badAnswer: true });
    await expect(embeddingNeighbours(bindings, [doc("tent2", "tent2"), doc("mug", "mug")], new Map())).rejects.toThrow(/vectors for 2 texts/);
  });
});
